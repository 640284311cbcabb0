import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Peak memory comes from GNU time (`/usr/bin/time -v`, Debian package `time`):
 * it reads the rusage the kernel reports when the child exits, so the measured
 * program runs unmodified. Wall time is taken here, around spawn and exit,
 * with a monotonic clock: GNU time's own elapsed figure has 10 ms steps, too
 * coarse for differences of a few milliseconds.
 */

export const GNU_TIME = '/usr/bin/time'

export interface TimeVerbose {
  /** Largest resident set of the process (or of its largest descendant: the kernel reports the maximum, not a sum). */
  maxRssKiB: number
  exitStatus?: number
  signal?: number
}

/** Reads the report `/usr/bin/time -v` writes. */
export function parseTimeVerbose(text: string): TimeVerbose {
  const rss = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text)
  if (!rss) throw new Error(`no "Maximum resident set size" in GNU time's report:\n${text.slice(0, 500)}`)
  const exit = /Exit status:\s*(\d+)/.exec(text)
  const signal = /Command terminated by signal\s*(\d+)/.exec(text)
  return {
    maxRssKiB: Number(rss[1]),
    ...(exit ? { exitStatus: Number(exit[1]) } : {}),
    ...(signal ? { signal: Number(signal[1]) } : {}),
  }
}

export function kibToMiB(kib: number): number {
  return kib / 1024
}

export function requireGnuTime(): void {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} is missing: install the Debian package 'time' (npm run bench runs the setup, which installs it).`)
  }
}

/** A temporary report file per measured process, for GNU time's `-o`. */
export async function meterFile(): Promise<{ launcher: string[]; read: () => Promise<TimeVerbose>; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-meter-'))
  const file = join(dir, 'time.txt')
  return {
    launcher: [GNU_TIME, '-v', '-o', file],
    read: async () => parseTimeVerbose(await readFile(file, 'utf8')),
    dispose: () => rm(dir, { recursive: true, force: true }),
  }
}

export interface Measured {
  wallMs: number
  peakRssMiB: number
  exitCode: number | null
  stdout: string
  stderr: string
}

export interface MeasureOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
}

/** Runs one program to its end under GNU time and reports its wall time and peak memory. */
export async function measureCommand(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<Measured> {
  const meter = await meterFile()
  try {
    const [program, ...meterArgs] = meter.launcher as [string, ...string[]]
    const started = process.hrtime.bigint()
    const child = spawn(program, [...meterArgs, command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
    const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code) => resolve(code))
    })
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6
    clearTimeout(timeout)
    const report = await meter.read()
    return {
      wallMs,
      peakRssMiB: kibToMiB(report.maxRssKiB),
      exitCode: report.exitStatus ?? exitCode,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    }
  } finally {
    await meter.dispose()
  }
}
