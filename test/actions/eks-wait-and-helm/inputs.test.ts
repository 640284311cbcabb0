import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseFieldManager, parseInputs, parseNodegroups } from '../../../actions/eks-wait-and-helm/src/inputs'
import { type ManifestSet, parseReleases, type Release } from '../../../actions/eks-wait-and-helm/src/releases'
import { isUserError } from '../../../lib/errors'
import type { ReadInput } from '../../../lib/inputs'
import { repoRoot } from '../../harness/runner'

/** The inputs as parseInputs reads them: cluster-name set, the ones given, every other one empty. */
const raw =
  (overrides: Record<string, string> = {}): ReadInput =>
  (name) =>
    ({ 'cluster-name': 'data-dev', ...overrides })[name] ?? ''

function thrown(body: () => unknown): Error {
  try {
    body()
  } catch (error) {
    expect(isUserError(error)).toBe(true)
    expect((error as Error).message).not.toContain('\n')
    return error as Error
  }
  throw new Error('expected a UserError')
}

describe('parseInputs', () => {
  it('fills the defaults, taking the region from the credentials step', () => {
    expect(parseInputs(raw(), { AWS_REGION: 'eu-west-1' })).toEqual({
      clusterName: 'data-dev',
      region: 'eu-west-1',
      mode: 'deploy',
      timeoutMs: 30 * 60_000,
      appearTimeoutMs: 10 * 60_000,
      nodegroups: { kind: 'all' },
      checkApi: true,
      releases: [],
      exportKubeconfig: true,
      fieldManager: 'pipeline-actions',
      githubToken: '',
    })
  })

  it('reads every input', () => {
    const inputs = parseInputs(
      raw({
        'aws-region': 'us-west-2',
        mode: 'uninstall',
        timeout: '45m',
        'appear-timeout': '90s',
        nodegroups: 'system, workers',
        'check-api': 'true',
        releases: '- name: a\n  chart: ./charts/a\n',
        'helm-version': '4.0.0',
        'export-kubeconfig': 'false',
      }),
      {},
    )
    expect(inputs).toMatchObject({
      region: 'us-west-2',
      mode: 'uninstall',
      timeoutMs: 45 * 60_000,
      appearTimeoutMs: 90_000,
      nodegroups: { kind: 'names', names: ['system', 'workers'] },
      checkApi: true,
      helmVersion: 'v4.0.0',
      exportKubeconfig: false,
    })
    expect(inputs.releases.map((release) => release.name)).toEqual(['a'])
  })

  it.each([
    [{ 'cluster-name': '' }, /Input 'cluster-name' is required\./],
    [{ 'cluster-name': 'bad name!' }, /Input 'cluster-name' must be an EKS cluster name/],
    [{ timeout: 'soon' }, /Input 'timeout' must be a duration/],
    [{ timeout: '0s' }, /Input 'timeout' must be longer than zero/],
    [{ mode: 'destroy' }, /Input 'mode' must be one of deploy, uninstall, diff/],
    [{ mode: 'diff' }, /^Input 'mode' diff compares the 'releases' with the cluster: list at least one release or manifests entry\.$/],
    [{ 'check-api': 'yes' }, /Input 'check-api' must be true or false/],
    [{ 'helm-version': 'latest' }, /Input 'helm-version' must be a Helm release such as v3\.19\.0/],
    [{ 'aws-region': 'mars' }, /Input 'aws-region' must be an AWS region/],
    [
      { 'check-api': 'false', releases: '- name: a\n  chart: b' },
      /Input 'releases' needs check-api true: with check-api false .* stops after writing the kubeconfig/,
    ],
  ])('refuses %j', (overrides, message) => {
    expect(thrown(() => parseInputs(raw(overrides), { AWS_REGION: 'us-east-1' })).message).toMatch(message)
  })

  it('needs a region from somewhere', () => {
    expect(thrown(() => parseInputs(raw(), {})).message).toMatch(/Input 'aws-region' is required when AWS_REGION is not set/)
  })
})

describe('parseNodegroups', () => {
  it.each([
    ['', { kind: 'all' }],
    ['ALL', { kind: 'all' }],
    ['none', { kind: 'none' }],
    ['workers', { kind: 'names', names: ['workers'] }],
    ['a,b\nc  a', { kind: 'names', names: ['a', 'b', 'c'] }],
  ])('%j', (text, expected) => {
    expect(parseNodegroups(text)).toEqual(expected)
  })

  it('refuses a name EKS would not accept', () => {
    expect(thrown(() => parseNodegroups('good, bad/name')).message).toMatch(/'bad\/name' is not a node group name/)
  })
})

describe('parseReleases', () => {
  it('reads every field, with defaults', () => {
    const releases = parseReleases(`
- name: airflow
  chart: airflow
  repository: https://airflow.apache.org
  version: "1.18.0"
  namespace: airflow
  values-files: [helm/airflow/values.yaml, helm/airflow/dev.yaml]
  values:
    executor: KubernetesExecutor
    env: [{ name: A, value: "x,y=z" }]
  timeout: 15m
  wait: false
  atomic: false
  repository-username: bot
  repository-password: hunter2
- name: demo
  chart: ./test/fixtures/charts/eks-demo
  values-files: one.yaml
  timeout: 90
`)
    expect(releases).toEqual([
      {
        name: 'airflow',
        chart: 'airflow',
        repository: 'https://airflow.apache.org',
        version: '1.18.0',
        namespace: 'airflow',
        valuesFiles: ['helm/airflow/values.yaml', 'helm/airflow/dev.yaml'],
        values: { executor: 'KubernetesExecutor', env: [{ name: 'A', value: 'x,y=z' }] },
        timeoutMs: 15 * 60_000,
        wait: false,
        atomic: false,
        username: 'bot',
        password: 'hunter2',
      },
      {
        name: 'demo',
        chart: './test/fixtures/charts/eks-demo',
        namespace: 'default',
        valuesFiles: ['one.yaml'],
        timeoutMs: 90_000,
        wait: true,
        atomic: true,
      },
    ])
  })

  it.each(['', '   ', '# nothing yet\n', '~'])('%j is no releases', (text) => {
    expect(parseReleases(text)).toEqual([])
  })

  it.each([
    ['name: a\nchart: b', /must be a YAML list of releases/],
    ['- just-a-string', /Input 'releases\[0\]' must be a map/],
    ['- chart: x', /releases\[0\] needs a 'name'/],
    ['- name: a', /release 'a' needs a 'chart'/],
    ['- name: Bad_Name\n  chart: x', /name 'Bad_Name' must be lowercase/],
    ['- name: a\n  chart: x\n  value-files: [a.yaml]', /unknown field 'value-files'; the fields are name, chart/],
    ['- name: a\n  chart: x\n  values: "a=1,b=2"', /values must be a YAML map \(nested keys\), not a string/],
    ['- name: a\n  chart: x\n  values: [1]', /not a list or scalar/],
    ['- name: a\n  chart: x\n  version: 1.10', /version must be quoted/],
    ['- name: a\n  chart: x\n  namespace: Not_OK', /namespace 'Not_OK' must be a DNS label/],
    ['- name: a\n  chart: x\n  repository: ftp://x', /repository must be an http\(s\) URL/],
    ['- name: a\n  chart: stable/x\n  repository: https://x', /its chart must be a chart name such as 'airflow'/],
    ['- name: a\n  chart: x\n  repository-username: u', /needs both repository-username and repository-password/],
    ['- name: a\n  chart: ./x\n  repository-username: u\n  repository-password: p', /neither a repository nor an oci:\/\/ chart/],
    ['- name: a\n  chart: x\n  timeout: [1]', /timeout must be a duration/],
    ['- name: a\n  chart: x\n  timeout: soon', /Input 'releases: release 'a' timeout' must be a duration/],
    ['- name: a\n  chart: x\n  wait: "yes"', /wait must be true or false/],
    ['- name: a\n  chart: x\n  values-files: [1]', /values-files must be a file path or a list/],
    ['- name: a\n  chart: 3', /chart must be a string/],
    ['- name: a\n  chart: x\n- name: a\n  chart: y', /lists release 'a' in namespace 'default' twice/],
    [
      '- name: m\n  manifests: [k8s]\n  kustomization: k8s/base',
      /manifests 'm' needs either manifests \(files or folders\) or a kustomization folder, not both/,
    ],
    ['- name: m\n  manifests: []', /needs either manifests/],
    [
      '- name: m\n  manifests: k8s\n  values-files: [v.yaml]',
      /has a field 'values-files' that an entry with manifests or a kustomization does not take; its fields are name, namespace, manifests, kustomization/,
    ],
    ['- name: M\n  kustomization: k8s', /name 'M' must be lowercase/],
    ['- name: m\n  manifests: k8s\n- name: m\n  kustomization: k8s', /lists manifests 'm' in namespace 'default' twice/],
  ])('refuses %j', (text, message) => {
    expect(thrown(() => parseReleases(text)).message).toMatch(message)
  })

  it('reads manifests and kustomization entries beside releases, in the order given', () => {
    expect(
      parseReleases(
        '- name: ns\n  manifests: k8s/namespaces.yaml\n- name: app\n  chart: ./charts/app\n- name: base\n  kustomization: k8s/base\n  namespace: api\n',
      ),
    ).toEqual([
      { kind: 'manifests', name: 'ns', namespace: 'default', paths: ['k8s/namespaces.yaml'] },
      expect.objectContaining({ name: 'app', chart: './charts/app' }),
      { kind: 'manifests', name: 'base', namespace: 'api', paths: [], kustomization: 'k8s/base' },
    ])
  })

  it.each([
    ['pipeline-actions', ''],
    ['team/ci:deploy', 'team/ci:deploy'],
  ])('takes field manager %s from %j', (expected, raw) => {
    expect(parseFieldManager(raw)).toBe(expected)
  })

  it('refuses a field manager the API server would not take', () => {
    expect(thrown(() => parseFieldManager('has space')).message).toBe(
      "Input 'field-manager' must be up to 128 letters, digits, '.', '_', ':', '/' and '-'; got 'has space'.",
    )
  })

  it.each([
    [
      '- name: a\n  chart: x\n  repository: http://charts.example.com\n  repository-username: u\n  repository-password: hunter2',
      "Input 'releases': release 'a' repository must be an https:// URL to send repository credentials (plain http:// only on a loopback address such as 127.0.0.1); got 'http://charts.example.com'.",
    ],
    [
      '- name: a\n  chart: x\n  repository: http://u:hunter2@charts.example.com/stable',
      "Input 'releases': release 'a' repository must be an https:// URL to send repository credentials (plain http:// only on a loopback address such as 127.0.0.1); got 'http://charts.example.com/stable'.",
    ],
    [
      '- name: a\n  chart: http://u:hunter2@charts.example.com/a-1.0.0.tgz',
      "Input 'releases': release 'a' chart must be an https:// URL to send repository credentials (plain http:// only on a loopback address such as 127.0.0.1); got 'http://charts.example.com/a-1.0.0.tgz'.",
    ],
  ])('refuses credentials over plain http:// beyond loopback: %j', (text, message) => {
    const error = thrown(() => parseReleases(text))
    expect(error.message).toBe(message)
    expect(error.message).not.toContain('hunter2')
  })

  it.each([
    '- name: a\n  chart: x\n  repository: http://127.0.0.1:8879\n  repository-username: u\n  repository-password: p',
    '- name: a\n  chart: x\n  repository: http://[::1]:8879\n  repository-username: u\n  repository-password: p',
    '- name: a\n  chart: x\n  repository: https://charts.example.com\n  repository-username: u\n  repository-password: p',
    '- name: a\n  chart: x\n  repository: http://charts.example.com',
    '- name: a\n  chart: http://charts.example.com/a-1.0.0.tgz',
  ])('accepts %j: loopback, https, or no credentials', (text) => {
    expect(parseReleases(text)).toHaveLength(1)
  })

  it('reports a YAML error by position without echoing the text, which may hold a password', () => {
    const error = thrown(() => parseReleases('- name: a\n  repository-password: hunter2\n   chart: [x'))
    expect(error.message).toMatch(/Input 'releases' is not valid YAML at line \d+, column \d+/)
    expect(error.message).not.toContain('hunter2')
  })
})

describe('the releases the pipeline workflow composes', () => {
  it("parse as this action reads them: the Airflow preset's StorageClass, the chart, extra releases", () => {
    // In a workspace as the deploy job has it: pipeline-actions in .pipeline-actions, the Terraform outputs read.
    const workspace = mkdtempSync(join(tmpdir(), 'pa-compose-'))
    symlinkSync(repoRoot, join(workspace, '.pipeline-actions'), 'dir')
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    writeFileSync(join(workspace, 'outputs.json'), JSON.stringify({ volume_kms_key_arn: { value: key } }))
    const result = spawnSync('python3', [join(repoRoot, '.github/scripts/compose_releases.py')], {
      encoding: 'utf8',
      cwd: workspace,
      env: {
        PATH: process.env.PATH,
        TF_OUTPUTS_FILE: join(workspace, 'outputs.json'),
        IMAGE_REF: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/airflow@sha256:${'a'.repeat(64)}`,
        IMAGE: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/airflow:0123abc',
        NAMESPACE: 'airflow',
        CHART_VERSION: '1.18.0',
        BASE_VALUES: 'helm/airflow/values.yaml',
        CALLER_REPOSITORY: 'example-org/data-pipeline',
        UI_SOURCE_RANGES: '203.0.113.0/24',
        AWS_REGION_NAME: 'eu-west-1',
        EXTRA_RELEASES: '- name: extra\n  chart: oci://registry.example.com/charts/extra\n  version: "2.0.0"\n',
      },
    })
    expect(result.stderr).toBe('')
    const [storage, ...releases] = parseReleases(result.stdout) as [ManifestSet, ...Release[]]
    expect(storage).toMatchObject({ kind: 'manifests', name: 'airflow-storage', paths: ['.pipeline-deploy/airflow-storage'] })
    expect(readFileSync(join(workspace, '.pipeline-deploy/airflow-storage/000-storage-class.yaml'), 'utf8')).toContain(`kmsKeyId: "${key}"`)
    rmSync(workspace, { recursive: true, force: true })
    expect(releases.map((release) => [release.name, release.chart, release.repository, release.version, release.namespace])).toEqual([
      ['airflow', 'airflow', 'https://airflow.apache.org', '1.18.0', 'airflow'],
      ['extra', 'oci://registry.example.com/charts/extra', undefined, '2.0.0', 'default'],
    ])
    expect(releases[0]).toMatchObject({ valuesFiles: ['helm/airflow/values.yaml'], timeoutMs: 20 * 60_000, wait: true, atomic: true })
    expect(releases[0]?.values).toHaveProperty('images.airflow.digest', `sha256:${'a'.repeat(64)}`)
  })
})
