import { UserError } from '../../../../lib/errors'
import { type Poll, pollUntil } from '../../../../lib/retry'
import { describeIssues, type EksApi, type NodegroupView } from './api'
import { formatElapsed } from './poll'
import { classifyAwsError, describeAwsError, ProgressLog, type WaitContext } from './wait-context'

export type NodegroupSelection = { kind: 'all' } | { kind: 'none' } | { kind: 'names'; names: string[] }

export interface NodegroupWaitOptions extends WaitContext {
  /** clock.now() until which a named node group that does not exist is "not created yet". */
  appearDeadline: number
}

const FAILED = new Set(['CREATE_FAILED', 'DELETE_FAILED', 'DELETING'])
const STILL_WAITING = new Set(['CREATING', 'UPDATING'])

/**
 * Waits until every selected node group is ACTIVE, polling only those that are
 * not yet. Named node groups may not exist yet (Terraform creates them after
 * the cluster); `all` means the node groups that exist when the cluster is ACTIVE.
 */
export async function waitForNodegroups(
  api: EksApi,
  clusterName: string,
  selection: NodegroupSelection,
  options: NodegroupWaitOptions,
): Promise<NodegroupView[]> {
  if (selection.kind === 'none') return []
  const { clock } = options
  const started = clock.now()
  const appearDeadline = Math.min(options.appearDeadline, options.deadline)
  const progress = new ProgressLog(options)
  let names: string[] | undefined = selection.kind === 'names' ? [...selection.names] : undefined
  const ready = new Map<string, NodegroupView>()
  const states = new Map<string, string>()
  let summary = ''

  const poll = async (): Promise<Poll<NodegroupView[]>> => {
    let waitingForAppearance = false
    if (names === undefined) {
      names = await listOrUndefined(api, clusterName, progress)
      if (names?.length === 0) {
        options.log(
          `Cluster '${clusterName}' has no node groups; nothing to wait for. Name them in 'nodegroups' if they are created later.`,
        )
        return { done: true, value: [] }
      }
    }
    for (const name of names ?? []) {
      if (ready.has(name)) continue
      const outcome = await describeOnce(api, clusterName, name)
      if (outcome.kind === 'view') {
        const view = outcome.view
        states.set(name, view.status)
        if (view.status === 'ACTIVE') {
          ready.set(name, view)
        } else if (view.status === 'DEGRADED') {
          options.warn(
            `Node group '${name}' is DEGRADED: ${describeIssues(view.healthIssues)}. Continuing; its nodes may not all be usable.`,
          )
          ready.set(name, view)
        } else if (FAILED.has(view.status)) {
          throw new UserError(
            `Node group '${name}' of cluster '${clusterName}' is ${view.status}: ${describeIssues(view.healthIssues)}.`,
            'Fix the cause (often the node IAM role, subnet capacity or instance type availability), then recreate the node group.',
          )
        } else if (!STILL_WAITING.has(view.status)) {
          throw new UserError(`Node group '${name}' has status ${view.status}, which this action does not know how to wait for.`)
        }
      } else if (outcome.kind === 'not-found') {
        if (selection.kind === 'all') {
          options.warn(`Node group '${name}' disappeared while waiting; ignoring it.`)
          ready.set(name, { name, status: 'DELETED', healthIssues: [] })
          continue
        }
        states.set(name, 'not found')
        waitingForAppearance = true
        if (clock.now() >= appearDeadline) {
          throw new UserError(
            `Node group '${name}' was not found in cluster '${clusterName}' within ${formatElapsed(appearDeadline - started)} (appear-timeout).`,
            "Check the names in 'nodegroups', or use 'all' or 'none'.",
          )
        }
      } else if (outcome.kind === 'denied') {
        throw new UserError(
          `Not allowed to describe node group '${name}' of cluster '${clusterName}': ${outcome.message}.`,
          'Grant the CI role eks:ListNodegroups and eks:DescribeNodegroup, or set nodegroups to none.',
        )
      } else if (outcome.kind === 'transient') {
        states.set(name, `unanswered (${outcome.message})`)
      } else {
        throw new UserError(`DescribeNodegroup for '${name}' failed: ${outcome.message}.`)
      }
    }

    if (names?.every((name) => ready.has(name))) {
      const views = names.map((name) => ready.get(name)).filter((view): view is NodegroupView => view?.status !== 'DELETED')
      options.log(
        `Node groups ready: ${views.map((view) => `${view.name} (${view.status})`).join(', ')} after ${formatElapsed(clock.now() - started)}.`,
      )
      return { done: true, value: views }
    }
    const pending = (names ?? []).filter((name) => !ready.has(name))
    summary = pending.map((name) => `${name}: ${states.get(name) ?? 'unknown'}`).join(', ')
    if (names !== undefined) progress.report(summary, `Waiting for node groups (${formatElapsed(clock.now() - started)}): ${summary}.`)
    return { done: false, wakeBy: waitingForAppearance ? appearDeadline : options.deadline }
  }
  return pollUntil(poll, {
    ...options,
    policy: options.poll,
    timedOut: () =>
      new UserError(
        `Node groups of cluster '${clusterName}' were not ACTIVE within the timeout: ${summary || 'the node group list could not be read'}.`,
        'Managed node groups usually take 3 to 6 minutes; raise timeout if yours take longer.',
      ),
  })
}

type DescribeOutcome = { kind: 'view'; view: NodegroupView } | { kind: 'not-found' | 'denied' | 'transient' | 'other'; message: string }

async function describeOnce(api: EksApi, clusterName: string, name: string): Promise<DescribeOutcome> {
  try {
    return { kind: 'view', view: await api.describeNodegroup(clusterName, name) }
  } catch (error) {
    return { kind: classifyAwsError(error), message: describeAwsError(error) }
  }
}

async function listOrUndefined(api: EksApi, clusterName: string, progress: ProgressLog): Promise<string[] | undefined> {
  try {
    return await api.listNodegroups(clusterName)
  } catch (error) {
    const kind = classifyAwsError(error)
    if (kind === 'transient') {
      progress.report('list-transient', `ListNodegroups failed for now (${describeAwsError(error)}); retrying.`)
      return undefined
    }
    if (kind === 'denied') {
      throw new UserError(
        `Not allowed to list the node groups of cluster '${clusterName}': ${describeAwsError(error)}.`,
        'Grant the CI role eks:ListNodegroups and eks:DescribeNodegroup, or set nodegroups to none.',
      )
    }
    throw new UserError(`ListNodegroups for cluster '${clusterName}' failed: ${describeAwsError(error)}.`)
  }
}
