import { describe, expect, it } from 'vitest'
import { DEFAULT_POLL, formatElapsed } from '../../../actions/eks-wait-and-helm/src/eks/poll'
import { waitForCluster } from '../../../actions/eks-wait-and-helm/src/eks/wait-cluster'
import { ManualClock } from '../../../lib/clock'
import { isUserError, userMessage } from '../../../lib/errors'
import { pollDelay } from '../../../lib/retry'
import { awsError, cluster, FakeEks, MINUTE, notFound, waitContext } from './fakes'

describe('pollDelay', () => {
  it('starts short, grows by the factor to the cap, and stays within the jitter band', () => {
    const mid = [1, 2, 3, 4, 5, 6, 10].map((attempt) => pollDelay(attempt, DEFAULT_POLL, () => 0.5))
    expect(mid).toEqual([2000, 3000, 4500, 6750, 10_000, 10_000, 10_000])
    expect(pollDelay(20, DEFAULT_POLL, () => 0)).toBe(8000)
    expect(pollDelay(20, DEFAULT_POLL, () => 0.999_999)).toBe(12_000)
  })

  it.each([
    [0, '0s'],
    [40_400, '40s'],
    [125_000, '2m05s'],
    [30 * MINUTE, '30m00s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text)
  })
})

interface Case {
  name: string
  script: ConstructorParameters<typeof FakeEks>[1]
  timeout?: number
  appear?: number
  /** The message of the UserError expected, or undefined for success. */
  error?: RegExp
  calls?: number
  endsAt?: number
}

const cases: Case[] = [
  { name: 'an ACTIVE cluster returns after one call and no sleep', script: () => cluster('ACTIVE'), calls: 1, endsAt: 0 },
  {
    name: 'a cluster created 20 s into the wait, CREATING for 10 minutes, is waited for',
    script: (t) => (t < 20_000 ? notFound() : t < 10 * MINUTE ? cluster('CREATING') : cluster('ACTIVE')),
  },
  {
    name: 'UPDATING and PENDING keep waiting',
    script: (_t, call) => (call === 1 ? cluster('PENDING') : call === 2 ? cluster('UPDATING') : cluster('ACTIVE')),
    calls: 3,
  },
  {
    name: 'FAILED fails at the first call with the health issues',
    script: () =>
      cluster('FAILED', {
        healthIssues: [{ code: 'IamRoleNotFound', message: 'The cluster role does not exist.', resourceIds: ['arn:aws:iam::1:role/x'] }],
      }),
    error: /Cluster 'demo' is FAILED: IamRoleNotFound: The cluster role does not exist\. \(arn:aws:iam::1:role\/x\)\..*delete the cluster/,
    calls: 1,
  },
  {
    name: 'FAILED without issues says so',
    script: () => cluster('FAILED'),
    error: /is FAILED: EKS reported no health issues/,
    calls: 1,
  },
  { name: 'DELETING fails at the first call', script: () => cluster('DELETING'), error: /being deleted \(DELETING\)/, calls: 1 },
  {
    name: 'AccessDenied fails at the first call, naming the permissions',
    script: () => awsError('AccessDeniedException', 403, 'User is not authorized to perform: eks:DescribeCluster'),
    error:
      /Not allowed to describe EKS cluster 'demo': AccessDeniedException: User is not authorized.*Grant the CI role eks:DescribeCluster/,
    calls: 1,
  },
  {
    name: 'throttling and 5xx are retried',
    script: (_t, call) =>
      call === 1 ? awsError('ThrottlingException', 400) : call === 2 ? awsError('ServiceUnavailableException', 503) : cluster('ACTIVE'),
    calls: 3,
  },
  {
    name: 'an unexpected error fails at once',
    script: () => awsError('InvalidParameterException', 400, 'bad name'),
    error: /DescribeCluster for 'demo' in us-east-1 failed: InvalidParameterException: bad name/,
    calls: 1,
  },
  { name: 'an unknown status fails rather than waiting forever', script: () => cluster('REBOOTING'), error: /status REBOOTING/, calls: 1 },
  {
    name: 'a cluster that never appears fails at the appear-timeout, polled exactly then',
    script: () => notFound(),
    appear: 2 * MINUTE,
    error: /Cluster 'demo' was not found in us-east-1 within 2m00s \(appear-timeout\)\. Check cluster-name and aws-region/,
    endsAt: 2 * MINUTE,
  },
  {
    name: 'the appear-timeout never outlasts the overall timeout',
    script: () => notFound(),
    timeout: 90_000,
    appear: 10 * MINUTE,
    error: /within 1m30s \(appear-timeout\)/,
    endsAt: 90_000,
  },
  {
    name: 'a cluster still CREATING at the deadline fails then, with its last state',
    script: () => cluster('CREATING'),
    timeout: 30 * MINUTE,
    error: /did not become ACTIVE within 30m00s \(timeout\); its last state was CREATING\. EKS control planes usually take/,
    endsAt: 30 * MINUTE,
  },
  {
    name: 'an endpoint that keeps throttling fails at the deadline, saying so',
    script: () => awsError('ThrottlingException', 400, 'Rate exceeded'),
    timeout: MINUTE,
    error: /its last state was unanswered \(ThrottlingException: Rate exceeded\)/,
    endsAt: MINUTE,
  },
]

describe('waitForCluster', () => {
  it.each(cases)('$name', async ({ script, timeout = 30 * MINUTE, appear = 10 * MINUTE, error, calls, endsAt }) => {
    const clock = new ManualClock()
    const eks = new FakeEks(clock, script)
    const lines: string[] = []
    const outcome = await waitForCluster(eks, 'demo', {
      ...waitContext(clock, timeout, lines),
      appearDeadline: appear,
      region: 'us-east-1',
    }).catch((caught: unknown) => caught)
    if (error) {
      expect(isUserError(outcome)).toBe(true)
      expect(userMessage(outcome as never)).toMatch(error)
    } else {
      expect(outcome).toMatchObject({ status: 'ACTIVE', name: 'demo' })
      expect(lines.at(-1)).toMatch(/^Cluster 'demo' is ACTIVE/)
    }
    if (calls !== undefined) expect(eks.clusterCalls).toHaveLength(calls)
    if (endsAt !== undefined) expect(clock.now()).toBe(endsAt)
    // Never a sleep that ends past the deadline.
    expect(clock.now()).toBeLessThanOrEqual(timeout)
  })

  it('notices ACTIVE within one capped poll and averages at most one call per 8 s over a 15-minute creation', async () => {
    const clock = new ManualClock()
    const activeAt = 15 * MINUTE + 1234
    const eks = new FakeEks(clock, (t) => (t < 45_000 ? notFound() : t < activeAt ? cluster('CREATING') : cluster('ACTIVE')))
    const lines: string[] = []
    await waitForCluster(eks, 'demo', { ...waitContext(clock, 30 * MINUTE, lines), appearDeadline: 10 * MINUTE, region: 'us-east-1' })
    const detectedAfter = clock.now() - activeAt
    expect(detectedAfter).toBeGreaterThanOrEqual(0)
    expect(detectedAfter).toBeLessThanOrEqual(DEFAULT_POLL.maxMs * (1 + DEFAULT_POLL.jitter))
    expect(eks.clusterCalls.length).toBeLessThanOrEqual(Math.ceil(clock.now() / 8000) + 5)
    // Progress lines on each change of state and about once a minute, not once per call.
    expect(lines.some((line) => line.includes('does not exist yet'))).toBe(true)
    expect(lines.some((line) => line.includes('is CREATING'))).toBe(true)
    expect(lines.length).toBeLessThan(25)
    expect(lines.at(-1)).toMatch(/ACTIVE \(after 15m\d\ds, \d+ DescribeCluster calls\)/)
  })

  it('polls short at first: a cluster ACTIVE 5 s in is seen within the first few calls', async () => {
    const clock = new ManualClock()
    const eks = new FakeEks(clock, (t) => (t < 5000 ? cluster('CREATING') : cluster('ACTIVE')))
    await waitForCluster(eks, 'demo', { ...waitContext(clock, 30 * MINUTE), appearDeadline: 10 * MINUTE, region: 'us-east-1' })
    expect(eks.clusterCalls).toEqual([0, 2000, 5000])
  })
})
