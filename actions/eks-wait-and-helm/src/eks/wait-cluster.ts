import { endpointFromEnv } from '../../../../lib/aws/endpoints'
import { endpointFault, networkCodeOf } from '../../../../lib/aws/errors'
import { UserError } from '../../../../lib/errors'
import { type Poll, pollUntil } from '../../../../lib/retry'
import { type ClusterView, describeIssues, type EksApi } from './api'
import { formatElapsed } from './poll'
import { classifyAwsError, describeAwsError, ProgressLog, type WaitContext } from './wait-context'

/** AWS endpoints do not refuse connections: after this many in a row the endpoint is wrong, and waiting cannot help. */
const REFUSALS_BEFORE_GIVING_UP = 3

export interface ClusterWaitOptions extends WaitContext {
  /** For naming the endpoint in messages (AWS_ENDPOINT_URL_EKS). */
  env?: NodeJS.ProcessEnv
  /** clock.now() until which "not found" means "not created yet"; after it, the wait fails. */
  appearDeadline: number
  /** For messages only. */
  region: string
}

const STILL_WAITING = new Set(['CREATING', 'UPDATING', 'PENDING'])

/**
 * Polls DescribeCluster until the cluster is ACTIVE. A cluster that does not
 * exist yet is waited for (Terraform may not have created it when this step
 * starts); FAILED, DELETING and AccessDenied end the wait at once, because
 * waiting cannot change them. Returns the ACTIVE cluster.
 */
export async function waitForCluster(api: EksApi, name: string, options: ClusterWaitOptions): Promise<ClusterView> {
  const { clock } = options
  const started = clock.now()
  const appearDeadline = Math.min(options.appearDeadline, options.deadline)
  const progress = new ProgressLog(options)
  let lastState = 'not polled'
  let refusals = 0
  const poll = async (attempt: number): Promise<Poll<ClusterView>> => {
    let cluster: ClusterView | undefined
    try {
      cluster = await api.describeCluster(name)
    } catch (error) {
      const kind = classifyAwsError(error)
      const elapsed = formatElapsed(clock.now() - started)
      if (kind === 'not-found') {
        lastState = 'not found'
        if (clock.now() >= appearDeadline) {
          throw new UserError(
            `Cluster '${name}' was not found in ${options.region} within ${formatElapsed(appearDeadline - started)} (appear-timeout).`,
            'Check cluster-name and aws-region, and that the step creating the cluster runs before this one or alongside it.',
          )
        }
        progress.report('not-found', `Cluster '${name}' does not exist yet (${elapsed}); waiting for it to be created.`)
      } else if (kind === 'denied') {
        throw new UserError(
          `Not allowed to describe EKS cluster '${name}': ${describeAwsError(error)}.`,
          'Grant the CI role eks:DescribeCluster, eks:ListNodegroups and eks:DescribeNodegroup on this cluster.',
        )
      } else if (kind === 'transient') {
        // A refused connection or an unknown host is not a cluster still being created: nothing serves EKS there.
        const code = networkCodeOf(error)
        refusals = code === 'ECONNREFUSED' || code === 'ENOTFOUND' ? refusals + 1 : 0
        if (refusals >= REFUSALS_BEFORE_GIVING_UP) {
          throw (
            endpointFault(error, 'EKS', endpointFromEnv('EKS', options.env ?? process.env) ?? `its endpoint in ${options.region}`) ?? error
          )
        }
        lastState = `unanswered (${describeAwsError(error)})`
        progress.report('transient', `DescribeCluster failed for now (${describeAwsError(error)}); retrying.`)
      } else {
        const fault = endpointFault(error, 'EKS', endpointFromEnv('EKS', options.env ?? process.env) ?? `its endpoint in ${options.region}`)
        if (fault) throw fault
        throw new UserError(`DescribeCluster for '${name}' in ${options.region} failed: ${describeAwsError(error)}.`)
      }
    }

    if (cluster) {
      const elapsed = formatElapsed(clock.now() - started)
      if (cluster.status === 'ACTIVE') {
        options.log(`Cluster '${name}' is ACTIVE (after ${elapsed}, ${attempt} DescribeCluster call${attempt === 1 ? '' : 's'}).`)
        return { done: true, value: cluster }
      }
      if (cluster.status === 'FAILED') {
        throw new UserError(
          `Cluster '${name}' is FAILED: ${describeIssues(cluster.healthIssues)}.`,
          'Fix the cause (often the cluster IAM role, the subnets or a KMS key), then delete the cluster and create it again.',
        )
      }
      if (cluster.status === 'DELETING') {
        throw new UserError(
          `Cluster '${name}' is being deleted (DELETING); it will not become ACTIVE.`,
          'A destroy run may be in progress; wait for it to finish, then create the cluster again.',
        )
      }
      if (!STILL_WAITING.has(cluster.status)) {
        throw new UserError(`Cluster '${name}' has status ${cluster.status}, which this action does not know how to wait for.`)
      }
      lastState = cluster.status
      progress.report(cluster.status, `Cluster '${name}' is ${cluster.status} (${elapsed}).`)
    }

    // While the cluster is missing, wake at the appear deadline too, so "not found" is decided on time.
    return { done: false, wakeBy: lastState === 'not found' ? appearDeadline : options.deadline }
  }
  return pollUntil(poll, {
    ...options,
    policy: options.poll,
    timedOut: () =>
      new UserError(
        `Cluster '${name}' did not become ACTIVE within ${formatElapsed(options.deadline - started)} (timeout); its last state was ${lastState}.`,
        'EKS control planes usually take 8 to 15 minutes to create; raise timeout if yours take longer.',
      ),
  })
}
