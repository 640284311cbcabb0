import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ControlPlane } from '../../bench/control-plane'
import { pullRequestOnFakeApi } from '../../bench/github-api'
import { runAction } from '../../harness/runner'
import { CI_ROLE, type LiveCluster, startLiveCluster } from './live-cluster-bench'

/**
 * The dry run (mode: diff) and the rollout report, through the committed
 * bundle against the bench's real control plane (kube-apiserver, scheduler,
 * controller manager, kwok's node), with real helm and kubectl, the EKS
 * token webhook mapping the CI role, and DescribeCluster answered through
 * the fault proxy in front of moto with that API server's endpoint.
 */

const CLUSTER = 'live-diff'
const ciRole = CI_ROLE

let plane: ControlPlane
let live: LiveCluster

beforeAll(async () => {
  live = await startLiveCluster(CLUSTER, 'gha-diff')
  plane = live.plane
  plane.setAccess(ciRole, { groups: ['system:masters'] })
}, 300_000)

afterAll(async () => {
  await live?.stop()
})

const jobEnv = (extra: Record<string, string> = {}) => live.jobEnv(extra)

const action = (releases: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}, cwd?: string) =>
  runAction('eks-wait-and-helm', {
    ...(cwd ? { cwd } : {}),
    inputs: { 'cluster-name': CLUSTER, nodegroups: 'none', 'helm-version': 'v3.19.0', releases, ...inputs },
    env: jobEnv(env),
    timeoutMs: 300_000,
  })

/** Every object's resourceVersion in the namespaces, and each release's revisions: what "nothing changed" means. */
async function clusterState(namespaces: string[]): Promise<Record<string, string>> {
  const state: Record<string, string> = {}
  const kinds = ['api/v1/configmaps', 'api/v1/secrets', 'apis/apps/v1/deployments', 'apis/apps/v1/replicasets', 'api/v1/pods']
  for (const namespace of namespaces) {
    for (const kind of kinds) {
      const [prefix, ...rest] = kind.split('/')
      const path = `/${prefix}/${rest.slice(0, -1).join('/')}/namespaces/${namespace}/${rest.at(-1)}`
      const response = await plane.request(path)
      const items = (response.body as { items?: { metadata: { name: string; resourceVersion: string } }[] }).items ?? []
      for (const item of items) state[`${kind} ${namespace}/${item.metadata.name}`] = item.metadata.resourceVersion
    }
  }
  const namespaces_ = await plane.request('/api/v1/namespaces')
  for (const item of (namespaces_.body as { items: { metadata: { name: string; resourceVersion: string } }[] }).items) {
    state[`namespace ${item.metadata.name}`] = item.metadata.resourceVersion
  }
  return state
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

describe('mode: diff against a real API server', () => {
  const pr = pullRequestOnFakeApi({ pull_request: { number: 7 } })
  let workspace: string

  beforeAll(async () => {
    // A consumer's checkout with a chart and a plain manifest beside it.
    workspace = await mkdtemp(join(tmpdir(), 'live-diff-'))
    const { cp } = await import('node:fs/promises')
    await cp(join(process.cwd(), 'test/fixtures/charts/rollout-demo'), join(workspace, 'chart'), { recursive: true })
    await writeFile(join(workspace, 'limits.yaml'), configMapYaml('10'))
  })

  const configMapYaml = (max: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: limits\ndata:\n  max: "${max}"\n`
  const entries = (greeting: string, password: string) => `
- name: shop
  chart: ./chart
  namespace: diffs
  timeout: 2m
  values:
    greeting: ${greeting}
    password: ${password}
- name: limits
  manifests: limits.yaml
  namespace: diffs
`
  const prEnv = () => ({
    ...pr.env(),
    GITHUB_REPOSITORY: 'acme/data',
    GITHUB_SHA: 'abcdef1234567',
    GITHUB_RUN_ID: '99',
    GITHUB_SERVER_URL: 'https://github.example',
  })

  it('shows what a deploy would change, Secret values redacted, in the summary and one pull request comment, changing nothing', async () => {
    const deployed = await action(entries('hello', 'first-pa55word'), {}, {}, workspace)
    expect(deployed.failure, deployed.failure).toBeUndefined()
    await writeFile(join(workspace, 'limits.yaml'), configMapYaml('20'))
    const before = await clusterState(['diffs'])

    const diff = await action(entries('bonjour', 'second-pa55word'), { mode: 'diff', 'github-token': 'ghs_difftoken' }, prEnv(), workspace)
    expect(diff.failure, diff.failure).toBeUndefined()
    expect(await clusterState(['diffs'])).toEqual(before)
    expect(diff.outputs.changed).toBe('true')
    expect(JSON.parse(diff.outputs.releases ?? '')).toEqual([
      { name: 'shop', namespace: 'diffs', revision: 1, status: 'changes', add: 0, change: 2, remove: 0 },
      { name: 'limits', namespace: 'diffs', revision: 0, status: 'changes', add: 0, change: 1, remove: 0 },
    ])
    // The ConfigMap's change from the chart, the manifest's through the server's dry run, and the Secret's key marked changed.
    expect(diff.summary).toContain('-  greeting: hello\n+  greeting: bonjour')
    expect(diff.summary).toContain('-  max: "10"\n+  max: "20"')
    expect(diff.summary).toContain('-  password: (redacted)\n+  password: (redacted, changed)')
    expect(diff.summary).toMatch(/user: \(redacted\)/)
    const comments = pr.api().comments.get(7) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toMatch(/^<!-- eks-wait-and-helm cluster="live-diff" region="us-east-1" -->/)
    expect(comments[0]?.body).toContain('+  greeting: bonjour')
    expect(comments[0]?.body).toMatch(/\[Run 99\]\(https:\/\/github\.example\/acme\/data\/actions\/runs\/99[/)]/)
    // The runner is told to mask the token (its ::add-mask:: line); nothing else may carry it or a Secret value.
    expect(diff.masks).toContain('ghs_difftoken')
    const log = diff.stdout.replace(/^::add-mask::.*$/gm, '')
    for (const text of [diff.summary, log, diff.stderr, comments[0]?.body ?? '']) {
      for (const secret of [
        'first-pa55word',
        'second-pa55word',
        base64('first-pa55word'),
        base64('second-pa55word'),
        base64('app'),
        'ghs_difftoken',
      ]) {
        expect(text).not.toContain(secret)
      }
    }

    // The same values as deployed: no changes, and the comment is edited rather than a second one added.
    await writeFile(join(workspace, 'limits.yaml'), configMapYaml('10'))
    const same = await action(entries('hello', 'first-pa55word'), { mode: 'diff', 'github-token': 'ghs_difftoken' }, prEnv(), workspace)
    expect(same.failure, same.failure).toBeUndefined()
    expect(same.outputs.changed).toBe('false')
    expect(same.summary).toContain('**No changes.**')
    expect(pr.api().comments.get(7)).toHaveLength(1)
    expect(pr.api().comments.get(7)?.[0]?.body).toContain('**No changes.**')
    expect(await clusterState(['diffs'])).toEqual(before)
  }, 600_000)

  it('shows a release that is not installed, and a manifests entry in a namespace that does not exist yet, as added', async () => {
    const before = await clusterState([])
    const fresh = entries('hi', 'x').replaceAll('namespace: diffs', 'namespace: fresh').replace('name: shop', 'name: newshop')
    const diff = await action(fresh, { mode: 'diff', 'github-token': '' }, {}, workspace)
    expect(diff.failure, diff.failure).toBeUndefined()
    expect(JSON.parse(diff.outputs.releases ?? '')).toEqual([
      { name: 'newshop', namespace: 'fresh', revision: 0, status: 'changes', add: 3, change: 0, remove: 0 },
      { name: 'limits', namespace: 'fresh', revision: 0, status: 'changes', add: 1, change: 0, remove: 0 },
    ])
    expect(diff.summary).toContain("namespace 'fresh' does not exist yet")
    expect(await clusterState([])).toEqual(before)
    expect((await plane.request('/api/v1/namespaces/fresh')).status).toBe(404)
  }, 300_000)

  it('refuses mode diff with no releases in one line', async () => {
    const run = await action('', { mode: 'diff' })
    expect(run.exitCode).not.toBe(0)
    expect(run.failure).toBe("Input 'mode' diff compares the 'releases' with the cluster: list at least one release or manifests entry.")
  })
})

interface PodView {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> }
  spec: { nodeName?: string }
  status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] }
}

/**
 * The kubelet of a node no simulator runs: reports the pods bound to it as
 * unable to pull their image, with the event a kubelet writes, as a real node
 * does for an image that does not exist (kwok, the bench's node, pulls
 * nothing and would report them running).
 */
function playKubeletThatCannotPull(namespace: string, node: string): () => void {
  let running = true
  const reported = new Set<string>()
  const loop = (async () => {
    while (running) {
      const pods = ((await plane.request(`/api/v1/namespaces/${namespace}/pods`)).body as { items?: PodView[] }).items ?? []
      for (const pod of pods.filter((candidate) => candidate.spec.nodeName === node)) {
        if (pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff') continue
        const status = {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
          ],
          containerStatuses: [
            {
              name: 'web',
              image: 'registry.invalid/web:1',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/web:1"' } },
            },
          ],
        }
        await plane.request(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`, { method: 'PUT', body: { ...pod, status } })
        if (reported.has(pod.metadata.uid)) continue
        reported.add(pod.metadata.uid)
        const now = new Date().toISOString()
        await plane.request(`/api/v1/namespaces/${namespace}/events`, {
          method: 'POST',
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { generateName: `${pod.metadata.name}.`, namespace },
            involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace, uid: pod.metadata.uid, apiVersion: 'v1' },
            reason: 'Failed',
            message: 'Failed to pull image "registry.invalid/web:1": not found',
            type: 'Warning',
            source: { component: 'kubelet', host: node },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  })()
  return () => {
    running = false
    void loop
  }
}

describe('rollout reporting against a real API server', () => {
  const chart = './test/fixtures/charts/rollout-demo'
  const release = (name: string, namespace: string, values: string, extra = '') =>
    `- name: ${name}\n  chart: ${chart}\n  namespace: ${namespace}\n  timeout: 20s\n${extra}  values:\n${values}`
  const errorAnnotations = (run: Awaited<ReturnType<typeof action>>) => run.annotations.filter((annotation) => annotation.level === 'error')

  it('names the Deployment pod that cannot pull its image, and its last event, though the atomic rollback deleted it', async () => {
    await plane.request('/api/v1/nodes', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'quiet-node', labels: { 'kubernetes.io/hostname': 'quiet-node' } } },
    })
    const stop = playKubeletThatCannotPull('pulls', 'quiet-node')
    try {
      const run = await action(release('pull', 'pulls', '    image: registry.invalid/web:1\n    nodeName: quiet-node\n'))
      expect(run.exitCode).not.toBe(0)
      expect(run.failure).toMatch(
        /^helm upgrade of release 'pull' exited with 1: .*What kept the rollout from becoming ready: Deployment pull-web, pod pull-web-[a-z0-9]+-[a-z0-9]+: container web: ImagePullBackOff: Back-off pulling image "registry\.invalid\/web:1"; last events: Failed: Failed to pull image "registry\.invalid\/web:1": not found/,
      )
      expect(errorAnnotations(run)).toHaveLength(1)
      expect(run.summary).toMatch(/### Rollout of release `pull` failed \(namespace `pulls`\)/)
      expect(run.summary).toMatch(
        /\| Deployment pull-web \| pull-web-[a-z0-9-]+ \| container web: ImagePullBackOff: .* \| Failed: Failed to pull image/,
      )
    } finally {
      stop()
    }
    // atomic removed the failed first install: the pod the error names is being deleted (no kubelet on that node confirms it).
    const left = (
      (await plane.request('/api/v1/namespaces/pulls/pods')).body as { items: { metadata: { name: string; deletionTimestamp?: string } }[] }
    ).items
    expect(left.every((pod) => pod.metadata.deletionTimestamp)).toBe(true)
    for (const pod of left)
      await plane.request(`/api/v1/namespaces/pulls/pods/${pod.metadata.name}?gracePeriodSeconds=0`, { method: 'DELETE' })
    await plane.request('/api/v1/nodes/quiet-node', { method: 'DELETE' })
  }, 300_000)

  it('names the unschedulable StatefulSet and Deployment pods, with the scheduler event, when the release is not rolled back', async () => {
    const values = '    statefulset: true\n    daemonset: true\n    nodeSelector:\n      nowhere: nowhere\n'
    const run = await action(release('pend', 'pending', values, '  atomic: false\n'))
    expect(run.exitCode).not.toBe(0)
    expect(run.failure).toMatch(
      /StatefulSet pend-db, pod pend-db-0: Pending, Unschedulable: 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector.*; last events: FailedScheduling: 0\/1 nodes are available/,
    )
    expect(run.failure).toMatch(/Deployment pend-web, pod pend-web-[a-z0-9-]+: Pending, Unschedulable/)
    // The DaemonSet's pod runs on the node: it is no problem and not named.
    expect(run.failure).not.toMatch(/DaemonSet/)
    expect(errorAnnotations(run)).toHaveLength(1)
  }, 300_000)

  it('names a failed hook Job and why it failed', async () => {
    const values = '    hookJob: true\n    hookDeadlineSeconds: 3\n    hookNodeSelector:\n      nowhere: nowhere\n'
    const run = await action(release('hooked', 'hooks', values, '  atomic: false\n'))
    expect(run.exitCode).not.toBe(0)
    expect(run.failure).toMatch(
      /hook Job hooked-migrate.*(failed, DeadlineExceeded: Job was active longer than specified deadline|Pending, Unschedulable)/,
    )
    expect(errorAnnotations(run)).toHaveLength(1)
    expect(run.summary).toMatch(/\| hook Job hooked-migrate \|/)
  }, 300_000)
})
