import { type ChildProcess, spawn } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { startChartRepository } from '../../bench/chart-repository'
import type { ControlPlane } from '../../bench/control-plane'
import { waitFor } from '../../bench/ports'
import { startRegistry } from '../../bench/registry'
import { type ActionRun, repoRoot, runAction } from '../../harness/runner'
import { CI_ROLE, type LiveCluster, startLiveCluster } from './live-cluster-bench'
import { makeTlsFixture } from './tls-api-server'

/** The step succeeded, and its releases output is exactly this list. */
function expectReleases(run: ActionRun, releases: Record<string, unknown>[]): void {
  expect(run.failure, run.failure).toBeUndefined()
  expect(JSON.parse(run.outputs.releases ?? '')).toEqual(releases)
}

/** The step succeeded, and its releases output names exactly this release of the demo chart, deployed at `revision`. */
function expectDeployed(run: ActionRun, name: string, namespace: string, revision: number): void {
  expectReleases(run, [{ name, namespace, revision, status: 'deployed', chart: 'demo-0.1.0' }])
}

/**
 * The whole action against a real Kubernetes API server: the bench's control
 * plane (etcd, kube-apiserver, scheduler, controller manager, kwok), whose
 * EKS token webhook maps IAM roles through access entries the test sets.
 * DescribeCluster is answered through the fault proxy with that API server's
 * endpoint and CA, as EKS would for a real cluster.
 */

const CLUSTER = 'live'
const ciRole = CI_ROLE
const chart = './test/fixtures/charts/eks-demo'

let plane: ControlPlane
let live: LiveCluster
let helmHome: string

beforeAll(async () => {
  live = await startLiveCluster(CLUSTER, 'gha-4242')
  plane = live.plane
  helmHome = await mkdtemp(join(tmpdir(), 'live-helm-'))
}, 300_000)

afterAll(async () => {
  await live?.stop()
})

const jobEnv = (extra: Record<string, string> = {}) => live.jobEnv(extra)

const deploy = (releases: string, extra: Record<string, string> = {}) =>
  runAction('eks-wait-and-helm', {
    inputs: { 'cluster-name': CLUSTER, nodegroups: 'none', releases, ...extra },
    env: jobEnv(),
    timeoutMs: 300_000,
  })

const demoRelease = (settings: string, extra = '') =>
  `- name: demo\n  chart: ${chart}\n  namespace: apps\n  timeout: 2m\n  values:\n    settings:\n${settings}${extra}`

async function history(name: string, namespace: string): Promise<{ revision: number; status: string; description?: string }[]> {
  const result = await runHelm(['history', name, '--namespace', namespace, '--output', 'json'])
  return JSON.parse(result.stdout)
}

function helmProcess(args: string[], env: Record<string, string> = {}, input?: string): ChildProcess {
  const child = spawn(toolPaths().helm, [...args, '--kubeconfig', plane.adminKubeconfig], {
    // HOME too: client-go caches discovery under $HOME/.kube, or under the working directory without one.
    env: {
      PATH: process.env.PATH,
      HOME: helmHome,
      HELM_CACHE_HOME: join(helmHome, 'c'),
      HELM_CONFIG_HOME: join(helmHome, 'f'),
      HELM_DATA_HOME: join(helmHome, 'd'),
      ...env,
    },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  if (input !== undefined) child.stdin?.end(input)
  return child
}

/**
 * Leaves a release as a killed run would: helm waits for pods that can never
 * be scheduled until the release shows `status`, then dies by SIGKILL.
 */
async function killHelmAt(status: string, release: string, namespace: string, args: string[]): Promise<void> {
  const stuck = helmProcess([...args, '--set', 'nodeSelector.nowhere=nowhere', '--wait', '--timeout', '10m'])
  await waitFor(
    `helm to mark the release ${status}`,
    async () => (await history(release, namespace).catch(() => [])).at(-1)?.status === status,
    60_000,
  )
  stuck.kill('SIGKILL')
  await new Promise((resolve) => stuck.on('close', resolve))
}

function runHelm(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = helmProcess(args, env, input)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

async function configMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const response = await plane.request(`/api/v1/namespaces/${namespace}/configmaps/${name}`)
  return response.status === 200 ? (response.body as { data: Record<string, string> }).data : undefined
}

describe('against a real Kubernetes API server', () => {
  it('retries the 401 of a role without an access entry until the entry applies', async () => {
    plane.removeAccess(ciRole)
    const reviewsBefore = plane.reviews.length
    const granted = new Promise<void>((resolve) =>
      setTimeout(() => {
        plane.setAccess(ciRole, { groups: ['system:masters'] })
        resolve()
      }, 4000),
    )
    const run = await runAction('eks-wait-and-helm', { inputs: { 'cluster-name': CLUSTER, nodegroups: 'none' }, env: jobEnv() })
    await granted
    expect(run.failure).toBeUndefined()
    expect(run.visibleLog).toMatch(/The API server answered 401; access entries can take a moment to apply, retrying\./)
    expect(run.visibleLog).toMatch(/The API server of 'live' is ready and accepts the CI role's token/)
    const reviews = plane.reviews.slice(reviewsBefore)
    expect(reviews[0]).toMatchObject({ authenticated: false, reason: `no access entry for ${ciRole}` })
    expect(reviews.at(-1)).toMatchObject({ authenticated: true, identity: { canonicalArn: ciRole, sessionName: 'gha-4242' } })
  })

  it('installs, then upgrades, a release with values that reach the cluster intact', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const first = await deploy(demoRelease('      LIST: "a,b,c"\n      DSN: "postgresql://u:p@ss,w=rd@db/x?a=1,b=2"\n'), {
      'helm-version': 'v3.19.0',
    })
    expectDeployed(first, 'demo', 'apps', 1)
    expect(await configMap('apps', 'demo-settings')).toEqual({ LIST: 'a,b,c', DSN: 'postgresql://u:p@ss,w=rd@db/x?a=1,b=2' })
    const deployment = (await plane.request('/apis/apps/v1/namespaces/apps/deployments/demo')).body as {
      status: { readyReplicas?: number }
    }
    expect(deployment.status.readyReplicas).toBe(1)
    expect(first.visibleLog).toContain("Installing release 'demo' in namespace 'apps' (helm v3.19).")

    const second = await deploy(demoRelease('      LIST: "d,e"\n'), { 'helm-version': 'v3.19.0' })
    expectDeployed(second, 'demo', 'apps', 2)
    expect(await configMap('apps', 'demo-settings')).toEqual({ LIST: 'd,e' })
    expect(second.visibleLog).toContain("Upgrading release 'demo' in namespace 'apps' (helm v3.19).")
  })

  it('rolls back a release a killed run left pending-upgrade, then upgrades it', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const before = await history('demo', 'apps')
    const lastGood = before.at(-1)?.revision ?? 0
    expect(before.at(-1)?.status).toBe('deployed')
    // A deploy whose pods can never be scheduled waits; killing helm then leaves the release pending-upgrade.
    await killHelmAt('pending-upgrade', 'demo', 'apps', ['upgrade', 'demo', chart, '--namespace', 'apps'])
    expect((await history('demo', 'apps')).at(-1)).toEqual(expect.objectContaining({ revision: lastGood + 1, status: 'pending-upgrade' }))

    const run = await deploy(demoRelease('      LIST: "after,repair"\n'), { 'helm-version': 'v3.19.0' })
    expect(run.failure).toBeUndefined()
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: `Release 'demo' was left pending-upgrade at revision ${lastGood + 1} by an interrupted run; rolling back to revision ${lastGood} before upgrading.`,
      }),
    )
    // Helm keeps the stuck revision's record as it was; the rollback and the upgrade come after it.
    expect((await history('demo', 'apps')).slice(-3)).toEqual([
      expect.objectContaining({ revision: lastGood + 1, status: 'pending-upgrade' }),
      expect.objectContaining({ revision: lastGood + 2, status: 'superseded', description: `Rollback to ${lastGood}` }),
      expect.objectContaining({ revision: lastGood + 3, status: 'deployed' }),
    ])
    expect(JSON.parse(run.outputs.releases ?? '')).toEqual([
      { name: 'demo', namespace: 'apps', revision: lastGood + 3, status: 'deployed', chart: 'demo-0.1.0' },
    ])
    expect(await configMap('apps', 'demo-settings')).toEqual({ LIST: 'after,repair' })
  })

  it('removes a first install a killed run left pending-install, then installs it again', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    await killHelmAt('pending-install', 'fresh', 'fresh', [
      'upgrade',
      '--install',
      'fresh',
      chart,
      '--namespace',
      'fresh',
      '--create-namespace',
    ])

    const run = await deploy(`- name: fresh\n  chart: ${chart}\n  namespace: fresh\n  timeout: 2m\n`, { 'helm-version': 'v3.19.0' })
    expect(run.failure).toBeUndefined()
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message:
          "Release 'fresh' was left pending-install at revision 1 with no earlier good revision; uninstalling it before installing again.",
      }),
    )
    expect(JSON.parse(run.outputs.releases ?? '')).toEqual([
      { name: 'fresh', namespace: 'fresh', revision: 1, status: 'deployed', chart: 'demo-0.1.0' },
    ])
  })

  it('rolls back an upgrade whose pods never become ready, leaving the last good revision running', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const before = await history('demo', 'apps')
    const lastGood = before.at(-1)?.revision ?? 0
    const valuesBefore = await configMap('apps', 'demo-settings')
    // Pods pinned to a node label no node has stay Pending, so --wait times out and --atomic rolls back.
    const run = await deploy(
      `- name: demo\n  chart: ${chart}\n  namespace: apps\n  timeout: 15s\n  values:\n    settings:\n      LIST: "never,ready"\n    nodeSelector:\n      nowhere: nowhere\n`,
      { 'helm-version': 'v3.19.0' },
    )
    // Helm says only that time ran out; the scheduler's event says why.
    expect(run.failure).toMatch(
      /^helm upgrade of release 'demo' exited with 1: Error: UPGRADE FAILED: release demo failed, and has been rolled back due to atomic being set: context deadline exceeded\. What kept the rollout from becoming ready: Deployment demo, pod demo-[a-z0-9-]+: Pending, Unschedulable: 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector.*; last events: FailedScheduling: 0\/1 nodes are available/,
    )
    expect((await history('demo', 'apps')).slice(-2)).toEqual([
      expect.objectContaining({ revision: lastGood + 1, status: 'failed' }),
      expect.objectContaining({ revision: lastGood + 2, status: 'deployed', description: `Rollback to ${lastGood}` }),
    ])
    expect(await configMap('apps', 'demo-settings')).toEqual(valuesBefore)
  })

  it('installs a chart by name and version from a chart repository that wants credentials, as the pipeline installs Airflow', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const password = 'repo-pass,w0rd'
    const repository = await startChartRepository({ charts: [chart], credentials: { username: 'charts', password } })
    const release = (secret: string) =>
      `- name: fromrepo\n  chart: demo\n  version: 0.1.0\n  repository: ${repository.url}\n  namespace: repo\n  timeout: 2m\n  repository-username: charts\n  repository-password: "${secret}"\n`
    try {
      const refused = await deploy(release('wrong'), { 'helm-version': 'v3.19.0' })
      expect(refused.failure).toMatch(
        new RegExp(`^helm repo add ${repository.url} exited with 1: .*${repository.url}/index.yaml : 401 Unauthorized\\.$`),
      )
      expect(refused.masks).toContain('wrong')

      const run = await deploy(release(password), { 'helm-version': 'v3.19.0' })
      expectDeployed(run, 'fromrepo', 'repo', 1)
      expect(run.masks).toContain(password)
      expect(run.visibleLog).not.toContain('repo-pass')
      // The index and the package, both with the credentials (helm sends them to the repository's own host).
      const fetched = repository.requests.filter((request) => request.authorized).map((request) => request.path)
      expect(new Set(fetched)).toEqual(new Set(['/index.yaml', '/demo-0.1.0.tgz']))
    } finally {
      await repository.stop()
    }
  })

  it('installs a chart from an OCI registry that wants credentials (as ECR holds charts), logging in with the password on stdin', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const tls = makeTlsFixture()
    const password = 'oci-pass,w0rd'
    const registry = await startRegistry({ username: 'charts', password, tls: { cert: tls.certPem, key: tls.keyPem, ca: tls.caPem } })
    // Helm (Go) trusts the roots in SSL_CERT_FILE: here the registry's test CA, as a runner's store would hold a real one.
    const caFile = join(helmHome, 'registry-ca.pem')
    await writeFile(caFile, tls.caPem)
    try {
      const packaged = await runHelm(['package', chart, '--destination', helmHome], { SSL_CERT_FILE: caFile })
      expect(packaged.code, packaged.stderr).toBe(0)
      const login = await runHelm(
        ['registry', 'login', registry.host, '--username', 'charts', '--password-stdin'],
        { SSL_CERT_FILE: caFile },
        password,
      )
      expect(login.code, login.stderr).toBe(0)
      const pushed = await runHelm(['push', join(helmHome, 'demo-0.1.0.tgz'), `oci://${registry.host}/charts`], { SSL_CERT_FILE: caFile })
      expect(pushed.code, pushed.stderr).toBe(0)

      const release = (secret: string) =>
        `- name: fromoci\n  chart: oci://${registry.host}/charts/demo\n  version: 0.1.0\n  namespace: oci\n  timeout: 2m\n  repository-username: charts\n  repository-password: "${secret}"\n`
      const deployFromRegistry = (secret: string) =>
        runAction('eks-wait-and-helm', {
          inputs: { 'cluster-name': CLUSTER, nodegroups: 'none', releases: release(secret), 'helm-version': 'v3.19.0' },
          env: { ...jobEnv(), SSL_CERT_FILE: caFile },
          timeoutMs: 300_000,
        })
      // The action's helm keeps its logins in a folder of its own: the test's login above does not help it.
      const refused = await deployFromRegistry('wrong')
      expect(refused.failure).toMatch(new RegExp(`^helm registry login ${registry.host} exited with 1: .*unauthorized`, 'i'))
      const run = await deployFromRegistry(password)
      expectDeployed(run, 'fromoci', 'oci', 1)
      expect(run.masks).toContain(password)
      expect(run.visibleLog).not.toContain('oci-pass')
    } finally {
      await registry.stop()
    }
  })

  // kube-apiserver remembers an accepted token for 10 s, and a token signed within the same second is
  // byte-identical (X-Amz-Date has second resolution): after changing the entry, let the clock tick so
  // the next tokens are new ones, judged by the entry now in force rather than by a cached answer.
  async function changeAccess(entry: Parameters<typeof plane.setAccess>[1]): Promise<void> {
    plane.setAccess(ciRole, entry)
    await new Promise((resolve) => setTimeout(resolve, 1100))
  }

  it('explains an access entry without the permissions to deploy', async () => {
    // Authenticated (so /readyz answers 200) but in no group RBAC grants anything.
    await changeAccess({ username: 'ci:{{SessionName}}', groups: [] })
    const run = await deploy(demoRelease('      A: "b"\n'), { 'helm-version': 'v3.19.0' })
    await changeAccess({ groups: ['system:masters'] })
    expect(run.visibleLog).toMatch(/The API server of 'live' is ready and accepts the CI role's token/)
    expect(run.failure).toMatch(
      /^helm list in namespace 'apps' failed: .*forbidden: User "ci:gha-4242" cannot list resource "secrets".*The CI role reaches the cluster but may not deploy: associate an access policy/,
    )
  })

  it('installs and upgrades with Helm 4', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const release = (value: string) =>
      `- name: demo4\n  chart: ${chart}\n  namespace: apps4\n  timeout: 2m\n  values:\n    settings:\n      V: "${value}"\n`
    const first = await deploy(release('one,1'), { 'helm-version': 'v4.3.1' })
    expect(first.failure).toBeUndefined()
    expect(first.visibleLog).toContain("Installing release 'demo4' in namespace 'apps4' (helm v4.3).")
    const second = await deploy(release('two,2'), { 'helm-version': 'v4.3.1' })
    expectDeployed(second, 'demo4', 'apps4', 2)
    expect(await configMap('apps4', 'demo4-settings')).toEqual({ V: 'two,2' })
  })

  it('uninstalls the releases in reverse order, skipping one that is not installed', async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    const releases = `- name: demo\n  chart: ${chart}\n  namespace: apps\n- name: fresh\n  chart: ${chart}\n  namespace: fresh\n- name: never-installed\n  chart: ${chart}\n- name: demo4\n  chart: ${chart}\n  namespace: apps4\n`
    const run = await deploy(releases, { mode: 'uninstall' })
    expect(run.failure).toBeUndefined()
    expect(
      JSON.parse(run.outputs.releases ?? '').map((release: { name: string; status: string }) => [release.name, release.status]),
    ).toEqual([
      ['demo4', 'uninstalled'],
      ['never-installed', 'not-installed'],
      ['fresh', 'uninstalled'],
      ['demo', 'uninstalled'],
    ])
    expect(await configMap('apps', 'demo-settings')).toBeUndefined()
    expect(await configMap('apps4', 'demo4-settings')).toBeUndefined()
    expect((await runHelm(['history', 'demo', '--namespace', 'apps'])).stderr).toMatch(/release: not found/)
  })
})

describe('plain manifests, kustomizations and local charts with dependencies, against the real API server', () => {
  let workspace: string
  let repository: Awaited<ReturnType<typeof startChartRepository>>

  beforeAll(async () => {
    plane.setAccess(ciRole, { groups: ['system:masters'] })
    repository = await startChartRepository({ charts: [chart] })
    // A consumer's checkout: manifests, a kustomize base, and a chart whose dependency comes from a chart repository.
    workspace = await mkdtemp(join(tmpdir(), 'live-manifests-'))
    await cp(join(repoRoot, 'test/fixtures/deploy'), join(workspace, 'deploy'), { recursive: true })
    await cp(join(repoRoot, 'test/fixtures/kustomize/base'), join(workspace, 'k8s/base'), { recursive: true })
    await cp(join(repoRoot, 'test/fixtures/charts/demo'), join(workspace, 'charts/demo'), { recursive: true })
    const chartFile = join(workspace, 'deploy/umbrella/Chart.yaml')
    await writeFile(chartFile, (await readFile(chartFile, 'utf8')).replace('REPOSITORY_URL', repository.url))
  }, 120_000)

  afterAll(async () => {
    await repository?.stop()
  })

  const list = `
- name: stack
  manifests: [deploy/app]
  namespace: stack
- name: crds
  manifests: deploy/crd.yaml
- name: umbrella
  chart: ./deploy/umbrella
  namespace: stack
  timeout: 2m
- name: widgets
  manifests: [deploy/widget.yaml]
  namespace: stack
- name: kz
  kustomization: k8s/base
  namespace: kz
`
  const run = (releases: string, mode = 'deploy') =>
    runAction('eks-wait-and-helm', {
      cwd: workspace,
      inputs: { 'cluster-name': CLUSTER, nodegroups: 'none', releases, mode, 'helm-version': 'v3.19.0', 'field-manager': 'data-team-ci' },
      env: jobEnv(),
      timeoutMs: 600_000,
    })
  const get = async (path: string) => {
    const response = await plane.request(path)
    return response.status === 200
      ? (response.body as {
          metadata: { labels?: Record<string, string>; managedFields?: { manager: string; operation: string }[] }
          data?: Record<string, string>
        })
      : undefined
  }

  it('a misspelt kind or a chart that does not render stops the list before its first entry is deployed, naming the entry', async () => {
    const typo = await run(
      `- name: first\n  manifests: deploy/crd.yaml\n- name: typo\n  manifests: deploy/misspelt-kind.yaml\n  namespace: typo\n`,
    )
    expect(typo.failure).toBe(
      "Manifests 'typo': Deploymnet 'typo' in deploy/misspelt-kind.yaml has apiVersion apps/v1, a kind this cluster does not serve and no CustomResourceDefinition in the list defines; nothing was deployed. Fix the kind or apiVersion, or deploy the CRD (or the chart that brings it) earlier in the list.",
    )
    const unrenderable = await run(
      `- name: first\n  manifests: deploy/crd.yaml\n- name: broken\n  chart: ./charts/demo\n  values-files: [charts/demo/values-unrenderable.yaml]\n`,
    )
    expect(unrenderable.failure).toMatch(
      /^Release 'broken': chart '\.\/charts\/demo' does not render with its values, so nothing was deployed: Error: execution error at \(demo\/templates\/configmap\.yaml:\d+:\d+\): logLevel is required\.$/,
    )
    expect(await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).toBeUndefined()
    expect(await get('/api/v1/namespaces/typo')).toBeUndefined()
  })

  it('deploys the list in order: manifests server-side with the owner label, a CRD then its objects, a chart after helm dependency build, a kustomization', async () => {
    const first = await run(list)
    expectReleases(first, [
      { name: 'stack', namespace: 'stack', revision: 0, status: 'applied', objects: 4 },
      { name: 'crds', namespace: 'default', revision: 0, status: 'applied', objects: 1 },
      { name: 'umbrella', namespace: 'stack', revision: 1, status: 'deployed', chart: 'umbrella-0.1.0' },
      { name: 'widgets', namespace: 'stack', revision: 0, status: 'applied', objects: 1 },
      { name: 'kz', namespace: 'kz', revision: 0, status: 'applied', objects: 2 },
    ])
    expect(first.visibleLog).toContain("Built the dependencies of chart './deploy/umbrella' (helm dependency build).")
    expect(await readdir(join(workspace, 'deploy/umbrella/charts'))).toEqual(['demo-0.1.0.tgz'])
    // The dependency's values came through the umbrella chart.
    expect((await get('/api/v1/namespaces/stack/configmaps/umbrella-settings'))?.data).toEqual({ FROM: 'umbrella' })

    const deployment = await get('/apis/apps/v1/namespaces/stack/deployments/api')
    expect(deployment?.metadata.labels).toMatchObject({ 'pipeline-actions/deployment': 'stack' })
    expect(deployment?.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'data-team-ci', operation: 'Apply' }))
    expect(await get('/apis/autoscaling/v2/namespaces/stack/horizontalpodautoscalers/api')).toBeDefined()
    // No namespace in the file: the entry's.
    expect((await get('/api/v1/namespaces/stack/configmaps/api-settings'))?.data).toEqual({ MODE: 'plain-manifests' })
    expect((await get('/apis/example.com/v1/namespaces/stack/widgets/first'))?.metadata.labels).toMatchObject({
      'pipeline-actions/deployment': 'widgets',
    })
    // The kustomization's namePrefix applied, in a namespace created for it (not labelled: it is never deleted).
    expect((await get('/apis/apps/v1/namespaces/kz/deployments/kz-api'))?.metadata.labels).toMatchObject({
      'pipeline-actions/deployment': 'kz',
    })
    expect((await get('/api/v1/namespaces/kz'))?.metadata.labels?.['pipeline-actions/deployment']).toBeUndefined()

    const again = await run(list)
    expect(again.failure).toBeUndefined()
    expect(JSON.parse(again.outputs.releases ?? '').map((entry: { status: string }) => entry.status)).toEqual([
      'applied',
      'applied',
      'deployed',
      'applied',
      'applied',
    ])
  })

  it('uninstalls in reverse order, deleting every object that carries an entry label, wherever it is', async () => {
    const removed = await run(list, 'uninstall')
    expectReleases(removed, [
      { name: 'kz', namespace: 'kz', revision: 0, status: 'deleted', objects: 2 },
      { name: 'widgets', namespace: 'stack', revision: 0, status: 'deleted', objects: 1 },
      { name: 'umbrella', namespace: 'stack', revision: 2, status: 'uninstalled', chart: 'umbrella-0.1.0' },
      { name: 'crds', namespace: 'default', revision: 0, status: 'deleted', objects: 1 },
      { name: 'stack', namespace: 'stack', revision: 0, status: 'deleted', objects: 4 },
    ])
    expect(await get('/apis/apps/v1/namespaces/kz/deployments/kz-api')).toBeUndefined()
    expect(await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).toBeUndefined()
    expect(await get('/api/v1/namespaces/stack')).toBeUndefined()
    // The namespace the action created for kz stays.
    expect(await get('/api/v1/namespaces/kz')).toBeDefined()

    const nothingLeft = await run(list, 'uninstall')
    expect(nothingLeft.failure).toBeUndefined()
    expect(JSON.parse(nothingLeft.outputs.releases ?? '').map((entry: { status: string }) => entry.status)).toEqual([
      'not-installed',
      'not-installed',
      'not-installed',
      'not-installed',
      'not-installed',
    ])
  })
})
