import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../../../actions/kubeconform-validate/src/main'
import { ManualClock } from '../../../lib/clock'
import { type Exec, exec } from '../../../lib/exec'
import { runInProcess } from '../../harness/in-process'
import { repoRoot } from '../../harness/runner'
import { fixtures, helmBinary, kubernetesSchemas, privateToolCache, tempDir } from './helpers'

const offline = { 'schema-dir': `test/fixtures/schemas\n${kubernetesSchemas}`, 'schema-locations': '/nowhere/{{ .ResourceKind }}.json' }
async function runWith(inputs: Record<string, string>, deps: Parameters<typeof run>[0] = {}, env: Record<string, string> = {}) {
  return runInProcess(() => run({ ...deps, env: process.env }), {
    inputs,
    env: { GITHUB_WORKSPACE: repoRoot, PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache(), ...env },
  })
}

const annotationsOf = (commands: Awaited<ReturnType<typeof runWith>>['commands']) =>
  commands.annotations.filter((a) => a.file).map((a) => `${a.level} ${a.file}:${a.line ?? '-'}`)

describe('run', () => {
  it('annotates each failure at its file and line, writes the reports and fails the step', async () => {
    const report = await tempDir('kcv-report-')
    const result = await runWith({
      // The custom resources with their CRD have their own tests (crd-schemas.test.ts).
      paths: 'test/fixtures/manifests\n!test/fixtures/manifests/seed-layout/**\n!test/fixtures/manifests/custom-resources/**',
      ...offline,
      report: `${report}/kubeconform.xml\n${report}/kubeconform.sarif`,
    })
    expect(result.exitCode).toBe(1)
    expect(annotationsOf(result.commands)).toEqual([
      'error test/fixtures/manifests/crds/gadget.yaml:1',
      'error test/fixtures/manifests/crds/widget.yaml:14',
      'error test/fixtures/manifests/invalid/duplicates.yaml:14',
      'error test/fixtures/manifests/invalid/malformed.yaml:12',
      'error test/fixtures/manifests/invalid/missing-required.yaml:7',
      'error test/fixtures/manifests/invalid/multi.yaml:33',
      'error test/fixtures/manifests/invalid/unknown-field.yaml:5',
      'error test/fixtures/manifests/invalid/wrong-apiversion.yaml:1',
      'error test/fixtures/manifests/invalid/wrong-type.yaml:6',
    ])
    expect(result.outputs).toMatchObject({ valid: '18', invalid: '5', errors: '4', skipped: '0' })
    expect(result.commands.annotations.at(-1)?.message).toBe(
      '5 resources are invalid and 4 could not be validated; see the annotations and the job summary.',
    )
    expect(result.summary).toContain('## Kubernetes manifests: ❌ 5 invalid, 4 errors')
    expect(result.summary).toContain('| test/fixtures/manifests/invalid/multi.yaml:33 | apps/v1 Deployment third | invalid |')
    expect(result.summary).toContain(
      "| test/fixtures/manifests/seed-layout/namespace.yaml | excluded by '!test/fixtures/manifests/seed-layout/**' |",
    )
    expect(result.summary).toContain('| gadgets.example.org/v1alpha1/Gadget | missing |')
    expect(readFileSync(`${report}/kubeconform.xml`, 'utf8')).toContain('tests="27" failures="5" errors="4" skipped="0"')
    expect(JSON.parse(readFileSync(`${report}/kubeconform.sarif`, 'utf8')).runs[0].results).toHaveLength(9)
  })

  it.each([
    ['error', 1, 'warning', '3 could not be validated; see the annotations and the job summary.'],
    ['never', 0, 'warning', undefined],
  ])('with fail-on %s, invalid resources are warnings', async (failOn, exitCode, invalidLevel, failure) => {
    const result = await runWith({
      paths: 'test/fixtures/manifests/invalid\n!**/duplicates.yaml\ntest/fixtures/manifests/crds/gadget.yaml',
      ...offline,
      'fail-on': failOn,
    })
    expect(result.exitCode).toBe(exitCode)
    const levels = result.commands.annotations.filter((a) => a.file).map((a) => [a.file?.split('/').pop(), a.level])
    expect(levels).toContainEqual(['wrong-type.yaml', invalidLevel])
    expect(levels).toContainEqual(['malformed.yaml', failOn === 'never' ? 'warning' : 'error'])
    expect(result.commands.annotations.find((a) => !a.file)?.message).toBe(failure)
  })

  it('passes on valid manifests and says so', async () => {
    const result = await runWith({ paths: 'test/fixtures/manifests/valid', ...offline })
    expect(result.exitCode).toBe(0)
    expect(result.commands.annotations).toEqual([])
    expect(result.outputs).toMatchObject({ valid: '13', invalid: '0', errors: '0', skipped: '0' })
    expect(JSON.parse(result.outputs['results-json'] as string)).toEqual({
      resources: [],
      summary: { valid: 13, invalid: 0, errors: 0, skipped: 0 },
    })
    expect(result.summary).toContain('## Kubernetes manifests: ✅ 13 resources checked, none invalid')
  })

  it('skips and rejects kinds as kubeconform does', async () => {
    const result = await runWith({
      paths: 'test/fixtures/manifests/valid',
      ...offline,
      skip: 'Secret,v1/ConfigMap',
      reject: 'apps/v1/StatefulSet',
    })
    expect(result.outputs).toMatchObject({ valid: '10', errors: '1', skipped: '2' })
    expect(result.commands.annotations.find((a) => a.file)?.message).toBe('StatefulSet db: prohibited resource kind StatefulSet')
  })

  it('fails when the paths leave nothing to validate, after listing why', async () => {
    const result = await runWith({ paths: 'test/fixtures/manifests/seed-layout\n!**/*.yaml', ...offline })
    expect(result.exitCode).toBe(1)
    expect(result.commands.annotations.at(-1)?.message).toBe(
      "Nothing was validated: the inputs selected no manifest. The job summary lists each file 'paths' left out and why.",
    )
    expect(result.summary).toContain("| test/fixtures/manifests/seed-layout/namespace.yaml | excluded by '!**/*.yaml' |")
  })

  it('fails with one line on a bad input', async () => {
    const result = await runWith({ paths: 'x', 'kubernetes-version': '1.33' })
    expect(result.exitCode).toBe(1)
    expect(result.commands.annotations).toEqual([
      expect.objectContaining({ message: "Input 'kubernetes-version' must be a full version such as 1.33.0; got '1.33'." }),
    ])
  })

  describe('schema downloads', () => {
    const configMapSchema = readFileSync(join(kubernetesSchemas, 'v1.33.0-local-strict', 'configmap-v1.json'), 'utf8')
    const definitions = readFileSync(join(kubernetesSchemas, 'v1.33.0-local-strict', '_definitions.json'), 'utf8')

    function scriptedFetch(statuses: number[]) {
      const calls: string[] = []
      const fetchImpl = (async (url: string) => {
        calls.push(url)
        if (url.endsWith('_definitions.json')) return new Response(definitions)
        const status = statuses.shift() ?? 200
        return new Response(status === 200 ? configMapSchema : '', { status })
      }) as typeof fetch
      return { fetchImpl, calls }
    }

    it('retries the schema host through 429s, caches the schema, and makes no request on the next run', async () => {
      const cache = await privateToolCache()
      const clock = new ManualClock()
      const first = scriptedFetch([429, 429, 200])
      const inputs = {
        paths: 'test/fixtures/manifests/invalid/unknown-field.yaml',
        'schema-locations': 'https://schemas.example/{{ .ResourceKind }}.json',
      }
      const result = await runWith(inputs, { fetch: first.fetchImpl, clock, random: () => 0 }, { PIPELINE_ACTIONS_TOOL_CACHE: cache })
      expect(first.calls.filter((url) => url.endsWith('configmap.json'))).toHaveLength(3)
      expect(result.stdout).toContain(
        'Schema download https://schemas.example/configmap.json failed (HTTP 429); retrying in 0.0 s (attempt 2).',
      )
      expect(result.outputs).toMatchObject({ invalid: '1' })

      const second = scriptedFetch([])
      const again = await runWith(inputs, { fetch: second.fetchImpl, clock }, { PIPELINE_ACTIONS_TOOL_CACHE: cache })
      expect(second.calls).toEqual([])
      expect(again.outputs).toMatchObject({ invalid: '1' })
      expect(again.summary).toContain('| v1/ConfigMap | cache |')
    })

    it('reports a kind whose schema cannot be downloaded as an error, even with ignore-missing-schemas', async () => {
      const { fetchImpl } = scriptedFetch([503, 503, 503, 503, 503])
      const result = await runWith(
        {
          paths: 'test/fixtures/manifests/invalid/unknown-field.yaml',
          'schema-locations': 'https://schemas.example/{{ .ResourceKind }}.json',
          'ignore-missing-schemas': 'true',
        },
        { fetch: fetchImpl, clock: new ManualClock(), random: () => 0 },
      )
      expect(result.outputs).toMatchObject({ valid: '0', errors: '1', skipped: '0' })
      expect(result.commands.annotations.find((a) => a.file)?.message).toBe(
        'ConfigMap typo: no usable schema for v1 ConfigMap: download failed: https://schemas.example/configmap.json: HTTP 503 (after 5 attempts)',
      )
      expect(result.summary).toContain('| v1/ConfigMap | failed | download failed:')
    })

    it('skips a kind with no schema anywhere when told to, and lists it', async () => {
      const { fetchImpl } = scriptedFetch([404])
      const result = await runWith(
        {
          paths: 'test/fixtures/manifests/invalid/unknown-field.yaml',
          'schema-locations': 'https://schemas.example/{{ .ResourceKind }}.json',
          'ignore-missing-schemas': 'true',
          cache: 'false',
        },
        { fetch: fetchImpl },
      )
      expect(result.exitCode).toBe(0)
      expect(result.outputs).toMatchObject({ skipped: '1' })
      expect(result.summary).toContain('Resources of a missing kind were skipped (ignore-missing-schemas).')
      expect(result.summary).toContain('| v1/ConfigMap | missing | https://schemas.example/configmap.json (HTTP 404) |')
    })
  })

  it('reports a schema kubeconform cannot compile, which kubeconform itself would skip as missing', async () => {
    const schemas = await tempDir('kcv-uncompilable-')
    await mkdir(join(schemas, 'example.com'))
    // A pattern Go's regexp rejects: kubeconform cannot compile the schema and calls it "not found".
    await writeFile(join(schemas, 'example.com', 'widget_v1.json'), '{"type": "object", "properties": {"spec": {"pattern": "(?<broken"}}}')
    const result = await runWith({
      paths: 'test/fixtures/manifests/crds/widget.yaml',
      'schema-dir': schemas,
      'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
      'ignore-missing-schemas': 'true',
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ valid: '0', errors: '2', skipped: '0' })
    expect(result.commands.annotations.find((a) => a.file)?.message).toBe(
      `Widget good-widget: kubeconform could not compile the schema of example.com/v1 Widget (from ${join(schemas, 'example.com', 'widget_v1.json')})`,
    )
  })

  it('resolves a kind only kubeconform saw, and validates its files again', async () => {
    let calls = 0
    // The first kubeconform run reports a kind the quick scan missed; the action must fetch its schema and run again.
    const hiding: Exec = async (command, args, options) => {
      const result = await exec(command, args, options)
      if (!command.endsWith('kubeconform') || calls++ > 0) return result
      const file = 'test/fixtures/manifests/crds/widget.yaml'
      const hidden = {
        filename: file,
        kind: 'Sprocket',
        name: 's',
        version: 'example.com/v1',
        status: 'statusError',
        msg: 'could not find schema for Sprocket',
      }
      return { ...result, stdout: JSON.stringify({ resources: [hidden], summary: { valid: 0, invalid: 0, errors: 1, skipped: 0 } }) }
    }
    const result = await runWith({ paths: 'test/fixtures/manifests/crds/widget.yaml', ...offline }, { exec: hiding })
    expect(calls).toBe(2)
    expect(result.outputs).toMatchObject({ valid: '1', invalid: '1', errors: '0' })
    expect(result.summary).toContain('| example.com/v1/Sprocket | missing |')
  })

  it('renders charts and kustomizations and puts their failures on the files that produced them', async () => {
    const result = await runWith({
      charts: 'test/fixtures/charts/demo -f test/fixtures/charts/demo/values-invalid.yaml',
      kustomize: 'test/fixtures/kustomize/invalid-overlay',
      ...offline,
    })
    expect(annotationsOf(result.commands)).toEqual([
      'error test/fixtures/charts/demo/templates/deployment.yaml:8',
      'error test/fixtures/kustomize/invalid-overlay/kustomization.yaml:-',
    ])
    expect(result.outputs).toMatchObject({ valid: '3', invalid: '2' })
  })

  it('puts a failure from a packaged subchart on the chart, since its template is not in the repository', async () => {
    const workspace = await tempDir('kcv-subchart-')
    const parent = join(workspace, 'parent')
    await mkdir(join(parent, 'charts'), { recursive: true })
    await writeFile(join(parent, 'Chart.yaml'), 'apiVersion: v2\nname: parent\nversion: 0.1.0\n')
    await cp(join(fixtures, 'charts/demo'), join(workspace, 'demo'), { recursive: true })
    const packaged = spawnSync(helmBinary, ['package', join(workspace, 'demo'), '-d', join(parent, 'charts')], { encoding: 'utf8' })
    expect(packaged.status).toBe(0)
    await writeFile(join(parent, 'values.yaml'), 'demo:\n  replicas: "two"\n')
    const result = await runWith({ charts: 'parent', ...offline, 'schema-dir': kubernetesSchemas }, {}, { GITHUB_WORKSPACE: workspace })
    expect(annotationsOf(result.commands)).toEqual(['error parent/Chart.yaml:-'])
    expect(result.commands.annotations[0]?.message).toBe(
      'Deployment parent-web is invalid: /spec/replicas: got string, want null or integer',
    )
  })

  it('validates thousands of resources in many files with one kubeconform process', async () => {
    const workspace = await tempDir('kcv-many-')
    await mkdir(join(workspace, 'k8s'))
    const service = readFileSync(join(fixtures, 'manifests/valid/service.yaml'), 'utf8')
    for (let file = 0; file < 200; file++) {
      const docs = Array.from({ length: 10 }, (_, doc) => service.replace('name: web', `name: web-${file}-${doc}`))
      await writeFile(join(workspace, 'k8s', `services-${file}.yaml`), docs.join('---\n'))
    }
    const processes: string[][] = []
    const counting: Exec = async (command, args, options) => {
      if (command.endsWith('kubeconform')) processes.push([...args])
      return exec(command, args, options)
    }
    const result = await runWith(
      { paths: 'k8s', ...offline, 'schema-dir': kubernetesSchemas },
      { exec: counting },
      { GITHUB_WORKSPACE: workspace },
    )
    expect(result.outputs).toMatchObject({ valid: '2000', invalid: '0', errors: '0' })
    expect(processes).toHaveLength(1)
    expect(processes[0]?.filter((arg) => arg.endsWith('.yaml'))).toHaveLength(200)
  })

  it('keeps nothing of the run in the temporary folder', async () => {
    const result = await runWith({ paths: 'test/fixtures/manifests/valid/service.yaml', ...offline })
    expect(existsSync(join(result.dir, 'kubeconform-validate'))).toBe(false)
    expect(readFileSync(join(fixtures, 'manifests/valid/service.yaml'), 'utf8')).toContain('kind: Service')
  })
})

describe('schema sources that cannot speak for the manifests', () => {
  // With ignore-missing-schemas, each of these used to pass green with every resource "skipped": nothing validated.
  const lenient = {
    paths: 'test/fixtures/manifests/valid',
    'ignore-missing-schemas': 'true',
    'schema-locations': offline['schema-locations'],
  }

  it.each([
    ['missing', async () => 'test/fixtures/no-such-folder', 'which does not exist.'],
    ['a file', async () => 'test/fixtures/manifests/valid/config.yaml', 'which is a file; it takes a folder of JSON schemas.'],
    ['empty', async () => tempDir('kcv-empty-schemas-'), 'which holds no JSON schema (.json file).'],
  ])('a schema-dir that is %s fails at once, in one line naming it', async (_case, dir, reason) => {
    const schemaDir = await dir()
    const result = await runWith({ ...lenient, 'schema-dir': schemaDir })
    expect(result.exitCode).toBe(1)
    expect(result.commands.annotations.map((a) => a.message)).toEqual([`Input 'schema-dir' names '${schemaDir}', ${reason}`])
    expect(result.outputs).toEqual({})
  })

  it('a kubernetes-version the schema-dir does not hold fails in one line instead of skipping every resource', async () => {
    const result = await runWith({ ...lenient, 'schema-dir': kubernetesSchemas, 'kubernetes-version': '1.99.0' })
    expect(result.exitCode).toBe(1)
    const messages = result.commands.annotations.map((a) => a.message)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(
      new RegExp(
        `^Input 'kubernetes-version' 1\\.99\\.0: schema-dir '${kubernetesSchemas}' holds no schemas for it \\(it has [\\d.]+ to [\\d.]+\\)\\.$`,
      ),
    )
    expect(result.outputs).toEqual({})
  })

  it('an unknown kubernetes-version fails in one line when a versioned schema location has not even a ConfigMap for it', async () => {
    const asked: string[] = []
    const fetchImpl = (async (url: string | URL) => {
      asked.push(String(url))
      return new Response('404: Not Found', { status: 404 })
    }) as typeof fetch
    const result = await runWith(
      {
        ...lenient,
        'schema-locations': 'https://schemas.example/{{ .NormalizedKubernetesVersion }}/{{ .ResourceKind }}.json',
        'kubernetes-version': '1.99.0',
        cache: 'false',
      },
      { fetch: fetchImpl },
    )
    expect(result.exitCode).toBe(1)
    expect(result.commands.annotations.map((a) => a.message)).toEqual([
      "Input 'kubernetes-version' 1.99.0: the schema locations have no schemas for it (not even v1 ConfigMap); use a released Kubernetes version (x.y.z).",
    ])
    expect(asked).toEqual(['https://schemas.example/v1.99.0/configmap.json'])
    expect(result.outputs).toEqual({})
  })

  it('a known version with the same inputs validates every resource', async () => {
    const result = await runWith({ ...lenient, 'schema-dir': kubernetesSchemas, 'kubernetes-version': '1.33.0' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ invalid: '0', errors: '0', skipped: '0' })
    expect(Number(result.outputs.valid)).toBeGreaterThan(0)
  })
})
