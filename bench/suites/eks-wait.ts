import type { ClusterView, EksApi } from '../../actions/eks-wait-and-helm/src/eks/api'
import { DEFAULT_POLL } from '../../actions/eks-wait-and-helm/src/eks/poll'
import { waitForCluster } from '../../actions/eks-wait-and-helm/src/eks/wait-cluster'
import { type Clock, ManualClock } from '../../lib/clock'
import { seededRandom } from '../lib/random'
import { checkGoal, type Goal, type Row } from '../lib/results'
import { ratio, ratioOfMedians, SampleSet } from '../lib/stats'
import type { Suite } from '../lib/suite'

/**
 * The action's own cluster wait loop, driven on a simulated clock against a
 * fake DescribeCluster that answers ResourceNotFound, then CREATING, then
 * ACTIVE at a chosen moment; the same fake is polled every 30 s as
 * `aws eks wait cluster-active` does. Simulated, because a 15-minute creation
 * should not take 15 minutes to measure, and because only then do both loops
 * see exactly the same cluster.
 */

const SCENARIOS = [
  { label: '10 s', activeAfterMs: 10_000 },
  { label: '2 min', activeAfterMs: 120_000 },
  { label: '15 min', activeAfterMs: 900_000 },
]

const STOCK_WAITER = '`aws eks wait cluster-active`: 30 s poll, 40 tries, fails at once if the cluster does not exist yet'
// The stock waiter: 30 s between polls, 40 polls.
const STOCK_DELAY_MS = 30_000
const STOCK_ATTEMPTS = 40

// The action's defaults (action.yml): timeout 30m, appear-timeout 10m.
const TIMEOUT_MS = 30 * 60_000
const APPEAR_TIMEOUT_MS = 10 * 60_000

// Spread the moment the cluster turns ACTIVE over one stock poll period, so no
// scenario favours a loop by landing on its poll times (2 min is a multiple of 30 s).
const PHASES = 11

class NotFound extends Error {
  override name = 'ResourceNotFoundException'
  readonly $metadata = { httpStatusCode: 404 }
}

/** A cluster that does not exist for the first half of its creation, is CREATING for the second half, then ACTIVE. */
function scriptedCluster(clock: Clock, activeAt: number): EksApi & { calls: number } {
  const view = (status: string): ClusterView => ({ name: 'bench', status, healthIssues: [] })
  const api = {
    calls: 0,
    async describeCluster() {
      api.calls++
      const now = clock.now()
      if (now < activeAt / 2) throw new NotFound('No cluster found for name: bench.')
      return view(now < activeAt ? 'CREATING' : 'ACTIVE')
    },
    listNodegroups: async () => [],
    describeNodegroup: async () => {
      throw new Error('not used by the cluster wait')
    },
  }
  return api
}

/** `aws eks wait cluster-active`, except that it waits through "not found" (the real one fails at once there). */
async function fixedPoll(api: EksApi, clock: Clock): Promise<void> {
  for (let attempt = 1; attempt <= STOCK_ATTEMPTS; attempt++) {
    try {
      if ((await api.describeCluster('bench')).status === 'ACTIVE') return
    } catch (error) {
      if (!(error instanceof NotFound)) throw error
    }
    if (attempt < STOCK_ATTEMPTS) await clock.sleep(STOCK_DELAY_MS)
  }
  throw new Error('the fixed poll gave up')
}

interface Outcome {
  latencyS: number
  calls: number
  callsPer10s: number
}

async function simulate(loop: 'action' | 'fixed', activeAt: number, seed: number): Promise<Outcome> {
  const clock = new ManualClock(0)
  const api = scriptedCluster(clock, activeAt)
  if (loop === 'action') {
    await waitForCluster(api, 'bench', {
      clock,
      random: seededRandom(seed),
      poll: DEFAULT_POLL,
      deadline: TIMEOUT_MS,
      appearDeadline: APPEAR_TIMEOUT_MS,
      region: 'us-east-1',
      log: () => {},
      warn: () => {},
    })
  } else {
    await fixedPoll(api, clock)
  }
  const detectedAt = clock.now()
  if (detectedAt < activeAt) throw new Error(`${loop} reported ACTIVE before the cluster was`)
  return { latencyS: (detectedAt - activeAt) / 1000, calls: api.calls, callsPer10s: (api.calls * 10_000) / detectedAt }
}

export const eksWait: Suite = {
  id: 'eks-wait',
  title: 'eks-wait-and-helm: detecting a new cluster (simulated clock)',
  async run(context) {
    const rows: Row[] = []
    for (const scenario of SCENARIOS) {
      const samples = new SampleSet()
      for (let phase = 0; phase < PHASES; phase++) {
        const activeAt = scenario.activeAfterMs + Math.round((phase * STOCK_DELAY_MS) / PHASES)
        for (const loop of ['action', 'fixed'] as const) {
          const outcome = await simulate(loop, activeAt, phase + 1)
          samples.add(`${loop} latency`, outcome.latencyS)
          samples.add(`${loop} calls`, outcome.calls)
          samples.add(`${loop} rate`, outcome.callsPer10s)
        }
      }
      context.log(`eks-wait: ${scenario.label} simulated ${PHASES} times`)
      const row = (what: string, key: string, unit: Row['unit'], goal?: Goal): Row => {
        const value = samples.stat(`action ${key}`)
        const baseline = samples.stat(`fixed ${key}`)
        // A baseline poll that lands on the very moment gives 0 s; per-run ratios are then undefined, the ratio of medians is not.
        const against = baseline.min > 0 ? ratio(value, baseline) : baseline.median > 0 ? ratioOfMedians(value, baseline) : undefined
        return {
          subject: `ACTIVE after ${scenario.label}: ${what}`,
          unit,
          value,
          baseline: { label: 'fixed 30 s poll', value: baseline },
          ...(against ? { ratio: against } : {}),
          ...(goal ? { goal: checkGoal(goal, value, against) } : {}),
          ...(key === 'latency' && scenario === SCENARIOS[0] ? { quoted: STOCK_WAITER } : {}),
        }
      }
      rows.push(
        row('detection latency', 'latency', 's', { text: 'median < 3 s', on: 'value', limit: 3, inclusive: false }),
        row('DescribeCluster calls', 'calls', 'calls'),
        row('calls per 10 s of waiting', 'rate', 'calls/10 s', { text: '≤ 1 per 10 s', on: 'value', limit: 1, inclusive: true }),
      )
    }
    return {
      id: this.id,
      title: this.title,
      method: `The action's exported \`waitForCluster\` with its default poll policy (first delay ${DEFAULT_POLL.initialMs / 1000} s, ×${DEFAULT_POLL.factor} per poll, cap ${DEFAULT_POLL.maxMs / 1000} s, ±${DEFAULT_POLL.jitter * 100} % jitter from a seeded generator), driven by lib/clock's ManualClock against a fake DescribeCluster, and the same fake polled every 30 s as the stock waiter does.`,
      status: 'measured',
      rows,
      notes: [
        `Each scenario ran ${PHASES} times; in run i the cluster turns ACTIVE at the scenario's time plus i × ${STOCK_DELAY_MS / 1000} s / ${PHASES}, so the moment lands on every phase of a 30 s poll. Before half that time DescribeCluster answers ResourceNotFound (Terraform has not created it yet), then CREATING.`,
        'Detection latency: simulated time from the cluster turning ACTIVE to the loop returning. Calls per 10 s: DescribeCluster calls × 10 s / simulated time until detection.',
        'The baseline waits through ResourceNotFound; the real `aws eks wait cluster-active` fails at its first call when the cluster does not exist yet, so in these scenarios it would not detect the cluster at all.',
        'Simulated time: these figures do not depend on the machine, so they are exact for the policy and seeds, not samples of noise.',
        'Reading the two goals together (arithmetic, not a measurement): when the moment a cluster turns ACTIVE is unpredictable, a loop polling every P seconds detects it P/2 after on average, so a median under 3 s needs polls under about 6 s apart near the end, more than 1.6 calls per 10 s there; the average of at most 1 call per 10 s can then only hold if polls are sparser earlier in the wait.',
      ],
    }
  },
}
