/** The parts of a core/v1 Pod the diagnosis reads. */
export interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }
  status?: {
    phase?: string
    reason?: string
    message?: string
    conditions?: { type: string; status: string; reason?: string; message?: string }[]
    containerStatuses?: ContainerStatus[]
    initContainerStatuses?: ContainerStatus[]
  }
}

interface ContainerState {
  waiting?: { reason?: string; message?: string }
  terminated?: { reason?: string; message?: string; exitCode?: number }
  running?: unknown
}

interface ContainerStatus {
  name: string
  ready?: boolean
  restartCount?: number
  state?: ContainerState
  lastState?: ContainerState
}

/** The parts of a batch/v1 Job the diagnosis reads. */
export interface Job {
  metadata: { name: string }
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] }
}

// A container on its way up says so with these; they are not a problem yet.
const STARTING = new Set(['ContainerCreating', 'PodInitializing'])
const MESSAGE_CHARS = 240

const clip = (text: string | undefined) => {
  const line = (text ?? '').replace(/\s+/g, ' ').trim().replace(/\.$/, '')
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS)}…` : line
}
const withMessage = (reason: string, message: string | undefined) => (clip(message) ? `${reason}: ${clip(message)}` : reason)

/**
 * Why a pod keeps its workload from becoming ready, as `kubectl describe`
 * would show it, or undefined when it is fine (or only starting): a
 * container waiting with a reason (ImagePullBackOff, CrashLoopBackOff,
 * CreateContainerConfigError…), one that exited with an error, a pod the
 * scheduler cannot place (Pending, Unschedulable), a failed pod, or one
 * running without being ready.
 */
export function podProblem(pod: Pod): string | undefined {
  const status = pod.status ?? {}
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting
    if (waiting?.reason && !STARTING.has(waiting.reason)) {
      const last = container.lastState?.terminated
      const exited = last ? ` (last exit code ${last.exitCode ?? '?'}${last.reason ? `, ${last.reason}` : ''})` : ''
      return `container ${container.name}: ${withMessage(waiting.reason, waiting.message)}${exited}`
    }
    const terminated = container.state?.terminated
    if (terminated && terminated.exitCode !== undefined && terminated.exitCode !== 0) {
      return `container ${container.name}: ${withMessage(terminated.reason ?? 'Error', terminated.message)} (exit code ${terminated.exitCode})`
    }
  }
  const scheduled = status.conditions?.find((condition) => condition.type === 'PodScheduled')
  if (status.phase === 'Pending' && scheduled?.status === 'False')
    return `Pending, ${withMessage(scheduled.reason ?? 'not scheduled', scheduled.message)}`
  if (status.phase === 'Failed') return `Failed, ${withMessage(status.reason ?? 'failed', status.message)}`
  const ready = status.conditions?.find((condition) => condition.type === 'Ready')
  if (status.phase === 'Running' && ready?.status === 'False') return `Running but not ready${ready.reason ? ` (${ready.reason})` : ''}`
  return undefined
}

/** A Job that failed (BackoffLimitExceeded, DeadlineExceeded…), or undefined. */
export function jobProblem(job: Job): string | undefined {
  const failed = job.status?.conditions?.find((condition) => condition.type === 'Failed' && condition.status === 'True')
  return failed ? `failed, ${withMessage(failed.reason ?? 'Failed', failed.message)}` : undefined
}
