import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheFolder } from '../../../actions/kubeconform-validate/src/schema/resolve'
import { expandLocation } from '../../../actions/kubeconform-validate/src/schema/template'
import { sha256 } from '../../../lib/tools'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { repoRoot, runAction } from '../../harness/runner'
import { fixtures, kubeconformBinary, kubernetesSchemas, privateToolCache, startServer, type TestServer, tempDir } from './helpers'

/**
 * The committed bundle, run as a runner runs it, with the real kubeconform,
 * helm and kustomize, and schemas served from this machine only: the
 * Kubernetes schemas of kubernetes-validate behind a loopback HTTP server
 * (in the standard layout kubeconform downloads from) and the fixture CRD
 * schema in the CRDs catalog layout.
 */

let server: TestServer
const throttled = new Map<string, number>()
let kubeconformTarball: Buffer

beforeAll(async () => {
  const dir = await tempDir('kcv-release-')
  await symlink(kubeconformBinary, join(dir, 'kubeconform'))
  spawnSync('tar', ['-czhf', join(dir, 'release.tar.gz'), '-C', dir, 'kubeconform'])
  kubeconformTarball = await readFile(join(dir, 'release.tar.gz'))
  server = await startServer((request, response) => {
    const path = decodeURIComponent(request.url ?? '')
    const left = throttled.get(path) ?? 0
    if (left > 0) {
      throttled.set(path, left - 1)
      return void response.writeHead(429, { 'retry-after': '0' }).end('slow down')
    }
    let file: string | undefined
    const standard = /^\/k8s\/(v[\d.]+)-standalone(-strict)?\/([\w.-]+\.json)$/.exec(path)
    if (standard) file = join(kubernetesSchemas, `${standard[1]}-local${standard[2] ?? ''}`, standard[3] as string)
    if (path.startsWith('/crds/')) file = join(fixtures, 'schemas', path.slice('/crds/'.length))
    if (path === '/releases/download/v0.7.0/kubeconform-linux-amd64.tar.gz') return void response.writeHead(200).end(kubeconformTarball)
    if (path === '/releases/download/v0.7.0/CHECKSUMS')
      return void response.writeHead(200).end(`${sha256(kubeconformTarball)}  kubeconform-linux-amd64.tar.gz\n`)
    if (!file || file.includes('..') || !existsSync(file)) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(file))
  })
})
afterAll(() => server.close())

const locations = () => [`${server.url}/k8s/`, `${server.url}/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`]
const plainFiles = ['test/fixtures/manifests/valid', 'test/fixtures/manifests/invalid', 'test/fixtures/manifests/crds']

describe('kubeconform-validate, bundled', () => {
  let cache = ''
  let first: Awaited<ReturnType<typeof runAction>>

  beforeAll(async () => {
    cache = await privateToolCache()
    // The schema host throttles the first two requests for the Deployment schema: kubeconform alone would fail on them.
    throttled.set('/k8s/v1.33.0-standalone-strict/deployment-apps-v1.json', 2)
    first = await runAction('kubeconform-validate', {
      inputs: { paths: plainFiles.join('\n'), 'schema-locations': locations().join('\n') },
      env: { PIPELINE_ACTIONS_TOOL_CACHE: cache },
    })
  })

  it('downloads through 429s, annotates every failure on its line, and fails the step', () => {
    expect(first.exitCode).toBe(1)
    expect(first.failure).toBe('5 resources are invalid and 4 could not be validated; see the annotations and the job summary.')
    expect(first.stdout).toContain(
      `Schema download ${server.url}/k8s/v1.33.0-standalone-strict/deployment-apps-v1.json failed (HTTP 429); retrying in 0.0 s (attempt 2).`,
    )
    expect(first.annotations.filter((a) => a.file).map((a) => `${a.file}:${a.line} ${a.message}`)).toEqual([
      'test/fixtures/manifests/crds/gadget.yaml:1 Gadget no-schema: no schema for gadgets.example.org/v1alpha1 Gadget in the schema folders or locations (an apiVersion this Kubernetes version no longer serves, or a custom resource whose schema is not provided)',
      'test/fixtures/manifests/crds/widget.yaml:14 Widget bad-widget is invalid: /spec/size: got string, want integer',
      'test/fixtures/manifests/invalid/duplicates.yaml:14 ConfigMap same: YAML error: yaml: unmarshal errors: line 7: key "a" already set in map',
      'test/fixtures/manifests/invalid/malformed.yaml:12 YAML error: yaml: line 5: mapping values are not allowed in this context',
      "test/fixtures/manifests/invalid/missing-required.yaml:7 Service no-port-number is invalid: /spec/ports/0: missing property 'port'",
      "test/fixtures/manifests/invalid/multi.yaml:33 Deployment third is invalid: /spec/template/spec/containers/0: additional properties 'restartPolicyy' not allowed",
      "test/fixtures/manifests/invalid/unknown-field.yaml:5 ConfigMap typo is invalid: /metadata: additional properties 'lables' not allowed",
      'test/fixtures/manifests/invalid/wrong-apiversion.yaml:1 Deployment old-api: no schema for extensions/v1beta1 Deployment in the schema folders or locations (an apiVersion this Kubernetes version no longer serves, or a custom resource whose schema is not provided)',
      'test/fixtures/manifests/invalid/wrong-type.yaml:6 Deployment wrong-type is invalid: /spec/replicas: got string, want null or integer',
    ])
    expect(first.annotations.every((a) => a.level === 'error')).toBe(true)
    expect(first.outputs).toMatchObject({ valid: '18', invalid: '5', errors: '4', skipped: '0' })
    expect(first.visibleLog).not.toMatch(/\n\s+at\s/)
    // The fixture Secret's value is validated, never printed.
    expect(`${first.visibleLog}${first.summary}${JSON.stringify(first.outputs)}`).not.toContain('not-a-real-secret')
  })

  it("gives the same results as kubeconform's own JSON output for the same files and schemas", () => {
    const schemas = cacheFolder(cache, { kubernetesVersion: '1.33.0', strict: true }, locations().map(expandLocation))
    expect(readdirSync(schemas).sort()).toEqual([
      'apps',
      'batch',
      'example.com',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'v1',
    ])
    const bare = spawnSync(
      kubeconformBinary,
      [
        '-output',
        'json',
        '-strict',
        '-kubernetes-version',
        '1.33.0',
        '-schema-location',
        join(schemas, '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
        ...plainFiles,
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    )
    expect(bare.status).toBe(1)
    type Entry = { filename: string; kind: string; name: string; status: string; msg: string }
    // kubeconform lists several causes of one failure in varying order from run to run.
    const causes = (msg: string) =>
      msg
        .split(/\s+- at /)
        .sort()
        .join(' - at ')
    const key = (r: Entry) => [r.filename, r.kind, r.name, r.status, causes(r.msg)].join('|')
    const theirs = (JSON.parse(bare.stdout).resources as Entry[]).sort((a, b) => key(a).localeCompare(key(b)))
    const ours = (JSON.parse(first.outputs['results-json'] as string).resources as (Entry & { line?: number })[])
      .map(({ line: _line, ...rest }) => rest)
      .sort((a, b) => key(a).localeCompare(key(b)))
    expect(ours.map(key)).toEqual(theirs.map(key))
    expect(ours.map(({ msg: _msg, ...rest }) => rest)).toEqual(theirs.map(({ msg: _msg, ...rest }) => rest))
    expect(ours).toHaveLength(9)
  })

  it('agrees with kubernetes-validate, which ships these schemas, on which resources are invalid', () => {
    const files = [
      'valid/config.yaml',
      'valid/deployment.yaml',
      'valid/rbac.yaml',
      'valid/service.yaml',
      'valid/stateful.yml',
      'valid/workloads.json',
    ]
      .concat(['invalid/unknown-field.yaml', 'invalid/wrong-type.yaml', 'invalid/missing-required.yaml', 'invalid/multi.yaml'])
      .map((file) => `test/fixtures/manifests/${file}`)
    const oracle = spawnSync(join(toolPaths().venv, 'bin', 'kubernetes-validate'), ['-k', '1.33.0', '--strict', ...files], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
    const verdicts = [
      ...`${oracle.stdout}${oracle.stderr}`.matchAll(/^(INFO|ERROR) (\S+) (?:passed|did not validate) for resource ([\w.-]+\/[\w.-]+)/gm),
    ]
    const theirs = verdicts.filter(([, level]) => level === 'ERROR').map(([, , file, resource]) => `${file} ${resource}`)
    expect(verdicts.length).toBeGreaterThan(15)
    const ours = (
      JSON.parse(first.outputs['results-json'] as string).resources as { filename: string; kind: string; name: string; status: string }[]
    )
      .filter((r) => r.status === 'statusInvalid' && files.includes(r.filename))
      .map((r) => `${r.filename} ${r.kind.toLowerCase()}/${r.name}`)
    expect(ours.sort()).toEqual(theirs.sort())
  })

  it('downloads nothing again once the schema cache is warm', async () => {
    const before = server.requests.length
    const warm = await runAction('kubeconform-validate', {
      inputs: { paths: plainFiles.join('\n'), 'schema-locations': locations().join('\n'), 'ignore-missing-schemas': 'true' },
      env: { PIPELINE_ACTIONS_TOOL_CACHE: cache },
    })
    // Only the two kinds with no schema anywhere are looked for again (a 404 is not cached, the schema may appear later).
    expect(server.requests.slice(before).sort()).toEqual([
      '/crds/extensions/deployment_v1beta1.json',
      '/crds/gadgets.example.org/gadget_v1alpha1.json',
      '/k8s/v1.33.0-standalone-strict/deployment-extensions-v1beta1.json',
      '/k8s/v1.33.0-standalone-strict/gadget-gadgets-v1alpha1.json',
    ])
    expect(warm.outputs).toMatchObject({ valid: '18', invalid: '5', errors: '2', skipped: '2' })
    expect(warm.summary).toContain('| apps/v1/Deployment | cache |')
  })
})

describe('charts and kustomizations, bundled', () => {
  let run: Awaited<ReturnType<typeof runAction>>
  beforeAll(async () => {
    run = await runAction('kubeconform-validate', {
      inputs: {
        charts:
          'test/fixtures/charts/demo\ntest/fixtures/charts/demo -f test/fixtures/charts/demo/values-invalid.yaml\ntest/fixtures/charts/demo --values test/fixtures/charts/demo/values-unrenderable.yaml',
        kustomize: 'test/fixtures/kustomize/base\ntest/fixtures/kustomize/invalid-overlay\ntest/fixtures/kustomize/broken-overlay',
        'schema-dir': kubernetesSchemas,
        'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
      },
      env: { PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() },
    })
  })

  it('puts failures of rendered resources on the template helm names, and on the kustomization', () => {
    expect(run.exitCode).toBe(1)
    expect(run.annotations.filter((a) => a.file).map((a) => [a.file, a.line, a.title, a.message])).toEqual([
      [
        'test/fixtures/charts/demo/templates/configmap.yaml',
        6,
        'kubeconform: helm template failed',
        "helm template failed for 'test/fixtures/charts/demo --values test/fixtures/charts/demo/values-unrenderable.yaml': execution error at (demo/templates/configmap.yaml:6:16): logLevel is required\n\nUse --debug flag to render out invalid YAML",
      ],
      [
        'test/fixtures/charts/demo/templates/deployment.yaml',
        8,
        'kubeconform: apps/v1 Deployment',
        "Deployment demo-web is invalid: /spec/replicas: got string, want null or integer; /spec/template/spec/containers/0: additional properties 'livenessProbez' not allowed",
      ],
      [
        'test/fixtures/kustomize/broken-overlay/kustomization.yaml',
        undefined,
        'kubeconform: kustomize failed',
        expect.stringContaining("accumulating resources from 'does-not-exist.yaml'"),
      ],
      [
        'test/fixtures/kustomize/invalid-overlay/kustomization.yaml',
        undefined,
        'kubeconform: apps/v1 Deployment',
        'Deployment kz-api is invalid: /spec/replicas: got string, want null or integer',
      ],
    ])
    // Valid chart: ConfigMap, Service, Deployment; invalid values: two valid; base and overlay: two each, one invalid.
    expect(run.outputs).toMatchObject({ valid: '8', invalid: '2', errors: '2' })
    expect(run.stdout).toMatch(/Rendering test\/fixtures\/kustomize\/base with \S*\/kubectl kustomize\./)
    expect(run.summary).toContain(
      '| test/fixtures/charts/demo/templates/deployment.yaml:8 (chart test/fixtures/charts/demo, rendered line 30) |',
    )
  })

  it('renders with a standalone kustomize when kubectl is not installed, and says when neither is', async () => {
    const bin = await tempDir('kcv-bin-')
    await symlink(toolPaths().kustomize, join(bin, 'kustomize'))
    const inputs = {
      kustomize: 'test/fixtures/kustomize/base',
      'schema-dir': kubernetesSchemas,
      'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
    }
    const env = { PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() }
    const standalone = await runAction('kubeconform-validate', { inputs, env: { ...env, PATH: bin } })
    expect(standalone.exitCode).toBe(0)
    expect(standalone.stdout).toContain(`Rendering test/fixtures/kustomize/base with ${join(bin, 'kustomize')} build.`)
    expect(standalone.outputs).toMatchObject({ valid: '2' })
    const empty = await tempDir('kcv-bin-')
    const neither = await runAction('kubeconform-validate', { inputs, env: { ...env, PATH: empty } })
    expect(neither.failure).toBe(
      "Input 'kustomize' needs kubectl or kustomize on PATH, and neither is installed. Install one in an earlier step (GitHub-hosted runners have kubectl).",
    )
  })
})

describe('the kubeconform binary, bundled', () => {
  it('is downloaded from the release, checked against CHECKSUMS, kept in the tool cache and reused', async () => {
    const cache = await tempDir('kcv-empty-cache-')
    const env = { PIPELINE_ACTIONS_TOOL_CACHE: cache, PIPELINE_ACTIONS_KUBECONFORM_RELEASES: `${server.url}/releases` }
    const inputs = {
      paths: 'test/fixtures/manifests/valid/service.yaml',
      'schema-dir': kubernetesSchemas,
      'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
    }
    const before = server.requests.length
    const cold = await runAction('kubeconform-validate', { inputs, env })
    expect(cold.exitCode).toBe(0)
    expect(server.requests.slice(before)).toEqual([
      '/releases/download/v0.7.0/CHECKSUMS',
      '/releases/download/v0.7.0/kubeconform-linux-amd64.tar.gz',
    ])
    expect(existsSync(join(cache, 'kubeconform-v0.7.0', 'kubeconform'))).toBe(true)
    const warm = await runAction('kubeconform-validate', { inputs, env })
    expect(warm.outputs.valid).toBe('1')
    expect(server.requests.length).toBe(before + 2)
  })
})

describe('explicit file selection, bundled', () => {
  it("lists what the seed projects' pattern leaves out", async () => {
    const workspace = await tempDir('kcv-ws-')
    await mkdir(join(workspace, 'k8s'))
    // Copied, not linked: a manifest symlinked out of the workspace is not read.
    for (const file of ['deployment.yaml', 'namespace.yaml', 'kustomization.yaml']) {
      await copyFile(join(fixtures, 'manifests/seed-layout', file), join(workspace, 'k8s', file))
    }
    const run = await runAction('kubeconform-validate', {
      cwd: workspace,
      inputs: {
        paths: 'k8s/[!kustomization]*.yaml',
        'schema-dir': kubernetesSchemas,
        'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
      },
      env: { PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() },
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.valid).toBe('1')
    expect(run.summary).toContain("| k8s/namespace.yaml | not matched by 'k8s/[!kustomization]*.yaml' |")
  })
})
