import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { httpsGet } from '../../../actions/eks-wait-and-helm/src/access/https-get'
import type { ClusterView } from '../../../actions/eks-wait-and-helm/src/eks/api'
import { type Deps, run } from '../../../actions/eks-wait-and-helm/src/main'
import { ManualClock } from '../../../lib/clock'
import { freePort } from '../../bench/ports'
import { runInProcess } from '../../harness/in-process'
import { FakeHelm } from './fake-helm'
import { awsError, cluster, FakeEks, nodegroup } from './fakes'
import { tokenSignatureValid } from './sigv4-verify'
import { type FakeApiServer, makeTlsFixture, startFakeApiServer, type TlsFixture } from './tls-api-server'

let tls: TlsFixture
let api: FakeApiServer
let apiAnswers: number[] = []
beforeAll(async () => {
  tls = makeTlsFixture()
  api = await startFakeApiServer(tls, (_request, index) => ({ status: apiAnswers[index] ?? 200, body: 'ok' }))
})
afterAll(() => api.stop())

let runnerDir: string

beforeEach(async () => {
  runnerDir = await mkdtemp(join(tmpdir(), 'main-test-'))
  apiAnswers = []
  api.requests.length = 0
})

const activeCluster = (): ClusterView =>
  cluster('ACTIVE', { endpoint: api.endpoint, certificateAuthority: Buffer.from(tls.caPem).toString('base64'), authenticationMode: 'API' })

async function harness(options: {
  inputs: Record<string, string>
  clusterScript?: ConstructorParameters<typeof FakeEks>[1]
  env?: NodeJS.ProcessEnv
  tokenScript?: string
}) {
  const clock = new ManualClock(Date.now())
  const eks = new FakeEks(clock, options.clusterScript ?? (() => activeCluster()), { workers: () => nodegroup('workers', 'ACTIVE') })
  const helm = new FakeHelm()
  const bin = await mkdtemp(join(tmpdir(), 'bin-'))
  await writeFile(join(bin, 'helm'), '#!/bin/sh\n')
  await chmod(join(bin, 'helm'), 0o755)
  const tokenScript = options.tokenScript ?? join(bin, 'token-index.js')
  await writeFile(join(bin, 'token-index.js'), '')
  const deps: Partial<Deps> = {
    eks: () => eks,
    clock,
    random: () => 0.5,
    exec: helm.exec,
    httpsGet,
    nodePath: '/runner/node24/bin/node',
    tokenScript,
    env: {
      PATH: bin,
      RUNNER_TEMP: runnerDir,
      GITHUB_WORKSPACE: runnerDir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAMAIN',
      AWS_SECRET_ACCESS_KEY: 'main-secret',
      AWS_SESSION_TOKEN: 'main-session',
      ...options.env,
    },
  }
  const captured = await runInProcess(() => run(deps), { inputs: options.inputs })
  return { ...captured, exported: captured.env, eks, helm, tokenScript }
}

const releases = `
- name: demo
  chart: ./charts/demo
  namespace: apps
  values:
    settings: { A: "1,2" }
- name: private
  chart: oci://registry.example.com/charts/private
  repository-username: robot
  repository-password: oci-password-123
`

describe('run', () => {
  it('waits, writes the kubeconfig, checks the API with a valid token, deploys, and reports', async () => {
    apiAnswers = [403, 200]
    const result = await harness({ inputs: { 'cluster-name': 'demo', nodegroups: 'workers', releases } })
    expect(result.failure).toBeUndefined()
    expect(result.exitCode).toBe(0)
    const kubeconfig = join(runnerDir, 'eks-wait-and-helm', 'demo.kubeconfig')
    expect(result.outputs).toEqual({
      endpoint: api.endpoint,
      kubeconfig,
      releases: JSON.stringify([
        { name: 'demo', namespace: 'apps', revision: 1, status: 'deployed', chart: 'demo-0.1.0' },
        { name: 'private', namespace: 'default', revision: 1, status: 'deployed', chart: 'demo-0.1.0' },
      ]),
    })
    expect(result.exported).toEqual({ KUBECONFIG: kubeconfig })
    expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600)
    const config = parse(await readFile(kubeconfig, 'utf8'))
    expect(config.users[0].user.exec).toMatchObject({
      command: '/runner/node24/bin/node',
      args: [result.tokenScript, '--cluster-name', 'demo', '--region', 'us-east-1'],
    })
    expect(JSON.stringify(config)).not.toMatch(/main-secret|main-session|AKIAMAIN/)
    // Two readiness checks; the rest are the rollout watch's reads of the release's pods, with the same token.
    expect(api.requests.filter((request) => request.path === '/readyz')).toHaveLength(2)
    for (const request of api.requests) expect(tokenSignatureValid(request.authorization?.slice(7) ?? '', 'demo', 'main-secret')).toBe(true)
    expect(result.commands.masks).toEqual(['oci-password-123'])
    expect(result.helm.calls.filter((call) => call.args[0] !== 'version').every((call) => call.env.KUBECONFIG === kubeconfig)).toBe(true)
    expect(result.summary).toMatch(/### EKS cluster `demo`/)
    expect(result.summary).toMatch(/\| ACTIVE \| 1\.31 \| https:\/\/127\.0\.0\.1:\d+ \| workers \(ACTIVE\) \| ready \|/)
    expect(result.summary).toMatch(/### Helm releases \(deploy, helm v3\.19\.0\)/)
    expect(result.summary).toMatch(/\| demo \| apps \| 1 \| deployed \| demo-0\.1\.0 \|/)
    const visible = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(visible).not.toContain('oci-password-123')
    // The private folder with the inline values and helm's state is gone after the step.
    const left = (await import('node:fs')).readdirSync(runnerDir).filter((name) => name.startsWith('eks-wait-and-helm-'))
    expect(left).toEqual([])
  })

  it.each([
    {
      name: 'a private-only endpoint this runner cannot reach fails naming runs-on and the Terraform setting, deploying nothing',
      endpointAccess: { publicAccess: false, privateAccess: true, publicCidrs: [] },
      error:
        /Could not reach the API server of 'demo' at https:\/\/127\.0\.0\.1:\d+ for 2m0\ds: .*ECONNREFUSED.*has no public endpoint.*runs-on input.*cluster_endpoint_access = "public"/,
    },
    {
      name: 'a public endpoint restricted to CIDRs fails naming them and eks_public_access_cidrs',
      endpointAccess: { publicAccess: true, privateAccess: false, publicCidrs: ['203.0.113.0/24'] },
      error: /admits only 203\.0\.113\.0\/24 \(publicAccessCidrs\).*eks_public_access_cidrs/,
    },
  ])('$name', async ({ endpointAccess, error }) => {
    const closed = `https://127.0.0.1:${await freePort()}`
    const result = await harness({
      inputs: { 'cluster-name': 'demo', nodegroups: 'none', releases },
      clusterScript: () => ({ ...activeCluster(), endpoint: closed, endpointAccess }),
    })
    expect(result.exitCode).not.toBe(0)
    expect(result.failure).toMatch(error)
    expect(result.failure?.split('\n')).toHaveLength(1)
    expect(result.helm.calls.filter((call) => call.args[0] === 'upgrade')).toEqual([])
  })

  it('deploys to a private-only cluster from a runner that reaches it (inside the VPC)', async () => {
    const result = await harness({
      inputs: { 'cluster-name': 'demo', nodegroups: 'none', releases },
      clusterScript: () => ({ ...activeCluster(), endpointAccess: { publicAccess: false, privateAccess: true, publicCidrs: [] } }),
    })
    expect(result.failure).toBeUndefined()
    expect(result.helm.calls.filter((call) => call.args[0] === 'upgrade')).toHaveLength(2)
  })

  it('with check-api false stops after the kubeconfig, needing no credentials and making no API call', async () => {
    const result = await harness({
      inputs: { 'cluster-name': 'demo', 'check-api': 'false', 'export-kubeconfig': 'false', nodegroups: 'none' },
      env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    })
    expect(result.failure).toBeUndefined()
    expect(api.requests).toEqual([])
    expect(result.exported).toEqual({})
    expect(result.outputs.releases).toBe('[]')
    expect(result.summary).toMatch(/none waited for \| skipped \|/)
    expect(result.stdout).toMatch(/check-api is false: stopping after writing the kubeconfig/)
  })

  it('uninstall mode: a cluster that is gone has nothing to uninstall', async () => {
    const result = await harness({
      inputs: { 'cluster-name': 'demo', mode: 'uninstall', releases },
      clusterScript: () => awsError('ResourceNotFoundException', 404),
    })
    expect(result.failure).toBeUndefined()
    expect(result.commands.annotations).toEqual([
      expect.objectContaining({
        level: 'notice',
        message: "Cluster 'demo' does not exist in us-east-1; there are no releases to uninstall.",
      }),
    ])
    expect(result.outputs).toEqual({ releases: '[]' })
    expect(result.helm.calls).toEqual([])
    expect(result.eks.clusterCalls).toHaveLength(1)
  })

  it('uninstall mode: removes installed releases, without waiting for node groups', async () => {
    const result = await harness({ inputs: { 'cluster-name': 'demo', mode: 'uninstall', releases } })
    expect(result.failure).toBeUndefined()
    expect(JSON.parse(result.outputs.releases ?? '')).toEqual([
      { name: 'private', namespace: 'default', revision: 0, status: 'not-installed' },
      { name: 'demo', namespace: 'apps', revision: 0, status: 'not-installed' },
    ])
    expect(result.eks.nodegroupCalls).toEqual([])
    expect(result.summary).toMatch(/Helm releases \(uninstall/)
  })

  it('uninstall mode: an AccessDenied is reported by the wait, not taken for a missing cluster', async () => {
    const result = await harness({
      inputs: { 'cluster-name': 'demo', mode: 'uninstall' },
      clusterScript: () => awsError('AccessDeniedException', 403, 'no'),
    })
    expect(result.failure).toMatch(/Not allowed to describe EKS cluster 'demo'/)
  })

  it.each([
    ['no credentials, before any wait', { env: { AWS_ACCESS_KEY_ID: '' } }, /^No AWS credentials in the environment/, 0],
    [
      'an ACTIVE cluster without an endpoint',
      { clusterScript: () => cluster('ACTIVE', { endpoint: undefined }) },
      /EKS returned no endpoint or certificate authority for ACTIVE cluster 'demo'/,
      1,
    ],
    [
      'a CA that is not a PEM certificate',
      { clusterScript: () => cluster('ACTIVE', { endpoint: 'https://127.0.0.1:1', certificateAuthority: 'bm90IGEgY2VydA==' }) },
      /certificate authority is not a PEM certificate.*Set check-api to false/,
      1,
    ],
    [
      'a missing token plugin (a broken bundle) as a bug',
      { tokenScript: '/nonexistent/token.js' },
      /^Unexpected error: the token plugin is missing/,
      1,
    ],
  ])('fails on %s', async (_name, options, message, calls) => {
    const result = await harness({ inputs: { 'cluster-name': 'demo', nodegroups: 'none' }, ...options })
    expect(result.exitCode).toBe(1)
    expect(result.failure).toMatch(message)
    expect(result.eks.clusterCalls).toHaveLength(calls)
  })

  it('fails on a bad input before calling AWS', async () => {
    const result = await harness({ inputs: { 'cluster-name': 'demo', nodegroups: 'bad/name' } })
    expect(result.failure).toMatch(/Input 'nodegroups'/)
    expect(result.eks.clusterCalls).toEqual([])
  })
})
