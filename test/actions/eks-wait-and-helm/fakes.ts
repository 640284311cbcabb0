import type { ClusterView, EksApi, NodegroupView } from '../../../actions/eks-wait-and-helm/src/eks/api'
import { DEFAULT_POLL } from '../../../actions/eks-wait-and-helm/src/eks/poll'
import type { WaitContext } from '../../../actions/eks-wait-and-helm/src/eks/wait-context'
import type { ManualClock } from '../../../lib/clock'

/** An error shaped like the AWS SDK's, which lib/aws/errors classifies. */
export function awsError(name: string, status: number, message = `${name} from the fake`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } })
}

export const notFound = () => awsError('ResourceNotFoundException', 404, 'No cluster found for name: demo.')

export function cluster(status: string, extra: Partial<ClusterView> = {}): ClusterView {
  return {
    name: 'demo',
    arn: 'arn:aws:eks:us-east-1:123456789012:cluster/demo',
    status,
    endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
    certificateAuthority: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
    version: '1.31',
    healthIssues: [],
    ...extra,
  }
}

export type Answer<T> = T | Error
type Script<T> = (elapsedMs: number, call: number) => Answer<T>

/**
 * A fake EKS whose answers are functions of simulated time, recording when
 * each call happened, so a test can ask "how long after ACTIVE did the wait notice".
 */
export class FakeEks implements EksApi {
  readonly clusterCalls: number[] = []
  readonly nodegroupCalls: { name: string; at: number }[] = []
  listCalls = 0
  constructor(
    readonly clock: ManualClock,
    private readonly clusterScript: Script<ClusterView> = () => cluster('ACTIVE'),
    private readonly nodegroupScripts: Record<string, Script<NodegroupView>> = {},
    private readonly listScript: Script<string[]> = () => Object.keys(this.nodegroupScripts),
  ) {}
  async describeCluster(): Promise<ClusterView> {
    this.clusterCalls.push(this.clock.now())
    return settle(this.clusterScript(this.clock.now(), this.clusterCalls.length))
  }
  async listNodegroups(): Promise<string[]> {
    this.listCalls++
    return settle(this.listScript(this.clock.now(), this.listCalls))
  }
  async describeNodegroup(_cluster: string, name: string): Promise<NodegroupView> {
    this.nodegroupCalls.push({ name, at: this.clock.now() })
    const script = this.nodegroupScripts[name]
    if (!script) throw awsError('ResourceNotFoundException', 404, `No node group found for name: ${name}.`)
    return settle(script(this.clock.now(), this.nodegroupCalls.filter((call) => call.name === name).length))
  }
}

function settle<T>(answer: Answer<T>): T {
  if (answer instanceof Error) throw answer
  return answer
}

export function nodegroup(name: string, status: string, issues: NodegroupView['healthIssues'] = []): NodegroupView {
  return { name, status, healthIssues: issues }
}

/** A wait context on a manual clock starting at 0, with jitter fixed at its midpoint. */
export function waitContext(clock: ManualClock, deadline: number, lines: string[] = [], warnings: string[] = []): WaitContext {
  return {
    clock,
    random: () => 0.5,
    poll: DEFAULT_POLL,
    deadline,
    log: (line) => lines.push(line),
    warn: (line) => warnings.push(line),
  }
}

export const MINUTE = 60_000
