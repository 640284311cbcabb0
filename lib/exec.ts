import { type ChildProcess, spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { track } from './cancel'
import { UserError } from './errors'
import { LineFilter } from './escape'

export interface ExecOptions {
  cwd?: string
  /** Replaces the environment when given; merge with process.env yourself to extend it. */
  env?: NodeJS.ProcessEnv
  /** Written to stdin then closed: how secrets reach a tool, never through argv. */
  input?: string | Buffer
  /** When false (the default) the tool's output streams to the log as it runs. */
  silent?: boolean
  /** Called with the child right after it starts, e.g. to forward a cancellation signal. */
  onSpawn?: (child: ChildProcess) => void
  /**
   * Starts the child in its own process group, so a signal sent to our whole
   * group (Ctrl-C in a terminal) does not reach it as well as the one we forward.
   */
  detached?: boolean
  /**
   * The longest the tool may run: then it (its whole group, when detached)
   * is killed and the result says `timedOut`. A tool waiting on a server that
   * never answers must not hold the step until the job's own timeout.
   */
  timeoutMs?: number
}

export interface ExecResult {
  exitCode: number
  /** Set when the tool was ended by a signal. */
  signal?: NodeJS.Signals
  stdout: string
  stderr: string
  /** Set when the tool was killed because it outlived `timeoutMs`. */
  timedOut?: boolean
}

/** How every action runs a tool; tests pass their own to record calls or inject failures. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>

/**
 * Runs a program with an argument array and no shell, so no input is ever
 * interpreted as shell syntax.
 *
 * Written here rather than on @actions/exec, which cannot do four things the
 * actions need: it gives no handle on the child, so lib/cancel cannot end
 * it (and its group) when the job is cancelled, nor tf-apply-toggle forward
 * exactly one interrupt to Terraform's process group; it cannot start the
 * child in its own group (detached); it has no time limit that kills the
 * tool; and it echoes the command line and streams the tool's output as it
 * is, where every line must be defused first so output cannot forge a
 * workflow command (lib/escape). A non-zero exit is a result, not an error: the
 * caller decides what it means (Terraform's exit code 2 means "changes").
 * Only a program that cannot start at all rejects.
 */
export const exec: Exec = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      shell: false,
      detached: options.detached ?? false,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    // The runner reads workflow commands from both streams: a tool's output must not forge one (lib/escape).
    const shownOut = new LineFilter((text) => process.stdout.write(text))
    const shownErr = new LineFilter((text) => process.stderr.write(text))
    const outText = new StringDecoder('utf8')
    const errText = new StringDecoder('utf8')
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk)
      if (!options.silent) shownOut.push(outText.write(chunk))
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk)
      if (!options.silent) shownErr.push(errText.write(chunk))
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      untrack()
      reject(error.code === 'ENOENT' ? new UserError(`Cannot run '${command}': it is not installed or not on PATH.`) : error)
    })
    const untrack = track(child, options.detached ?? false, command.split('/').pop() ?? command)
    let timedOut = false
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            killTree(child, options.detached ?? false)
          }, options.timeoutMs)
    child.on('close', (code, signal) => {
      untrack()
      if (timer) clearTimeout(timer)
      if (!options.silent) {
        shownOut.push(outText.end())
        shownErr.push(errText.end())
        shownOut.flush()
        shownErr.flush()
      }
      resolve({
        exitCode: code ?? 128,
        signal: signal ?? undefined,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(timedOut ? { timedOut } : {}),
      })
    })
    // A tool that exits before reading stdin closes the pipe; that is not our error.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
    options.onSpawn?.(child)
  })

/** Kills a child at once, with the processes it started when it leads its own group. */
export function killTree(child: ChildProcess, group: boolean): void {
  try {
    if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    else child.kill('SIGKILL')
  } catch {
    // Already gone.
  }
}

/** The last lines of a tool's output, for an error message that shows why it failed. */
export function tail(text: string, lines = 10): string {
  return text.trimEnd().split(/\r?\n/).slice(-lines).join('\n')
}

/**
 * A tool's last non-empty lines on one line (joined by ' / ', a final period
 * dropped), for an error message that ends in its own period.
 */
export function lastLines(text: string, count = 3): string {
  return text
    .trim()
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join(' / ')
    .replace(/\.$/, '')
}
