import type { Clock } from '../../../../lib/clock'
import type { KubeReader } from '../access/kube-reader'
import { type Job, jobProblem, type Pod, podProblem } from './diagnose'
import { ownsPod, type Workload } from './workloads'

/** One thing that kept a release from becoming ready, and what the cluster said about it. */
export interface RolloutProblem {
  workload: string
  /** The failing pod, when a pod is to blame (a failed Job may have none left). */
  pod?: string
  reason: string
  /** The object's last events, newest first. */
  events: string[]
}

export interface RolloutWatch {
  /** Stops watching; on failure, the problems seen (the latest state of each pod), with their last events. */
  finish(failed: boolean): Promise<RolloutProblem[]>
}

const REQUEST_TIMEOUT_MS = 10_000
/** Often enough to see a pod before an atomic rollback deletes it, rarely enough to cost the API server nothing. */
export const WATCH_INTERVAL_MS = 2000
const MAX_PROBLEMS = 3
const MAX_EVENTS = 2

/**
 * Watches the pods (and Jobs) of a release's workloads while helm waits for
 * them. Helm's own error says only "context deadline exceeded", and with
 * `atomic` the rollback deletes the failing pods before the step can look,
 * so their state is read every two seconds during the wait and the latest
 * problem of each pod is kept. Reading errors are ignored: this explains a
 * failure, it never causes one.
 */
export function watchRollout(reader: KubeReader, namespace: string, workloads: readonly Workload[], clock: Clock): RolloutWatch {
  const seen = new Map<string, { workload: string; pod?: string; reason: string }>()
  let stopped = false
  // Stopping cuts the nap short: otherwise every release would wait up to a whole interval after helm returned.
  const stop = new AbortController()
  const look = async () => {
    for (const problem of await currentProblems(reader, namespace, workloads))
      seen.set(`${problem.workload}\n${problem.pod ?? ''}`, problem)
  }
  const loop = (async () => {
    while (!stopped) {
      await look().catch(() => undefined)
      if (!stopped) await clock.sleep(WATCH_INTERVAL_MS, stop.signal)
    }
  })()
  return {
    async finish(failed) {
      stopped = true
      stop.abort()
      await loop
      if (!failed || workloads.length === 0) return []
      // The state now (a release that was not rolled back still has its pods) wins over what was seen before.
      await look().catch(() => undefined)
      const problems = [...seen.values()].slice(-MAX_PROBLEMS)
      return Promise.all(
        problems.map(async (problem) => ({
          ...problem,
          events: await lastEvents(reader, namespace, problem.pod ?? problem.workload.split(' ')[1] ?? '').catch(() => []),
        })),
      )
    },
  }
}

async function getJson<T>(reader: KubeReader, path: string): Promise<T | undefined> {
  const response = await reader.get(`${reader.endpoint.replace(/\/+$/, '')}${path}`, {
    ca: reader.caPem,
    headers: { authorization: `Bearer ${await reader.token()}`, accept: 'application/json' },
    timeoutMs: REQUEST_TIMEOUT_MS,
  })
  return response.status === 200 ? (JSON.parse(response.body) as T) : undefined
}

async function currentProblems(reader: KubeReader, namespace: string, workloads: readonly Workload[]) {
  const ns = encodeURIComponent(namespace)
  const problems: { workload: string; pod?: string; reason: string }[] = []
  const pods = (await getJson<{ items?: Pod[] }>(reader, `/api/v1/namespaces/${ns}/pods`))?.items ?? []
  for (const pod of pods) {
    const workload = workloads.find((candidate) => ownsPod(candidate, pod.metadata.labels))
    if (!workload || pod.metadata.deletionTimestamp) continue
    const reason = podProblem(pod)
    if (reason) problems.push({ workload: describe(workload), pod: pod.metadata.name, reason })
  }
  if (workloads.some((workload) => workload.kind === 'Job')) {
    const jobs = (await getJson<{ items?: Job[] }>(reader, `/apis/batch/v1/namespaces/${ns}/jobs`))?.items ?? []
    for (const job of jobs) {
      const workload = workloads.find((candidate) => candidate.kind === 'Job' && candidate.name === job.metadata.name)
      const reason = workload && jobProblem(job)
      if (workload && reason) problems.push({ workload: describe(workload), reason })
    }
  }
  return problems
}

function describe(workload: Workload): string {
  return `${workload.hook ? 'hook ' : ''}${workload.kind} ${workload.name}`
}

interface CoreEvent {
  reason?: string
  message?: string
  lastTimestamp?: string | null
  eventTime?: string | null
  series?: { lastObservedTime?: string } | null
  metadata?: { creationTimestamp?: string }
}

/** The object's last events (of any type: "Pulling", "BackOff", "FailedScheduling"), newest first, one per reason and message. */
async function lastEvents(reader: KubeReader, namespace: string, name: string): Promise<string[]> {
  if (!name) return []
  const selector = encodeURIComponent(`involvedObject.name=${name}`)
  const events =
    (await getJson<{ items?: CoreEvent[] }>(reader, `/api/v1/namespaces/${encodeURIComponent(namespace)}/events?fieldSelector=${selector}`))
      ?.items ?? []
  const at = (event: CoreEvent) =>
    Math.max(
      0,
      ...[event.series?.lastObservedTime, event.lastTimestamp, event.eventTime, event.metadata?.creationTimestamp].map((stamp) =>
        stamp ? Date.parse(stamp) || 0 : 0,
      ),
    )
  const lines: string[] = []
  for (const event of [...events].sort((a, b) => at(b) - at(a))) {
    const line = `${event.reason ?? 'Event'}: ${(event.message ?? '').replace(/\s+/g, ' ').trim().replace(/\.$/, '')}`
    if (!lines.includes(line)) lines.push(line.length > 240 ? `${line.slice(0, 240)}…` : line)
    if (lines.length === MAX_EVENTS) break
  }
  return lines
}

/** The problems as one line for the step's error (its one annotation). */
export function describeProblems(problems: readonly RolloutProblem[]): string {
  return problems
    .map((problem) => {
      const events = problem.events.length > 0 ? `; last events: ${problem.events.join(' | ')}` : ''
      return `${problem.workload}${problem.pod ? `, pod ${problem.pod}` : ''}: ${problem.reason}${events}`
    })
    .join('; ')
}
