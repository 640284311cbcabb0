import { spawnSync } from 'node:child_process'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { run } from '../../../actions/kubeconform-validate/src/main'
import { type ControlPlane, startControlPlane } from '../../bench/control-plane'
import { type Moto, startMoto } from '../../bench/moto'
import { waitFor } from '../../bench/ports'
import { runInProcess } from '../../harness/in-process'
import { fixtures, helmBinary, kubernetesSchemas, privateToolCache, tempDir } from './helpers'

/**
 * The schemas made from CRDs, judged by the API server they imitate: the
 * bench's real kube-apiserver is given the same CRDs and asked to create
 * each custom resource (server-side dry run, strict field validation), and
 * the action must find invalid exactly the resources the API server refuses.
 */

interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string }
}

let moto: Moto
let plane: ControlPlane
let workspace: string

// Beyond the fixtures: each of these tries one rule of the conversion.
const EXTRA = [
  ['port-bool', 'port: true'],
  ['port-number', 'port: 8443'],
  ['owner-number', 'owner: 5'],
  ['replicas-zero', 'replicas: 0'],
  ['config-deep', 'config: {deep: {nested: [1, 2]}}'],
  ['step-extra', 'steps: [{name: a, retries: 2}]'],
  ['steps-missing', null],
]
  .map(([name, field]) => {
    const steps = field?.startsWith('steps:') ? '' : '\n  steps: [{name: a}]'
    return `apiVersion: data.example.org/v1\nkind: Pipeline\nmetadata:\n  name: ${name}\n  annotations: {any: thing}\nspec:\n  schedule: "@hourly"${field ? `\n  ${field}` : ''}${field === null ? '' : steps}\n`
  })
  .join('---\n')

beforeAll(async () => {
  moto = await startMoto()
  plane = await startControlPlane({ stsEndpoint: moto.endpoint })
  workspace = await tempDir('kcv-crd-api-')
  await cp(join(fixtures, 'manifests/custom-resources'), join(workspace, 'manifests'), { recursive: true })
  await writeFile(join(workspace, 'manifests/extra.yaml'), EXTRA)
  await cp(join(fixtures, 'charts/crd-app'), join(workspace, 'chart'), { recursive: true })
}, 300_000)

afterAll(async () => {
  await plane?.stop()
  await moto?.stop()
})

async function manifestsOf(path: string): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(path, 'utf8')).map((doc) => doc.toJS() as Manifest)
}

/** The plural the fixtures' CRDs give each kind. */
const PLURAL: Record<string, string> = { Pipeline: 'pipelines', Backfill: 'backfills' }

describe('schemas from CRDs, against the API server', () => {
  it('finds invalid exactly the custom resources the API server refuses under strict field validation', async () => {
    const rendered = spawnSync(helmBinary, ['template', 'chart', 'chart', '-f', 'chart/values-invalid.yaml'], {
      cwd: workspace,
      encoding: 'utf8',
    })
    expect(rendered.status).toBe(0)
    const crds = [
      ...(await manifestsOf(join(workspace, 'manifests/crd.yaml'))),
      ...(await manifestsOf(join(workspace, 'chart/crds/backfill.yaml'))),
    ]
    for (const crd of crds) {
      const created = await plane.request('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: crd })
      expect(created.status, created.text).toBe(201)
      await waitFor(`${crd.metadata.name} established`, async () => {
        const got = await plane.request(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)
        const conditions = (got.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []
        return conditions.some((c) => c.type === 'Established' && c.status === 'True')
      })
    }
    const resources = [
      ...(await manifestsOf(join(workspace, 'manifests/pipelines.yaml'))),
      ...(await manifestsOf(join(workspace, 'manifests/unknown-field.yaml'))),
      ...(await manifestsOf(join(workspace, 'manifests/extra.yaml'))),
      ...parseAllDocuments(rendered.stdout)
        .map((doc) => doc.toJS() as Manifest)
        .filter((m) => m?.kind === 'Backfill'),
    ]
    expect(resources).toHaveLength(11)
    const refused: string[] = []
    for (const resource of resources) {
      const path = `/apis/${resource.apiVersion}/namespaces/default/${PLURAL[resource.kind]}?dryRun=All&fieldValidation=Strict`
      let response = await plane.request(path, { method: 'POST', body: resource })
      // Discovery of a just-established kind can lag a moment behind the condition.
      for (let tries = 0; response.status === 404 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        response = await plane.request(path, { method: 'POST', body: resource })
      }
      expect([201, 400, 422], `${resource.metadata.name}: ${response.text}`).toContain(response.status)
      if (response.status !== 201) refused.push(`${resource.kind}/${resource.metadata.name}`)
    }

    const result = await runInProcess(() => run({ env: process.env }), {
      inputs: {
        paths: 'manifests',
        charts: 'chart -f chart/values-invalid.yaml',
        'schema-dir': kubernetesSchemas,
        'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
        'fail-on': 'never',
      },
      env: { GITHUB_WORKSPACE: workspace, PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() },
    })
    const findings = JSON.parse(result.outputs['results-json'] as string).resources as { kind: string; name: string; status: string }[]
    const invalid = findings.filter((f) => f.status === 'statusInvalid').map((f) => `${f.kind}/${f.name}`)
    expect(findings.filter((f) => f.status !== 'statusInvalid')).toEqual([])
    expect(invalid.sort()).toEqual(refused.sort())
    // Both verdicts occur, each for the reason its resource was written for.
    expect(refused.sort()).toEqual([
      'Backfill/chart-backfill',
      'Pipeline/hourly',
      'Pipeline/owner-number',
      'Pipeline/port-bool',
      'Pipeline/replicas-zero',
      'Pipeline/retries',
      'Pipeline/step-extra',
      'Pipeline/steps-missing',
    ])
  })
})
