import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ActionRun, node24, type RunOptions, runAction } from '../../test/harness/runner'
import { floorBundle } from './bundles'
import { measureCommand, meterFile } from './resource-meter'

export interface MeteredRun {
  /** Main step, plus the post step when it ran. */
  wallMs: number
  /** The larger of the steps' peaks. */
  peakRssMiB: number
  run: ActionRun
}

/**
 * Runs an action's committed bundle through the runner-contract harness, each
 * step under GNU time. The post step runs only when asked (`post: true`) and
 * action.yml declares one; start-up figures are of the main step alone.
 */
export async function runMetered(action: string, options: RunOptions = {}): Promise<MeteredRun> {
  const meters = { main: await meterFile(), post: await meterFile() }
  try {
    const run = await runAction(action, { post: false, ...options, launcher: (step) => meters[step].launcher })
    const main = await meters.main.read()
    const post = run.post ? await meters.post.read() : undefined
    return {
      wallMs: run.wallMs + (run.post?.wallMs ?? 0),
      peakRssMiB: Math.max(main.maxRssKiB, post?.maxRssKiB ?? 0) / 1024,
      run,
    }
  } finally {
    await Promise.all([meters.main.dispose(), meters.post.dispose()])
  }
}

/** The baseline every start-up figure is read against: the same Node 24 doing nothing. */
export async function bareNode(): Promise<{ wallMs: number; peakRssMiB: number }> {
  const result = await measureCommand(node24(), ['-e', '0'], { env: { PATH: process.env.PATH ?? '' } })
  if (result.exitCode !== 0) throw new Error(`node -e 0 exited with ${result.exitCode}: ${result.stderr}`)
  return result
}

/** The floor bundle (only lib/core) started like an action: what any action here costs before doing anything. */
export async function floorRun(workspace: string): Promise<{ wallMs: number; peakRssMiB: number }> {
  const output = join(workspace, 'floor-output')
  await writeFile(output, '')
  const measured = await measureCommand(node24(), [join(await floorBundle(), 'index.js')], {
    env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: output },
  })
  if (measured.exitCode !== 0) throw new Error(`the floor bundle failed: ${measured.stderr}`)
  return measured
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
  const message = (run.failure ?? run.stderr.trim().split('\n').pop() ?? '').replace(/\.+$/, '')
  // Without its closing full stop, so the message reads well inside a sentence of the notes.
  return `exit ${run.exitCode}: ${message.length > 200 ? `${message.slice(0, 199)}…` : message}`
}
