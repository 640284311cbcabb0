import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { helmCli } from '../../../actions/eks-wait-and-helm/src/helm/cli'
import { deployReleases, type HelmContext, uninstallReleases } from '../../../actions/eks-wait-and-helm/src/helm/deploy'
import { parseReleases } from '../../../actions/eks-wait-and-helm/src/releases'
import { isUserError, userMessage } from '../../../lib/errors'
import type { ExecResult } from '../../../lib/exec'
import { FakeHelm } from './fake-helm'

/** Makes every helm command answer by its subcommand (args[0]); '*' answers the rest. */
function answerHelm(context: HelmContext, answers: Record<string, ExecResult> & { '*': ExecResult }): void {
  context.helm = { ...context.helm, run: async (args) => answers[args[0] ?? ''] ?? answers['*'] }
}

async function setup(major = 3) {
  const fake = new FakeHelm()
  const workDir = await mkdtemp(join(tmpdir(), 'helm-work-'))
  const workspace = await mkdtemp(join(tmpdir(), 'workspace-'))
  await writeFile(join(workspace, 'base.yaml'), 'replicaCount: 2\n')
  const lines: string[] = []
  const warnings: string[] = []
  const context: HelmContext = {
    helm: helmCli({
      path: '/tools/helm',
      major,
      version: major === 3 ? 'v3.19.0' : 'v4.0.0',
      kubeconfig: '/tmp/any.kubeconfig',
      stateDir: workDir,
      cwd: workspace,
      exec: fake.exec,
      env: { PATH: '/usr/bin', HELM_KUBECONTEXT: 'someone-else', HELM_NAMESPACE: 'kube-system', AWS_REGION: 'us-east-1' },
    }),
    workDir,
    workspace,
    log: (line) => lines.push(line),
    warn: (line) => warnings.push(line),
  }
  return { fake, context, lines, warnings, workDir, workspace }
}

const demo = (extra = '') => parseReleases(`- name: demo\n  chart: ./charts/demo\n  namespace: apps\n${extra}`)

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(isUserError(error)).toBe(true)
  return userMessage(error as never)
}

describe('deployReleases', () => {
  it('installs a new release with values as files, then reports its revision', async () => {
    const { fake, context, workDir } = await setup()
    const releases = demo(
      '  values-files: [base.yaml]\n  values:\n    settings:\n      list: "a,b,c"\n      dsn: "postgres://u:p@db/x?a=1,b=2"\n',
    )
    const results = await deployReleases(releases, context)
    expect(results).toEqual([{ name: 'demo', namespace: 'apps', revision: 1, status: 'deployed', chart: 'demo-0.1.0' }])
    // Rendered first, before anything is deployed; then the namespace's list decides install or upgrade, and is read again for the revisions.
    expect(fake.commands()).toEqual(['template demo', 'list --namespace', 'upgrade --install', 'list --namespace'])
    const upgrade = fake.calls[2]
    const inline = join(workDir, 'values-0-demo.yaml')
    expect(upgrade?.args).toEqual([
      'upgrade',
      '--install',
      'demo',
      './charts/demo',
      '--namespace',
      'apps',
      '--create-namespace',
      '--timeout',
      '600s',
      '--values',
      'base.yaml',
      '--values',
      inline,
      '--wait',
      '--atomic',
    ])
    expect(parse(await readFile(inline, 'utf8'))).toEqual({ settings: { list: 'a,b,c', dsn: 'postgres://u:p@db/x?a=1,b=2' } })
    expect((await stat(inline)).mode & 0o777).toBe(0o600)
    expect(JSON.stringify(fake.calls.map((call) => call.args))).not.toContain('postgres://')
  })

  it('runs helm with the given kubeconfig, a private state folder and the workspace as working directory', async () => {
    const { fake, context, workDir, workspace } = await setup()
    await deployReleases(demo(), context)
    const { env, cwd } = fake.calls[0] ?? { env: {} as NodeJS.ProcessEnv, cwd: undefined }
    expect(cwd).toBe(workspace)
    expect(env).toMatchObject({
      KUBECONFIG: '/tmp/any.kubeconfig',
      HELM_REPOSITORY_CONFIG: join(workDir, 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: join(workDir, 'repository-cache'),
      HELM_REGISTRY_CONFIG: join(workDir, 'registry.json'),
      AWS_REGION: 'us-east-1',
    })
    expect(env.HELM_KUBECONTEXT).toBeUndefined()
    expect(env.HELM_NAMESPACE).toBeUndefined()
  })

  it('rolls back a release a killed run left pending-upgrade, then upgrades it', async () => {
    const { fake, context, warnings } = await setup()
    fake.seed('apps', 'demo', [
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'deployed' },
      { revision: 3, status: 'pending-upgrade' },
    ])
    const results = await deployReleases(demo(), context)
    // Only a stuck release needs its whole history: the revision to return to.
    expect(fake.commands()).toEqual([
      'template demo',
      'list --namespace',
      'history demo',
      'rollback demo',
      'upgrade --install',
      'list --namespace',
    ])
    expect(fake.calls[3]?.args).toEqual(['rollback', 'demo', '2', '--namespace', 'apps', '--timeout', '600s', '--wait'])
    expect(warnings).toEqual([
      "Release 'demo' was left pending-upgrade at revision 3 by an interrupted run; rolling back to revision 2 before upgrading.",
    ])
    expect(results[0]).toMatchObject({ revision: 5, status: 'deployed' })
  })

  it('without the repair, the same history makes helm refuse the upgrade', async () => {
    const { fake } = await setup()
    fake.seed('apps', 'demo', [{ revision: 1, status: 'pending-upgrade' }])
    const result = await fake.exec('helm', ['upgrade', '--install', 'demo', './c', '--namespace', 'apps'])
    expect(result.stderr).toMatch(/another operation \(install\/upgrade\/rollback\) is in progress/)
  })

  it('uninstalls a first install left pending-install, then installs again', async () => {
    const { fake, context, warnings } = await setup()
    fake.seed('apps', 'demo', [{ revision: 1, status: 'pending-install' }])
    const results = await deployReleases(demo(), context)
    expect(fake.commands()).toEqual([
      'template demo',
      'list --namespace',
      'history demo',
      'uninstall demo',
      'upgrade --install',
      'list --namespace',
    ])
    expect(warnings[0]).toMatch(/left pending-install at revision 1 with no earlier good revision; uninstalling it/)
    expect(results[0]).toMatchObject({ revision: 1, status: 'deployed' })
  })

  it('upgrades a deployed release in place', async () => {
    const { fake, context, lines } = await setup()
    fake.seed('apps', 'demo', [{ revision: 1, status: 'deployed' }])
    expect((await deployReleases(demo(), context))[0]).toMatchObject({ revision: 2, status: 'deployed' })
    expect(lines).toContain("Upgrading release 'demo' in namespace 'apps' (helm v3.19.0).")
  })

  it('lists each namespace once for all its releases, whatever their number', async () => {
    const { fake, context } = await setup()
    fake.seed('apps', 'web.v2', [{ revision: 3, status: 'deployed', chart: 'demo-0.1.0' }])
    fake.seed('apps', 'webxv2', [{ revision: 9, status: 'deployed', chart: 'demo-0.1.0' }])
    const releases = parseReleases(
      '- name: web.v2\n  chart: ./a\n  namespace: apps\n- name: api\n  chart: ./b\n  namespace: apps\n- name: jobs\n  chart: ./c\n  namespace: batch\n',
    )
    const results = await deployReleases(releases, context)
    expect(results.map((result) => [result.name, result.revision])).toEqual([
      ['web.v2', 4],
      ['api', 1],
      ['jobs', 1],
    ])
    const lists = fake.calls.filter((call) => call.args[0] === 'list').map((call) => call.args.slice(1))
    // Before and after the deploys, one per namespace; the dot is escaped, so 'webxv2' is not taken for 'web.v2'.
    expect(lists).toEqual([
      ['--namespace', 'apps', '--all', '--filter', '^(web\\.v2|api)$', '--output', 'json'],
      ['--namespace', 'batch', '--all', '--filter', '^(jobs)$', '--output', 'json'],
      ['--namespace', 'apps', '--all', '--filter', '^(web\\.v2|api)$', '--output', 'json'],
      ['--namespace', 'batch', '--all', '--filter', '^(jobs)$', '--output', 'json'],
    ])
    expect(fake.commands().filter((command) => command.startsWith('history'))).toEqual([])
  })

  it('uses the Helm 4 flags with Helm 4', async () => {
    const { fake, context } = await setup(4)
    fake.seed('apps', 'demo', [
      { revision: 1, status: 'deployed' },
      { revision: 2, status: 'pending-upgrade' },
    ])
    await deployReleases(demo(), context)
    expect(fake.calls[3]?.args.at(-1)).toBe('--wait=watcher')
    expect(fake.calls[4]?.args.slice(-2)).toEqual(['--wait=watcher', '--rollback-on-failure'])
  })

  it('adds a repository once with the password on stdin, and logs in to an OCI registry once per host', async () => {
    const { fake, context } = await setup()
    const releases = parseReleases(`
- name: one
  chart: airflow
  repository: https://charts.example.com
  repository-username: bot
  repository-password: s3cret-repo
- name: two
  chart: other
  repository: https://charts.example.com
  repository-username: bot
  repository-password: s3cret-repo
- name: three
  chart: oci://registry.example.com:5000/charts/demo
  version: "0.1.0"
  repository-username: robot
  repository-password: s3cret-oci
- name: four
  chart: oci://registry.example.com:5000/charts/other
  repository-username: robot
  repository-password: s3cret-oci
`)
    await deployReleases(releases, context)
    const setupCalls = fake.calls.filter((call) => call.args[0] === 'repo' || call.args[0] === 'registry')
    expect(setupCalls.map((call) => [call.args, call.input])).toEqual([
      [['repo', 'add', 'repo1', 'https://charts.example.com', '--force-update', '--username', 'bot', '--password-stdin'], 's3cret-repo'],
      [['registry', 'login', 'registry.example.com:5000', '--username', 'robot', '--password-stdin'], 's3cret-oci'],
    ])
    const upgrades = fake.calls.filter((call) => call.args[0] === 'upgrade').map((call) => call.args[3])
    expect(upgrades).toEqual([
      'repo1/airflow',
      'repo1/other',
      'oci://registry.example.com:5000/charts/demo',
      'oci://registry.example.com:5000/charts/other',
    ])
    expect(JSON.stringify(fake.calls.map((call) => call.args))).not.toMatch(/s3cret/)
  })

  it('adds a public repository without credentials', async () => {
    const { fake, context } = await setup()
    await deployReleases(parseReleases('- name: a\n  chart: airflow\n  repository: https://airflow.apache.org\n'), context)
    expect(fake.calls[0]?.args).toEqual(['repo', 'add', 'repo1', 'https://airflow.apache.org', '--force-update'])
    expect(fake.calls[0]?.input).toBeUndefined()
  })

  it.each([
    [
      'a failed upgrade names the release and helm’s last error line',
      (fake: FakeHelm) => fake.failUpgrade.add('demo'),
      /^helm upgrade of release 'demo' exited with 1: helm\.go:92: \[debug\] timed out waiting for the condition\.$/,
    ],
    [
      'an unreachable cluster while listing the releases',
      (fake: FakeHelm) => {
        fake.historyFailure = 'Error: Kubernetes cluster unreachable: Get "https://x/version": dial tcp: connection refused'
      },
      /^helm list in namespace 'apps' failed: Error: Kubernetes cluster unreachable/,
    ],
    [
      'a role RBAC refuses, with what to grant',
      (fake: FakeHelm) => {
        fake.historyFailure =
          'Error: query: failed to query with labels: secrets is forbidden: User "ci" cannot list resource "secrets" in API group "" in the namespace "apps"'
      },
      /cannot list resource "secrets".*\. The CI role reaches the cluster but may not deploy: associate an access policy/,
    ],
  ])('%s', async (_name, arrange, message) => {
    const { fake, context } = await setup()
    arrange(fake)
    expect(await failure(deployReleases(demo(), context))).toMatch(message)
  })

  it('a silent command that fails shows its output', async () => {
    const { context } = await setup()
    answerHelm(context, {
      repo: { exitCode: 1, stdout: '', stderr: 'Error: looks like "https://x" is not a valid chart repository\n' },
      '*': { exitCode: 0, stdout: '[]', stderr: '' },
    })
    const message = await failure(deployReleases(parseReleases('- name: a\n  chart: c\n  repository: https://x\n'), context))
    expect(message).toBe('helm repo add https://x exited with 1: Error: looks like "https://x" is not a valid chart repository.')
  })

  it('a helm stopped by a signal says so', async () => {
    const { context } = await setup()
    answerHelm(context, {
      template: { exitCode: 0, stdout: '', stderr: '' },
      list: { exitCode: 0, stdout: '[]', stderr: '' },
      '*': { exitCode: 143, signal: 'SIGTERM', stdout: '', stderr: '' },
    })
    expect(await failure(deployReleases(demo(), context))).toBe("helm upgrade of release 'demo' was stopped by SIGTERM.")
  })

  it('explains an upgrade that timed out waiting with the Warning events of its namespace since it began', async () => {
    const { fake, context } = await setup()
    fake.failUpgrade.add('demo')
    const asked: [string, number][] = []
    const before = Date.now()
    context.warningsSince = async (namespace, sinceMs) => {
      asked.push([namespace, sinceMs])
      return ["Pod demo-1: FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector"]
    }
    expect(await failure(deployReleases(demo(), context))).toBe(
      "helm upgrade of release 'demo' exited with 1: helm.go:92: [debug] timed out waiting for the condition. Warnings in namespace 'apps' meanwhile: Pod demo-1: FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
    )
    const after = Date.now()
    // From a little before the upgrade began: event times are the API server's, in whole seconds.
    expect(asked).toEqual([['apps', expect.any(Number)]])
    expect(asked[0]?.[1]).toBeGreaterThanOrEqual(before - 5000)
    expect(asked[0]?.[1]).toBeLessThanOrEqual(after - 5000)
  })

  it('does not look for events when the upgrade did not wait, or when there are none', async () => {
    const { fake, context } = await setup()
    fake.failUpgrade.add('demo')
    let asked = 0
    context.warningsSince = async () => {
      asked++
      return []
    }
    expect(await failure(deployReleases(demo('  wait: false\n  atomic: false\n'), context))).toBe(
      "helm upgrade of release 'demo' exited with 1: helm.go:92: [debug] timed out waiting for the condition.",
    )
    expect(asked).toBe(0)
    expect(await failure(deployReleases(demo(), context))).toMatch(/condition\.$/)
    expect(asked).toBe(1)
  })

  it('a chart that does not render stops the list before its first entry is deployed, naming the release', async () => {
    const { fake, context } = await setup()
    fake.templateFailure =
      'Error: template: demo/templates/configmap.yaml:4:3: executing "demo/templates/configmap.yaml" at <required>: settings is required'
    const list = parseReleases('- name: first\n  chart: ./charts/demo\n- name: second\n  chart: ./charts/demo\n  namespace: apps\n')
    expect(await failure(deployReleases(list, context))).toBe(
      "Release 'first': chart './charts/demo' does not render with its values, so nothing was deployed: Error: template: demo/templates/configmap.yaml:4:3: executing \"demo/templates/configmap.yaml\" at <required>: settings is required.",
    )
    expect(fake.commands()).toEqual(['template first'])
  })

  it('refuses a values file that does not exist, before running helm upgrade', async () => {
    const { fake, context } = await setup()
    expect(await failure(deployReleases(demo('  values-files: [missing.yaml]\n'), context))).toBe(
      "Values file 'missing.yaml' of release 'demo' does not exist; paths are relative to the workspace.",
    )
    expect(fake.commands()).not.toContain('upgrade --install')
  })

  it.each([
    ['an absolute path', '/etc/passwd'],
    ['a path through ..', '../../../../etc/passwd'],
  ])('refuses a values file out of the workspace (%s), before running helm: helm would print what it cannot parse', async (_name, path) => {
    const { fake, context } = await setup()
    expect(await failure(deployReleases(demo(`  values-files: ['${path}']\n`), context))).toMatch(
      /^Input 'releases' must name a path inside the workspace; '.+' leads outside it/,
    )
    expect(fake.commands()).not.toContain('upgrade --install')
  })

  it('accepts an absolute values file path', async () => {
    const { fake, context, workspace } = await setup()
    await deployReleases(demo(`  values-files: ['${join(workspace, 'base.yaml')}']\n`), context)
    expect(fake.calls[2]?.args).toContain(join(workspace, 'base.yaml'))
  })
})

describe('uninstallReleases', () => {
  it('uninstalls in reverse order and skips releases that are not installed', async () => {
    const { fake, context, lines } = await setup()
    fake.seed('apps', 'first', [{ revision: 4, status: 'deployed', chart: 'demo-0.1.0' }])
    const releases = parseReleases(
      '- name: first\n  chart: ./a\n  namespace: apps\n- name: second\n  chart: ./b\n  namespace: apps\n  wait: false\n',
    )
    const results = await uninstallReleases(releases, context)
    expect(results).toEqual([
      { name: 'second', namespace: 'apps', revision: 0, status: 'not-installed' },
      { name: 'first', namespace: 'apps', revision: 4, status: 'uninstalled', chart: 'demo-0.1.0' },
    ])
    expect(fake.commands()).toEqual(['list --namespace', 'uninstall first'])
    expect(fake.calls[1]?.args).toEqual(['uninstall', 'first', '--namespace', 'apps', '--timeout', '600s', '--wait'])
    expect(lines[0]).toBe("Release 'second' is not installed in namespace 'apps'; nothing to uninstall.")
    expect(fake.releases.size).toBe(0)
  })
})
