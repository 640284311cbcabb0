import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../../../actions/kubeconform-validate/src/main'
import { runInProcess } from '../../harness/in-process'
import { repoRoot } from '../../harness/runner'
import { fixtures, kubernetesSchemas, privateToolCache, tempDir } from './helpers'

/**
 * Custom resources validated against schemas made from the CRDs found among
 * the manifests and in rendered charts, through the action with the real
 * kubeconform and helm, offline: only the Kubernetes schemas of
 * kubernetes-validate are given, so no location holds a schema for the
 * custom kinds and, without the CRDs, their resources are missing a schema.
 */

const offline = { 'schema-dir': kubernetesSchemas, 'schema-locations': '/nowhere/{{ .ResourceKind }}.json' }
async function runWith(inputs: Record<string, string>, workspace = repoRoot) {
  return runInProcess(() => run({ env: process.env }), {
    inputs: { ...offline, ...inputs },
    env: { GITHUB_WORKSPACE: workspace, PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() },
  })
}
type Result = Awaited<ReturnType<typeof runWith>>
const annotations = (result: Result) => result.commands.annotations.filter((a) => a.file).map((a) => `${a.file}:${a.line} ${a.message}`)
const failure = (result: Result) => result.commands.annotations.find((a) => !a.file)?.message

const resources = 'test/fixtures/manifests/custom-resources'
const chart = 'test/fixtures/charts/crd-app'
const noSchema = (file: string, name: string, apiVersion: string, kind: string) =>
  `${file} ${kind} ${name}: no schema for ${apiVersion} ${kind} in the schema folders or locations (an apiVersion this Kubernetes version no longer serves, or a custom resource whose schema is not provided)`

describe('schemas from the CRDs among the manifests', () => {
  it('validates custom resources against the CRD found beside them, and puts each failure on its field', async () => {
    const result = await runWith({ paths: resources })
    expect(result.exitCode).toBe(1)
    expect(annotations(result)).toEqual([
      `${resources}/pipelines.yaml:30 Pipeline hourly is invalid: /spec/steps/1/ports/0/containerPort: got string, want integer`,
      `${resources}/unknown-field.yaml:9 Pipeline retries is invalid: /spec: additional properties 'retries' not allowed`,
    ])
    // The CRD itself and the Pipeline using int-or-string, null, preserved unknown fields and labels are valid.
    expect(result.outputs).toMatchObject({ valid: '2', invalid: '2', errors: '0', skipped: '0' })
    expect(result.summary).toContain(`| data.example.org/v1/Pipeline | crd | ${resources}/crd.yaml:2 |`)
  })

  it('without crd-schemas, the same custom resources have no schema: errors, or skipped when missing schemas are ignored', async () => {
    const off = await runWith({ paths: resources, 'crd-schemas': 'false' })
    expect(off.exitCode).toBe(1)
    expect(annotations(off)).toEqual([
      noSchema(`${resources}/pipelines.yaml:1`, 'nightly', 'data.example.org/v1', 'Pipeline'),
      noSchema(`${resources}/pipelines.yaml:19`, 'hourly', 'data.example.org/v1', 'Pipeline'),
      noSchema(`${resources}/unknown-field.yaml:1`, 'retries', 'data.example.org/v1', 'Pipeline'),
    ])
    const ignored = await runWith({ paths: resources, 'crd-schemas': 'false', 'ignore-missing-schemas': 'true' })
    expect(ignored.exitCode).toBe(0)
    expect(ignored.outputs).toMatchObject({ valid: '1', invalid: '0', errors: '0', skipped: '3' })
  })

  it('does not use a version the CRD no longer serves', async () => {
    const workspace = await tempDir('kcv-crd-served-')
    await cp(join(fixtures, 'manifests/custom-resources/crd.yaml'), join(workspace, 'crd.yaml'))
    await writeFile(
      join(workspace, 'old.yaml'),
      'apiVersion: data.example.org/v1beta1\nkind: Pipeline\nmetadata:\n  name: old\nspec:\n  anything: goes\n',
    )
    const result = await runWith({ paths: '.' }, workspace)
    expect(annotations(result)).toEqual([noSchema('old.yaml:1', 'old', 'data.example.org/v1beta1', 'Pipeline')])
  })

  it('reports the custom resources of a CRD whose schema cannot be used as errors that name the CRD', async () => {
    const workspace = await tempDir('kcv-crd-broken-')
    await writeFile(
      join(workspace, 'crd.yaml'),
      [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: things.example.org',
        'spec:',
        '  group: example.org',
        '  names: {kind: Thing, plural: things}',
        '  scope: Namespaced',
        '  versions:',
        '    - name: v1',
        '      served: true',
        '      storage: true',
        '      schema:',
        '        openAPIV3Schema: [not, a, schema]',
        '',
      ].join('\n'),
    )
    await writeFile(join(workspace, 'thing.yaml'), 'apiVersion: example.org/v1\nkind: Thing\nmetadata:\n  name: one\n')
    const result = await runWith({ paths: 'thing.yaml\ncrd.yaml' }, workspace)
    expect(result.exitCode).toBe(1)
    expect(annotations(result)).toContainEqual(
      'thing.yaml:1 Thing one: no usable schema for example.org/v1 Thing: the CRD at crd.yaml:1: the openAPIV3Schema of version v1 is not an object',
    )
  })

  it('fails in one line on a crd-schemas that is not a boolean', async () => {
    const result = await runWith({ paths: resources, 'crd-schemas': 'yes please' })
    expect(result.exitCode).toBe(1)
    expect(failure(result)).toBe("Input 'crd-schemas' must be true or false; got 'yes please'.")
    expect(result.commands.annotations).toHaveLength(1)
  })
})

describe('schemas from the CRDs a chart ships in crds/', () => {
  it('validates the chart’s custom resource and puts the failure on the template line that writes the field', async () => {
    const result = await runWith({ charts: `${chart} -f ${chart}/values-invalid.yaml` })
    expect(result.exitCode).toBe(1)
    expect(annotations(result)).toEqual([
      `${chart}/templates/backfill.yaml:10 Backfill crd-app-backfill is invalid: /spec/parallelism: maximum: got 64, want 16; /spec/window/days: got string, want integer`,
    ])
    expect(result.summary).toContain(`| batch.example.org/v1alpha1/Backfill | crd | ${chart}/crds/backfill.yaml |`)
  })

  it('passes the chart with valid values, and without crd-schemas has no schema for its custom resource', async () => {
    const valid = await runWith({ charts: chart })
    expect(valid.exitCode).toBe(0)
    expect(valid.outputs).toMatchObject({ valid: '2', invalid: '0', errors: '0' })
    const off = await runWith({ charts: chart, 'crd-schemas': 'false' })
    expect(off.exitCode).toBe(1)
    expect(annotations(off)).toEqual([
      noSchema(`${chart}/templates/backfill.yaml:undefined`, 'crd-app-backfill', 'batch.example.org/v1alpha1', 'Backfill'),
    ])
  })

  it('uses the CRD in the repository before the same CRD rendered from a chart, and says so when they differ', async () => {
    const workspace = await tempDir('kcv-crd-twice-')
    await cp(join(fixtures, 'charts/crd-app'), join(workspace, 'chart'), { recursive: true })
    await mkdir(join(workspace, 'crds'))
    // The repository's copy allows any parallelism: it is the one used, so the chart's resource is valid.
    const crd = await readFile(join(fixtures, 'charts/crd-app/crds/backfill.yaml'), 'utf8')
    await writeFile(join(workspace, 'crds/backfill.yaml'), crd.replace('                  maximum: 16\n', ''))
    const result = await runWith({ paths: 'crds', charts: 'chart -f chart/values-invalid.yaml' }, workspace)
    expect(annotations(result)).toEqual([
      'chart/templates/backfill.yaml:13 Backfill chart-backfill is invalid: /spec/window/days: got string, want integer',
    ])
    expect(result.stdout).toContain(
      'batch.example.org/v1alpha1/Backfill is defined again, differently, at chart/crds/backfill.yaml; the CRD at crds/backfill.yaml:1 is used.',
    )
  })
})
