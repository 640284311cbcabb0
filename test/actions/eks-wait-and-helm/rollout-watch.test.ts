import { describe, expect, it } from 'vitest'
import type { KubeReader } from '../../../actions/eks-wait-and-helm/src/access/kube-reader'
import { WATCH_INTERVAL_MS, watchRollout } from '../../../actions/eks-wait-and-helm/src/rollout/watch'
import type { Workload } from '../../../actions/eks-wait-and-helm/src/rollout/workloads'
import type { Clock } from '../../../lib/clock'

/** A clock whose naps end only when they are called off: a watch that waited out its nap would never finish. */
function napUntilCalledOff(): Clock & { naps: number[] } {
  const naps: number[] = []
  return {
    naps,
    now: () => 0,
    sleep: (ms, signal) => {
      naps.push(ms)
      return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }))
    },
  }
}

const crashing = {
  items: [
    {
      metadata: { name: 'web-1', labels: { app: 'web' } },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } } }],
      },
    },
  ],
}

function reader(pods: unknown): KubeReader & { paths: string[] } {
  const paths: string[] = []
  return {
    paths,
    endpoint: 'https://api.test/',
    caPem: '',
    token: async () => 'token',
    get: async (url) => {
      paths.push(new URL(url).pathname)
      return { status: 200, body: JSON.stringify(url.includes('/events') ? { items: [] } : pods) }
    },
  }
}

const web: Workload[] = [{ kind: 'Deployment', name: 'web', podLabels: { app: 'web' }, hook: false }]

describe('watchRollout', () => {
  it('stops as soon as helm is done, without sleeping out its interval', async () => {
    const clock = napUntilCalledOff()
    const watch = watchRollout(reader({ items: [] }), 'apps', web, clock)
    await new Promise((resolve) => setImmediate(resolve))
    expect(clock.naps).toEqual([WATCH_INTERVAL_MS])
    await expect(watch.finish(false)).resolves.toEqual([])
  })

  it('on a failure, names the pod it saw failing, read once more after stopping', async () => {
    const clock = napUntilCalledOff()
    const kube = reader(crashing)
    const watch = watchRollout(kube, 'apps', web, clock)
    await new Promise((resolve) => setImmediate(resolve))
    const problems = await watch.finish(true)
    expect(problems).toEqual([
      { workload: 'Deployment web', pod: 'web-1', reason: expect.stringContaining('CrashLoopBackOff'), events: [] },
    ])
    expect(kube.paths.filter((path) => path.endsWith('/pods'))).toHaveLength(2)
  })
})
