import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { type ControlPlane, startControlPlane } from './control-plane'
import { makeEksToken, type TokenCredentials } from './eks-token'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from './moto'
import { waitFor } from './ports'

const chart = new URL('../fixtures/charts/bench-app', import.meta.url).pathname
const deployer = `arn:aws:iam::${MOTO_ACCOUNT}:role/deployer`
const stranger = `arn:aws:iam::${MOTO_ACCOUNT}:role/stranger`

let moto: Moto
let plane: ControlPlane
let scratch: string

beforeAll(async () => {
  moto = await startMoto()
  plane = await startControlPlane({ stsEndpoint: moto.endpoint, clusterName: 'bench' })
  scratch = await mkdtemp(join(tmpdir(), 'control-plane-test-'))
  console.log(`control plane started in ${plane.startup.total} ms: ${JSON.stringify(plane.startup)}`)
}, 300_000)

afterAll(async () => {
  await plane?.stop()
  await moto?.stop()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** Temporary credentials of an assumed role, from moto's STS over the Query API. */
async function assumeRole(roleArn: string, session: string): Promise<TokenCredentials> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: session }).toString(),
  })
  const xml = await response.text()
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? ''
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') }
}

const tokenFor = async (roleArn: string, session = 'ci', overrides: { stsEndpoint?: string; signingDate?: Date } = {}) =>
  makeEksToken({
    stsEndpoint: overrides.stsEndpoint ?? moto.endpoint,
    clusterName: 'bench',
    region: BENCH_REGION,
    credentials: await assumeRole(roleArn, session),
    signingDate: overrides.signingDate,
  })

/** Rewrites the presigned URL inside a token, to forge what a client might send. */
function tamper(token: string, edit: (url: URL) => void): string {
  const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'))
  edit(url)
  return `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`
}

describe('the bench control plane', () => {
  it('serves the pinned Kubernetes release and shares one instance per process', async () => {
    const version = await plane.request('/version')
    expect(version.status).toBe(200)
    expect((version.body as { gitVersion: string }).gitVersion).toBe(VERSIONS.kubernetes)
    expect(new URL(plane.server).hostname).toBe('127.0.0.1')
    expect(await startControlPlane({ stsEndpoint: moto.endpoint, clusterName: 'bench' })).toBe(plane)
    await expect(startControlPlane({ stsEndpoint: moto.endpoint, clusterName: 'other' })).rejects.toThrow(/other options/)
  })

  it('authenticates an EKS token of a role with an access entry as the mapped user', async () => {
    plane.setAccess(deployer, { groups: ['system:masters'] })
    const token = await tokenFor(deployer, 'ci-run')
    expect((await plane.request('/readyz', { token })).status).toBe(200)
    const review = await plane.request('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      token,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    })
    expect(review.status).toBe(201)
    const user = (review.body as { status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } } }).status
      .userInfo
    expect(user.username).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/deployer/ci-run`)
    expect(user.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']))
    expect(user.extra.canonicalArn).toEqual([deployer])
    expect(plane.reviews.at(-1)).toMatchObject({ authenticated: true, identity: { canonicalArn: deployer, sessionName: 'ci-run' } })
  })

  it('answers 401 to a role without an access entry, then lets it in once the entry exists', async () => {
    const token = await tokenFor(stranger)
    const denied = await plane.request('/readyz', { token })
    expect(denied.status).toBe(401)
    expect(plane.reviews.at(-1)).toMatchObject({ authenticated: false, reason: `no access entry for ${stranger}` })

    plane.setAccess(stranger, { username: 'stranger:{{SessionName}}', groups: [] })
    expect((await plane.request('/readyz', { token })).status).toBe(200)
    // Authenticated but granted nothing: RBAC, not the webhook, refuses it now.
    const forbidden = await plane.request('/api/v1/namespaces/default/pods', { token })
    expect(forbidden.status).toBe(403)
    expect(forbidden.text).toContain('User \\"stranger:ci\\" cannot list resource \\"pods\\"')

    // kube-apiserver keeps a token it accepted for 10 s, whatever the webhook's cache; a new token is checked at once.
    plane.removeAccess(stranger)
    expect((await plane.request('/readyz', { token: await tokenFor(stranger, 'later') })).status).toBe(401)
  })

  const forged: { name: string; token: () => Promise<string>; reason: RegExp }[] = [
    { name: 'a token without the k8s-aws-v1. prefix', token: async () => 'not-an-eks-token', reason: /missing the k8s-aws-v1\. prefix/ },
    {
      name: 'a URL on another STS endpoint',
      token: () => tokenFor(deployer, 'ci', { stsEndpoint: 'http://127.0.0.1:9' }),
      reason: /unexpected STS endpoint/,
    },
    {
      name: 'a token signed 16 minutes ago',
      token: () => tokenFor(deployer, 'ci', { signingDate: new Date(Date.now() - 16 * 60_000) }),
      reason: /expired/,
    },
    {
      name: 'a URL that does not sign the cluster name',
      token: async () => tamper(await tokenFor(deployer), (url) => url.searchParams.set('X-Amz-SignedHeaders', 'host')),
      reason: /x-k8s-aws-id header is not signed/,
    },
    {
      name: 'a URL calling another STS action',
      token: async () => tamper(await tokenFor(deployer), (url) => url.searchParams.set('Action', 'AssumeRole')),
      reason: /not GetCallerIdentity/,
    },
    {
      name: 'a URL with an extra query parameter',
      token: async () => tamper(await tokenFor(deployer), (url) => url.searchParams.set('RoleArn', stranger)),
      reason: /RoleArn is not allowed/,
    },
  ]
  it.each(forged)('denies $name', async ({ token, reason }) => {
    plane.setAccess(deployer, { groups: ['system:masters'] })
    expect((await plane.request('/api/v1/namespaces', { token: await token() })).status).toBe(401)
    expect(plane.reviews.at(-1)?.authenticated).toBe(false)
    expect(plane.reviews.at(-1)?.reason).toMatch(reason)
  })

  it('makes a Deployment Ready through kwok', async () => {
    const name = 'kwok-ready'
    const created = await plane.request('/apis/apps/v1/namespaces/default/deployments', {
      method: 'POST',
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } },
        },
      },
    })
    expect(created.status).toBe(201)
    await waitFor(
      'the deployment to have 2 ready replicas',
      async () => {
        const status = (await plane.request(`/apis/apps/v1/namespaces/default/deployments/${name}`)).body as {
          status?: { readyReplicas?: number }
        }
        return status.status?.readyReplicas === 2
      },
      90_000,
    )
    const pods = (await plane.request(`/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`)).body as {
      items: { spec: { nodeName: string }; status: { phase: string; podIP: string } }[]
    }
    expect(pods.items.map((pod) => [pod.spec.nodeName, pod.status.phase])).toEqual([
      [plane.nodeName, 'Running'],
      [plane.nodeName, 'Running'],
    ])
    expect(pods.items.every((pod) => pod.status.podIP.startsWith('10.244.'))).toBe(true)
  })

  it('takes a real helm install --wait with an EKS token of a mapped role', async () => {
    plane.setAccess(deployer, { groups: ['system:masters'] })
    const kubeconfig = await plane.tokenKubeconfig(await tokenFor(deployer, 'helm'))
    const helmEnv = {
      ...process.env,
      HELM_CACHE_HOME: join(scratch, 'helm-cache'),
      HELM_CONFIG_HOME: join(scratch, 'helm-config'),
      HELM_DATA_HOME: join(scratch, 'helm-data'),
    }
    const helm = (args: string[]) => promisify(execFile)(toolPaths().helm, [...args, '--kubeconfig', kubeconfig], { env: helmEnv })
    const install = await helm([
      'upgrade',
      '--install',
      'demo',
      chart,
      '--namespace',
      'demo',
      '--create-namespace',
      '--wait',
      '--timeout',
      '120s',
    ])
    expect(install.stdout).toContain('STATUS: deployed')
    const deployment = (await plane.request('/apis/apps/v1/namespaces/demo/deployments/demo')).body as {
      status: { readyReplicas?: number }
    }
    expect(deployment.status.readyReplicas).toBe(2)
    const status = JSON.parse((await helm(['status', 'demo', '--namespace', 'demo', '--output', 'json'])).stdout) as {
      info: { status: string }
    }
    expect(status.info.status).toBe('deployed')
    expect(plane.reviews.some((review) => review.authenticated && review.identity?.sessionName === 'helm')).toBe(true)

    // The fixture's failing mode, which rollback tests rely on: pods that cannot be scheduled never become Ready.
    const upgrade = await helm([
      'upgrade',
      'demo',
      chart,
      '--namespace',
      'demo',
      '--set',
      'schedulable=false',
      '--wait',
      '--timeout',
      '5s',
    ]).catch((error: { stderr: string }) => error)
    expect((upgrade as { stderr: string }).stderr).toMatch(/context deadline exceeded|timed out/)
    const failed = JSON.parse((await helm(['status', 'demo', '--namespace', 'demo', '--output', 'json'])).stdout) as {
      info: { status: string }
      version: number
    }
    expect(failed).toMatchObject({ info: { status: 'failed' }, version: 2 })
  })

  it('stops every component, removes its files, and a second stop does nothing', async () => {
    const caFile = plane.caFile
    await plane.stop()
    await plane.stop()
    expect(existsSync(caFile)).toBe(false)
    await expect(plane.request('/readyz')).rejects.toThrow()
  })

  it('says how to install the binaries when they are missing, and does not remember the failure', async () => {
    const saved = process.env.PIPELINE_ACTIONS_TOOL_CACHE
    process.env.PIPELINE_ACTIONS_TOOL_CACHE = join(scratch, 'empty-cache')
    try {
      const first = await startControlPlane({ stsEndpoint: moto.endpoint }).catch((error: Error) => error)
      expect((first as Error).message).toMatch(/kube-apiserver.*run 'npm run setup'/)
      // A remembered failure would hand back the same rejected start.
      const second = await startControlPlane({ stsEndpoint: moto.endpoint }).catch((error: Error) => error)
      expect(second).toBeInstanceOf(Error)
      expect(second).not.toBe(first)
    } finally {
      if (saved === undefined) delete process.env.PIPELINE_ACTIONS_TOOL_CACHE
      else process.env.PIPELINE_ACTIONS_TOOL_CACHE = saved
    }
  })
})
