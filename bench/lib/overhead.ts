import type { Sample } from './process-sampler'

/**
 * The pipeline's overhead from the sampler's samples: the share of the
 * workflows' time in which no tool was at work, less the waits the rehearsal
 * makes on purpose. A sample with no tool inside such a wait is charged to the
 * wait (the first one that holds it) and leaves both the overhead and the time
 * it is a share of; a sample with a tool at work stays work wherever it falls.
 */

export interface Interval {
  startMs: number
  endMs: number
}

export interface Overhead {
  /** Samples taken while a run was under way. */
  inRun: number
  /** Of those, samples in which no tool was at work (deliberate waits included). */
  idle: number
  /** Idle samples charged to each deliberate wait, by its name, in the order the waits are named. */
  waited: Map<string, number>
  /** 100 × (idle less waited) / (in-run less waited). */
  percent: number
}

const within = (atMs: number, interval: Interval) => atMs >= interval.startMs && atMs <= interval.endMs

export function pipelineOverhead(
  samples: readonly Pick<Sample, 'atMs' | 'tools'>[],
  runs: readonly Interval[],
  waits: readonly (Interval & { what: string })[],
): Overhead {
  const inRun = samples.filter((sample) => runs.some((run) => within(sample.atMs, run)))
  const idle = inRun.filter((sample) => sample.tools.length === 0)
  const waited = new Map(waits.map((wait) => [wait.what, 0]))
  for (const sample of idle) {
    const wait = waits.find((candidate) => within(sample.atMs, candidate))
    if (wait) waited.set(wait.what, (waited.get(wait.what) ?? 0) + 1)
  }
  const deliberate = [...waited.values()].reduce((sum, count) => sum + count, 0)
  const percent = (100 * (idle.length - deliberate)) / Math.max(1, inRun.length - deliberate)
  return { inRun: inRun.length, idle: idle.length, waited, percent }
}
