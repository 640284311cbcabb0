import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ActionRun, node24, type RunOptions, runAction } from '../../test/harness/runner'
import { measureCommand, meterFile } from './resource-meter'

export interface MeteredRun {
  wallMs: number
  peakRssMiB: number
  run: ActionRun
}

/** Runs an action's committed bundle through the runner-contract harness, main step under GNU time. */
export async function runMetered(action: string, options: RunOptions = {}): Promise<MeteredRun> {
  const meter = await meterFile()
  try {
    const run = await runAction(action, { post: false, ...options, launcher: (step) => (step === 'main' ? meter.launcher : []) })
    const report = await meter.read()
    return { wallMs: run.wallMs, peakRssMiB: report.maxRssKiB / 1024, run }
  } finally {
    await meter.dispose()
  }
}

/** The baseline every start-up figure is read against: the same Node 24 doing nothing. */
export async function bareNode(): Promise<{ wallMs: number; peakRssMiB: number }> {
  const result = await measureCommand(node24(), ['-e', '0'], { env: { PATH: process.env.PATH ?? '' } })
  if (result.exitCode !== 0) throw new Error(`node -e 0 exited with ${result.exitCode}: ${result.stderr}`)
  return result
}

/** A scratch folder for a run's workspace, removed afterwards. */
export async function withScratch<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  try {
    return await body(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The first line of why a run failed, for the notes of a benchmark that expects (or tolerates) a failure. */
export function outcome(run: ActionRun): string {
  if (run.exitCode === 0) return 'succeeded'
  return `exit ${run.exitCode}: ${(run.failure ?? run.stderr.trim().split('\n').pop() ?? '').slice(0, 160)}`
}
