import { describe, expect, it } from 'vitest'
import { type NodegroupSelection, waitForNodegroups } from '../../../actions/eks-wait-and-helm/src/eks/wait-nodegroups'
import { ManualClock } from '../../../lib/clock'
import { isUserError, userMessage } from '../../../lib/errors'
import { awsError, FakeEks, MINUTE, nodegroup, waitContext } from './fakes'

type Scripts = ConstructorParameters<typeof FakeEks>[2]

interface Case {
  name: string
  selection: NodegroupSelection
  scripts?: Scripts
  list?: ConstructorParameters<typeof FakeEks>[3]
  timeout?: number
  appear?: number
  error?: RegExp
  ready?: string[]
  warning?: RegExp
  log?: RegExp
  check?: (eks: FakeEks, clock: ManualClock) => void
}

const creatingUntil =
  (name: string, until: number) =>
  (t: number): ReturnType<typeof nodegroup> =>
    nodegroup(name, t < until ? 'CREATING' : 'ACTIVE')

const cases: Case[] = [
  {
    name: 'none waits for nothing and calls nothing',
    selection: { kind: 'none' },
    ready: [],
    check: (eks) => expect(eks.listCalls).toBe(0),
  },
  {
    name: 'all waits for every listed node group, polling only those not yet ACTIVE',
    selection: { kind: 'all' },
    scripts: { system: () => nodegroup('system', 'ACTIVE'), workers: creatingUntil('workers', 4 * MINUTE) },
    ready: ['system (ACTIVE)', 'workers (ACTIVE)'],
    check: (eks) => {
      expect(eks.nodegroupCalls.filter((call) => call.name === 'system')).toHaveLength(1)
      expect(eks.listCalls).toBe(1)
    },
  },
  {
    name: 'all with no node groups says how to wait for later ones',
    selection: { kind: 'all' },
    scripts: {},
    ready: [],
    log: /has no node groups; nothing to wait for\. Name them in 'nodegroups'/,
  },
  {
    name: 'a named node group that Terraform creates later is waited for',
    selection: { kind: 'names', names: ['workers'] },
    scripts: {
      workers: (t) => (t < 2 * MINUTE ? awsError('ResourceNotFoundException', 404) : creatingUntil('workers', 6 * MINUTE)(t)),
    },
    ready: ['workers (ACTIVE)'],
  },
  {
    name: 'a named node group that never appears fails at the appear-timeout',
    selection: { kind: 'names', names: ['typo'] },
    appear: 3 * MINUTE,
    error: /Node group 'typo' was not found in cluster 'demo' within 3m00s \(appear-timeout\)\. Check the names/,
    check: (_eks, clock) => expect(clock.now()).toBe(3 * MINUTE),
  },
  {
    name: 'CREATE_FAILED fails at once with the health issues',
    selection: { kind: 'names', names: ['workers'] },
    scripts: {
      workers: () =>
        nodegroup('workers', 'CREATE_FAILED', [
          { code: 'Ec2SubnetInvalidConfiguration', message: 'no public IPs', resourceIds: ['subnet-1'] },
        ]),
    },
    error: /Node group 'workers' of cluster 'demo' is CREATE_FAILED: Ec2SubnetInvalidConfiguration: no public IPs \(subnet-1\)\./,
    check: (eks) => expect(eks.nodegroupCalls).toHaveLength(1),
  },
  {
    name: 'DELETING fails at once',
    selection: { kind: 'names', names: ['workers'] },
    scripts: { workers: () => nodegroup('workers', 'DELETING') },
    error: /is DELETING/,
  },
  {
    name: 'DEGRADED is a warning, not a failure',
    selection: { kind: 'all' },
    scripts: { workers: () => nodegroup('workers', 'DEGRADED', [{ code: 'AsgInstanceLaunchFailures', message: 'capacity' }]) },
    ready: ['workers (DEGRADED)'],
    warning: /Node group 'workers' is DEGRADED: AsgInstanceLaunchFailures: capacity/,
  },
  {
    name: 'an unknown status fails',
    selection: { kind: 'all' },
    scripts: { workers: () => nodegroup('workers', 'MIGRATING') },
    error: /status MIGRATING/,
  },
  {
    name: 'AccessDenied on describe fails at once',
    selection: { kind: 'all' },
    scripts: { workers: () => awsError('AccessDeniedException', 403, 'denied') },
    error: /Not allowed to describe node group 'workers'.*eks:DescribeNodegroup, or set nodegroups to none/,
  },
  {
    name: 'AccessDenied on list fails at once',
    selection: { kind: 'all' },
    list: () => awsError('AccessDeniedException', 403, 'denied'),
    error: /Not allowed to list the node groups of cluster 'demo'/,
  },
  {
    name: 'an unexpected list error fails at once',
    selection: { kind: 'all' },
    list: () => awsError('InvalidParameterException', 400, 'bad'),
    error: /ListNodegroups for cluster 'demo' failed: InvalidParameterException: bad/,
  },
  {
    name: 'an unexpected describe error fails at once',
    selection: { kind: 'all' },
    scripts: { workers: () => awsError('InvalidParameterException', 400, 'bad') },
    error: /DescribeNodegroup for 'workers' failed/,
  },
  {
    name: 'throttled list and describe calls are retried',
    selection: { kind: 'all' },
    scripts: { workers: (_t, call) => (call === 1 ? awsError('ThrottlingException', 400) : nodegroup('workers', 'ACTIVE')) },
    list: (_t, call) => (call === 1 ? awsError('ThrottlingException', 400) : ['workers']),
    ready: ['workers (ACTIVE)'],
  },
  {
    name: 'a node group deleted between list and describe is dropped with a warning',
    selection: { kind: 'all' },
    scripts: { workers: () => nodegroup('workers', 'ACTIVE') },
    list: () => ['workers', 'gone'],
    ready: ['workers (ACTIVE)'],
    warning: /Node group 'gone' disappeared/,
  },
  {
    name: 'node groups still CREATING at the deadline fail then, listing their states',
    selection: { kind: 'names', names: ['a', 'b'] },
    scripts: { a: () => nodegroup('a', 'ACTIVE'), b: () => nodegroup('b', 'CREATING') },
    timeout: 5 * MINUTE,
    error: /were not ACTIVE within the timeout: b: CREATING\. Managed node groups usually take/,
    check: (_eks, clock) => expect(clock.now()).toBe(5 * MINUTE),
  },
  {
    name: 'a list that never answers fails at the deadline',
    selection: { kind: 'all' },
    list: () => awsError('ThrottlingException', 400),
    timeout: MINUTE,
    error: /the node group list could not be read/,
  },
]

describe('waitForNodegroups', () => {
  it.each(cases)(
    '$name',
    async ({ selection, scripts = {}, list, timeout = 30 * MINUTE, appear = 10 * MINUTE, error, ready, warning, log, check }) => {
      const clock = new ManualClock()
      const eks = new FakeEks(clock, undefined, scripts, list)
      const lines: string[] = []
      const warnings: string[] = []
      const outcome = await waitForNodegroups(eks, 'demo', selection, {
        ...waitContext(clock, timeout, lines, warnings),
        appearDeadline: appear,
      }).catch((caught: unknown) => caught)
      if (error) {
        expect(isUserError(outcome)).toBe(true)
        expect(userMessage(outcome as never)).toMatch(error)
      } else {
        expect((outcome as { name: string; status: string }[]).map((view) => `${view.name} (${view.status})`)).toEqual(ready)
      }
      if (warning) expect(warnings.join('\n')).toMatch(warning)
      else expect(warnings).toEqual([])
      if (log) expect(lines.join('\n')).toMatch(log)
      check?.(eks, clock)
      expect(clock.now()).toBeLessThanOrEqual(timeout)
    },
  )
})
