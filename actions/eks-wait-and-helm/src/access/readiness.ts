import type { Clock } from '../../../../lib/clock'
import { messageOf, UserError } from '../../../../lib/errors'
import { type PollPolicy, pollUntil } from '../../../../lib/retry'
import type { EndpointAccess } from '../eks/api'
import { formatElapsed } from '../eks/poll'
import type { KubeReader } from './kube-reader'

export interface ReadinessOptions {
  clusterName: string
  /** A fresh token per attempt matters here: tokens expire, and a new access entry may only apply to new ones. */
  reader: KubeReader
  /** From DescribeCluster: decides whether the hint names access entries or the aws-auth ConfigMap. */
  authenticationMode?: string
  /** From DescribeCluster: decides which setting an unreachable endpoint's error names. */
  endpointAccess?: EndpointAccess
  clock: Clock
  random: () => number
  deadline: number
  /** How long 401/403 and unreachable answers are retried before they are taken as the answer. */
  graceMs: number
  log: (line: string) => void
}

export const READINESS_POLL: PollPolicy = { initialMs: 1000, factor: 1.5, maxMs: 5000, jitter: 0.2 }
const REQUEST_TIMEOUT_MS = 10_000

type Answer =
  | { kind: 'ready' }
  | { kind: 'denied'; status: number }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'not-ready'; detail: string }

/**
 * GET /readyz with the cluster token until the API server answers 200. An
 * ACTIVE cluster does not mean the CI role may use it: until an access entry
 * (or aws-auth mapping) applies, the server answers 401, and that can take a
 * moment after Terraform creates it, so 401/403 are retried for a grace
 * period before they are reported with what to change.
 */
export async function waitForApi(options: ReadinessOptions): Promise<void> {
  const { clock } = options
  const started = clock.now()
  const endpoint = options.reader.endpoint.replace(/\/+$/, '')
  const url = `${endpoint}/readyz`
  let firstDenied: number | undefined
  let firstUnreachable: number | undefined
  let last = 'no answer'
  const poll = async () => {
    const answer = await ask(url, options)
    const now = clock.now()
    if (answer.kind === 'ready') {
      options.log(`The API server of '${options.clusterName}' is ready and accepts the CI role's token (${formatElapsed(now - started)}).`)
      return { done: true as const, value: undefined }
    }
    if (answer.kind === 'denied') {
      firstUnreachable = undefined
      firstDenied ??= now
      last = `HTTP ${answer.status}`
      if (now - firstDenied >= options.graceMs) throw accessError(options, answer.status, now - firstDenied)
      options.log(`The API server answered ${answer.status}; access entries can take a moment to apply, retrying.`)
    } else if (answer.kind === 'unreachable') {
      firstDenied = undefined
      firstUnreachable ??= now
      last = answer.detail
      if (now - firstUnreachable >= options.graceMs) {
        throw unreachableError(options, endpoint, answer.detail, now - firstUnreachable)
      }
      options.log(`The API server is not reachable yet (${answer.detail}); retrying.`)
    } else {
      firstDenied = undefined
      firstUnreachable = undefined
      last = answer.detail
      options.log(`The API server is not ready yet (${answer.detail}); retrying.`)
    }
    return { done: false as const }
  }
  await pollUntil(poll, {
    clock,
    random: options.random,
    policy: READINESS_POLL,
    deadline: options.deadline,
    timedOut: () =>
      new UserError(
        `The API server of '${options.clusterName}' was not ready within the timeout; its last answer was ${last}.`,
        'Raise timeout, or set check-api to false to skip this check.',
      ),
  })
}

async function ask(url: string, options: ReadinessOptions): Promise<Answer> {
  try {
    const { reader } = options
    const response = await reader.get(url, {
      ca: reader.caPem,
      headers: { authorization: `Bearer ${await reader.token()}`, accept: 'text/plain' },
      timeoutMs: REQUEST_TIMEOUT_MS,
    })
    if (response.status === 200) return { kind: 'ready' }
    if (response.status === 401 || response.status === 403) return { kind: 'denied', status: response.status }
    return { kind: 'not-ready', detail: `HTTP ${response.status}${response.body ? `: ${firstLine(response.body)}` : ''}` }
  } catch (error) {
    if (error instanceof UserError) throw error
    const code = (error as { code?: string }).code
    const message = messageOf(error)
    return { kind: 'unreachable', detail: code && !message.includes(code) ? `${code}: ${message}` : message }
  }
}

/** The reference workflows take the runner as JSON; a runner in the cluster's VPC is the usual fix. */
const VPC_RUNNER =
  'run this job on a runner inside the VPC (self-hosted or CodeBuild-hosted; in the pipeline workflows, the runs-on input, e.g. \'["self-hosted", "vpc"]\')'
/** How terraform/envs/dev and terraform/modules/eks name the endpoint settings. */
const PUBLIC_ENDPOINT_SETTING = 'cluster_endpoint_access = "public" (endpoint_public_access in the eks module)'
const PUBLIC_CIDRS_SETTING = 'eks_public_access_cidrs (public_access_cidrs in the eks module)'

/**
 * An endpoint that stays unreachable: what DescribeCluster says about who
 * may reach it decides the setting the error names. Only a runner that
 * cannot reach the API fails here; one inside the VPC deploys as usual.
 */
function unreachableError(options: ReadinessOptions, endpoint: string, detail: string, forMs: number): UserError {
  const what = `Could not reach the API server of '${options.clusterName}' at ${endpoint} for ${formatElapsed(forMs)}: ${detail}.`
  const access = options.endpointAccess
  const checkApiOff = 'or set check-api to false to only write the kubeconfig (with no releases)'
  if (access && !access.publicAccess) {
    return new UserError(
      `${what} The cluster has no public endpoint (endpointPublicAccess is false): only runners inside its VPC, or a network connected to it, can reach it.`,
      `To deploy, ${VPC_RUNNER}; or give the cluster a public endpoint in Terraform (${PUBLIC_ENDPOINT_SETTING}, with ${PUBLIC_CIDRS_SETTING}); ${checkApiOff}.`,
    )
  }
  const restricted = access?.publicCidrs.filter((cidr) => cidr !== '0.0.0.0/0') ?? []
  if (access && restricted.length > 0 && restricted.length === access.publicCidrs.length) {
    const shown = restricted.length > 5 ? `${restricted.slice(0, 5).join(', ')} and ${restricted.length - 5} more` : restricted.join(', ')
    return new UserError(
      `${what} Its public endpoint admits only ${shown} (publicAccessCidrs), and this runner's address is probably outside them.`,
      `Add the runner's egress address to ${PUBLIC_CIDRS_SETTING} in Terraform, or ${VPC_RUNNER}; ${checkApiOff}.`,
    )
  }
  return new UserError(
    what,
    `If the endpoint is private or restricted, ${VPC_RUNNER}, ${checkApiOff}. A network error here can also be a proxy or a firewall between the runner and AWS.`,
  )
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? ''
  return line.length > 120 ? `${line.slice(0, 120)}…` : line
}

function accessError(options: ReadinessOptions, status: number, forMs: number): UserError {
  const configMapOnly = options.authenticationMode === 'CONFIG_MAP'
  if (status === 401) {
    return new UserError(
      `The API server of '${options.clusterName}' rejected the CI role's token (401 Unauthorized) for ${formatElapsed(forMs)}: the role is not mapped to a Kubernetes identity. An ACTIVE cluster does not grant the role that created it, or any other, access to its API.`,
      configMapOnly
        ? 'This cluster authenticates only through the aws-auth ConfigMap: map the CI role there, or switch authentication_mode to API_AND_CONFIG_MAP and give the role an EKS access entry.'
        : 'Give the CI role an EKS access entry with an access policy such as AmazonEKSClusterAdminPolicy: in Terraform, enable_cluster_creator_admin_permissions = true (terraform-aws-modules/eks) when the CI role creates the cluster, or an aws_eks_access_entry plus an aws_eks_access_policy_association for the role.',
    )
  }
  return new UserError(
    `The API server of '${options.clusterName}' knows the CI role but refused it (403 Forbidden) for ${formatElapsed(forMs)}.`,
    configMapOnly
      ? 'Bind the groups the aws-auth ConfigMap gives the role to a ClusterRole that allows the deployment (for example system:masters for an admin role).'
      : "Associate an access policy with the role's EKS access entry (aws_eks_access_policy_association with AmazonEKSClusterAdminPolicy, or a narrower one that still allows the deployment).",
  )
}
