import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, paginateListNodegroups } from '@aws-sdk/client-eks'
import { awsClientConfig } from '../../../../lib/aws/clients'

/** One health issue as EKS reports it for a cluster or a node group. */
export interface HealthIssue {
  code?: string
  message?: string
  resourceIds?: string[]
}

/** The parts of DescribeCluster this action uses. */
export interface ClusterView {
  name: string
  arn?: string
  status: string
  endpoint?: string
  /** Base64 of the cluster CA's PEM, as EKS returns it. */
  certificateAuthority?: string
  version?: string
  /** API, API_AND_CONFIG_MAP or CONFIG_MAP: decides which fix the access hint names. */
  authenticationMode?: string
  /** Who can reach the API server: decides which setting an unreachable endpoint's error names. */
  endpointAccess?: EndpointAccess
  healthIssues: HealthIssue[]
}

/** DescribeCluster's resourcesVpcConfig, as far as reaching the API server goes. */
export interface EndpointAccess {
  publicAccess: boolean
  privateAccess: boolean
  /** The addresses the public endpoint admits (EKS answers 0.0.0.0/0 when unrestricted). */
  publicCidrs: string[]
}

export interface NodegroupView {
  name: string
  status: string
  healthIssues: HealthIssue[]
}

/**
 * The three EKS calls the wait needs. The loop takes this interface rather
 * than an SDK client so unit tests and the benchmark can script answers on a
 * simulated clock and count calls.
 */
export interface EksApi {
  describeCluster(name: string): Promise<ClusterView>
  listNodegroups(clusterName: string): Promise<string[]>
  describeNodegroup(clusterName: string, nodegroupName: string): Promise<NodegroupView>
}

// A hung connection must not eat the whole wait; a poll that times out is retried like any transient error.
const CALL_TIMEOUT_MS = 20_000

export function sdkEksApi(region: string, env: NodeJS.ProcessEnv = process.env): EksApi {
  const client = new EKSClient(awsClientConfig('EKS', region, env))
  const options = () => ({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
  return {
    async describeCluster(name) {
      const { cluster } = await client.send(new DescribeClusterCommand({ name }), options())
      return {
        name: cluster?.name ?? name,
        arn: cluster?.arn,
        status: cluster?.status ?? 'UNKNOWN',
        endpoint: cluster?.endpoint,
        certificateAuthority: cluster?.certificateAuthority?.data,
        version: cluster?.version,
        authenticationMode: cluster?.accessConfig?.authenticationMode,
        ...(cluster?.resourcesVpcConfig
          ? {
              endpointAccess: {
                publicAccess: cluster.resourcesVpcConfig.endpointPublicAccess ?? true,
                privateAccess: cluster.resourcesVpcConfig.endpointPrivateAccess ?? false,
                publicCidrs: cluster.resourcesVpcConfig.publicAccessCidrs ?? [],
              },
            }
          : {}),
        healthIssues: (cluster?.health?.issues ?? []).map((issue) => ({
          code: issue.code,
          message: issue.message,
          resourceIds: issue.resourceIds,
        })),
      }
    },
    async listNodegroups(clusterName) {
      const names: string[] = []
      for await (const page of paginateListNodegroups({ client }, { clusterName })) names.push(...(page.nodegroups ?? []))
      return names
    },
    async describeNodegroup(clusterName, nodegroupName) {
      const { nodegroup } = await client.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }), options())
      return {
        name: nodegroup?.nodegroupName ?? nodegroupName,
        status: nodegroup?.status ?? 'UNKNOWN',
        healthIssues: (nodegroup?.health?.issues ?? []).map((issue) => ({
          code: issue.code,
          message: issue.message,
          resourceIds: issue.resourceIds,
        })),
      }
    },
  }
}

/** "Code: message (resources)" per issue, for a failure message a user can act on. */
export function describeIssues(issues: readonly HealthIssue[]): string {
  if (issues.length === 0) return 'EKS reported no health issues'
  return issues
    .map((issue) => {
      const resources = issue.resourceIds?.length ? ` (${issue.resourceIds.join(', ')})` : ''
      return `${issue.code ?? 'Unknown'}: ${issue.message ?? 'no message'}${resources}`
    })
    .join('; ')
}
