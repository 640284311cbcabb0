import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { httpsGet } from '../../../actions/eks-wait-and-helm/src/access/https-get'
import type { KubeReader } from '../../../actions/eks-wait-and-helm/src/access/kube-reader'
import { recentWarnings } from '../../../actions/eks-wait-and-helm/src/access/warning-events'
import { freePort } from '../../bench/ports'
import { type FakeApiServer, makeTlsFixture, type Responder, startFakeApiServer, type TlsFixture } from './tls-api-server'

let tls: TlsFixture
let server: FakeApiServer | undefined

beforeAll(() => {
  tls = makeTlsFixture()
})
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const SINCE = Date.parse('2026-11-24T10:00:00Z')

async function serve(respond: Responder): Promise<KubeReader> {
  server = await startFakeApiServer(tls, respond)
  return { endpoint: `${server.endpoint}/`, caPem: tls.caPem, token: async () => 'k8s-aws-v1.token', get: httpsGet }
}

const scheduling = (pod: string, at: string) => ({
  reason: 'FailedScheduling',
  message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.\n  preemption: not helpful.",
  involvedObject: { kind: 'Pod', name: pod },
  // The scheduler writes events.k8s.io events: no lastTimestamp, the time is in eventTime or series.
  lastTimestamp: null,
  eventTime: at,
})

describe('recentWarnings', () => {
  it('lists distinct warnings since the moment, newest first, one line each, with the token', async () => {
    const reader = await serve(() => ({
      status: 200,
      body: {
        items: [
          { reason: 'BackOff', message: 'old news', involvedObject: { kind: 'Pod', name: 'old' }, lastTimestamp: '2026-11-24T09:59:00Z' },
          scheduling('demo-a', '2026-11-24T10:00:05.000000Z'),
          { ...scheduling('demo-b', '2026-11-24T10:00:01.000000Z'), series: { lastObservedTime: '2026-11-24T10:00:09.000000Z' } },
          {
            reason: 'Failed',
            message: 'Error: ImagePullBackOff',
            involvedObject: { kind: 'Pod', name: 'demo-c' },
            firstTimestamp: '2026-11-24T10:00:02Z',
            lastTimestamp: '2026-11-24T10:00:07Z',
          },
        ],
      },
    }))
    expect(await recentWarnings(reader, 'apps', SINCE)).toEqual([
      "Pod demo-b: FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: not helpful",
      'Pod demo-c: Failed: Error: ImagePullBackOff',
    ])
    expect(server?.requests).toEqual([
      { method: 'GET', path: '/api/v1/namespaces/apps/events?fieldSelector=type%3DWarning', authorization: 'Bearer k8s-aws-v1.token' },
    ])
  })

  it('keeps at most the limit, and cuts a long message', async () => {
    const items = Array.from({ length: 5 }, (_, index) => ({
      reason: `Reason${index}`,
      message: 'x'.repeat(400),
      involvedObject: { kind: 'ReplicaSet', name: `rs-${index}` },
      lastTimestamp: `2026-11-24T10:00:0${index}Z`,
    }))
    const reader = await serve(() => ({ status: 200, body: { items } }))
    const lines = await recentWarnings(reader, 'apps', SINCE, 2)
    expect(lines.map((line) => line.split(':')[0])).toEqual(['ReplicaSet rs-4', 'ReplicaSet rs-3'])
    expect(lines[0]).toBe(`ReplicaSet rs-4: Reason4: ${'x'.repeat(300)}…`)
  })

  it.each<[string, Responder | 'closed']>([
    ['a refusal', () => ({ status: 403, body: 'forbidden' })],
    ['a body that is not JSON', () => ({ status: 200, body: 'not json' })],
    ['no answer at all', 'closed'],
  ])('yields nothing on %s, so the error it explains is reported unchanged', async (_name, respond) => {
    const reader =
      respond === 'closed'
        ? { endpoint: `https://127.0.0.1:${await freePort()}`, caPem: tls.caPem, token: async () => 't', get: httpsGet }
        : await serve(respond)
    expect(await recentWarnings(reader, 'apps', SINCE)).toEqual([])
  })
})
