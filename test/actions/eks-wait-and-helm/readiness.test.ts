import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { httpsGet } from '../../../actions/eks-wait-and-helm/src/access/https-get'
import { waitForApi } from '../../../actions/eks-wait-and-helm/src/access/readiness'
import { createEksToken, stsEndpoint } from '../../../actions/eks-wait-and-helm/src/access/token'
import type { EndpointAccess } from '../../../actions/eks-wait-and-helm/src/eks/api'
import { ManualClock } from '../../../lib/clock'
import { isUserError, userMessage } from '../../../lib/errors'
import { freePort } from '../../bench/ports'
import { MINUTE } from './fakes'
import { tokenSignatureValid } from './sigv4-verify'
import { type FakeApiServer, makeTlsFixture, type Responder, startFakeApiServer, type TlsFixture } from './tls-api-server'

let tls: TlsFixture
let otherCa: TlsFixture
let server: FakeApiServer | undefined

beforeAll(() => {
  tls = makeTlsFixture()
  otherCa = makeTlsFixture()
})
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const secret = 'readiness-secret'
const token = async () =>
  (
    await createEksToken({
      clusterName: 'demo',
      credentials: { accessKeyId: 'AKIAREADY', secretAccessKey: secret },
      endpoint: stsEndpoint('us-east-1', {}),
      now: new Date(),
    })
  ).token

interface Case {
  name: string
  respond?: Responder
  /** Point at a closed port instead of the server. */
  closed?: boolean
  /** Trust a CA that did not sign the server's certificate. */
  wrongCa?: boolean
  authenticationMode?: string
  endpointAccess?: EndpointAccess
  timeout?: number
  error?: RegExp
  requests?: number | ((count: number) => boolean)
}

const cases: Case[] = [
  {
    name: '403 twice while the access entry applies, then 200',
    respond: (_r, i) => (i < 2 ? { status: 403, body: { kind: 'Status', code: 403 } } : { status: 200, body: 'ok' }),
    requests: 3,
  },
  {
    name: 'a server still starting (500) is retried',
    respond: (_r, i) =>
      i === 0 ? { status: 500, body: '[-]etcd failed: reason withheld\nreadyz check failed' } : { status: 200, body: 'ok' },
    requests: 2,
  },
  {
    name: '401 past the grace period explains access entries and the Terraform setting',
    respond: () => ({ status: 401, body: { kind: 'Status', message: 'Unauthorized' } }),
    error:
      /rejected the CI role's token \(401 Unauthorized\) for 2m0\ds: the role is not mapped.*An ACTIVE cluster does not grant.*EKS access entry.*enable_cluster_creator_admin_permissions = true.*aws_eks_access_entry/,
    requests: (count) => count > 5 && count < 60,
  },
  {
    name: '401 on a CONFIG_MAP cluster names the aws-auth ConfigMap',
    respond: () => ({ status: 401 }),
    authenticationMode: 'CONFIG_MAP',
    error: /aws-auth ConfigMap: map the CI role there/,
  },
  {
    name: '403 past the grace period names the access policy association',
    respond: () => ({ status: 403 }),
    error: /knows the CI role but refused it \(403 Forbidden\).*aws_eks_access_policy_association/,
  },
  {
    name: '403 on a CONFIG_MAP cluster names RBAC for the mapped groups',
    respond: () => ({ status: 403 }),
    authenticationMode: 'CONFIG_MAP',
    error: /Bind the groups the aws-auth ConfigMap gives the role/,
  },
  {
    name: 'an unreachable endpoint fails after the grace period with the private-endpoint advice',
    closed: true,
    error:
      /Could not reach the API server of 'demo' at https:\/\/127\.0\.0\.1:\d+ for 2m0\ds: connect ECONNREFUSED.*set check-api to false/,
  },
  {
    name: 'an unreachable endpoint with no public access names the runner in the VPC (runs-on) and the Terraform setting',
    closed: true,
    endpointAccess: { publicAccess: false, privateAccess: true, publicCidrs: [] },
    error:
      /for 2m0\ds: connect ECONNREFUSED.*has no public endpoint \(endpointPublicAccess is false\).*runner inside the VPC.*runs-on input.*cluster_endpoint_access = "public"/,
  },
  {
    name: 'an unreachable endpoint restricted to some CIDRs names them and the Terraform variable to add the runner to',
    closed: true,
    endpointAccess: { publicAccess: true, privateAccess: true, publicCidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
    error:
      /admits only 203\.0\.113\.0\/24, 198\.51\.100\.7\/32 \(publicAccessCidrs\).*Add the runner's egress address to eks_public_access_cidrs \(public_access_cidrs in the eks module\).*runs-on input/,
  },
  {
    name: 'a private-only endpoint this runner reaches (a runner in the VPC) is used as usual',
    respond: () => ({ status: 200, body: 'ok' }),
    endpointAccess: { publicAccess: false, privateAccess: true, publicCidrs: [] },
    requests: 1,
  },
  {
    name: 'a certificate the cluster CA did not sign is never trusted',
    respond: () => ({ status: 200 }),
    wrongCa: true,
    error: /Could not reach the API server.*(certificate|CERT|SELF_SIGNED)/i,
  },
  {
    name: 'a server not ready at the deadline fails then',
    respond: () => ({ status: 503, body: 'shutting down' }),
    timeout: 30_000,
    error: /was not ready within the timeout; its last answer was HTTP 503: shutting down/,
  },
]

describe('waitForApi against a local TLS server', () => {
  it.each(cases)(
    '$name',
    async ({ respond, closed, wrongCa, authenticationMode, endpointAccess, timeout = 30 * MINUTE, error, requests }) => {
      const clock = new ManualClock(Date.now())
      const deadline = clock.now() + timeout
      server = await startFakeApiServer(tls, respond ?? (() => ({ status: 200 })))
      const endpoint = closed ? `https://127.0.0.1:${await freePort()}` : server.endpoint
      const lines: string[] = []
      const outcome = await waitForApi({
        clusterName: 'demo',
        reader: { endpoint: `${endpoint}/`, caPem: wrongCa ? otherCa.caPem : tls.caPem, token, get: httpsGet },
        ...(authenticationMode ? { authenticationMode } : {}),
        ...(endpointAccess ? { endpointAccess } : {}),
        clock,
        random: () => 0.5,
        deadline,
        graceMs: 2 * MINUTE,
        log: (line) => lines.push(line),
      }).catch((caught: unknown) => caught)
      if (error) {
        expect(isUserError(outcome)).toBe(true)
        expect(userMessage(outcome as never)).toMatch(error)
      } else {
        expect(outcome).toBeUndefined()
        expect(lines.at(-1)).toMatch(/is ready and accepts the CI role's token/)
      }
      if (typeof requests === 'number') expect(server.requests).toHaveLength(requests)
      if (typeof requests === 'function') expect(requests(server.requests.length)).toBe(true)
      expect(clock.now()).toBeLessThanOrEqual(deadline)
      for (const request of server.requests) {
        expect(request.path).toBe('/readyz')
        const bearer = request.authorization?.replace(/^Bearer /, '') ?? ''
        expect(tokenSignatureValid(bearer, 'demo', secret)).toBe(true)
      }
    },
  )
})
