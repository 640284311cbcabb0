import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheFolder, gvkKey, isSafeGvk, resolveSchemas } from '../../../actions/kubeconform-validate/src/schema/resolve'
import { ManualClock } from '../../../lib/clock'
import { fixtures, kubernetesSchemas, startServer, type TestServer, tempDir } from './helpers'

const deployment = { kind: 'Deployment', apiVersion: 'apps/v1' }
const configMap = { kind: 'ConfigMap', apiVersion: 'v1' }
const widget = { kind: 'Widget', apiVersion: 'example.com/v1' }
const standardTemplate = (base: string) =>
  `${base}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
const catalogTemplate = (base: string) => `${base}/catalog/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`

let server: TestServer
/** Replies the server gives before serving a path normally, consumed one per request. */
const failuresFor = new Map<string, { status: number; headers?: Record<string, string> }[]>()
const served: Record<string, string> = {
  '/v1.33.0-standalone-strict/configmap-v1.json': JSON.stringify({ type: 'object', properties: { data: { type: 'object' } } }),
  '/catalog/example.com/widget_v1.json': readFileSync(join(fixtures, 'schemas/example.com/widget_v1.json'), 'utf8'),
  '/html/v1.33.0-standalone-strict/configmap-v1.json': '<html>a captive portal</html>',
  // A schema written like kubernetes-validate's: its references name another host, the definitions sit beside it.
  '/split/v1.33.0-standalone-strict/deployment-apps-v1.json': JSON.stringify({
    $id: 'https://kubernetes.io/api/deployment/apps/v1',
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    properties: { spec: { $ref: '/api/_definitions.json#/$defs/Spec' } },
  }),
  '/split/v1.33.0-standalone-strict/_definitions.json': JSON.stringify({ $defs: { Spec: { type: 'object', required: ['selector'] } } }),
}

beforeAll(async () => {
  server = await startServer((request, response) => {
    const path = request.url ?? ''
    const failure = failuresFor.get(path)?.shift()
    if (failure) return void response.writeHead(failure.status, failure.headers).end()
    const body = served[path]
    if (body === undefined) return void response.writeHead(404).end('not found')
    response.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
})
afterAll(() => server.close())

async function options(extra: Partial<Parameters<typeof resolveSchemas>[1]> = {}) {
  const clock = new ManualClock()
  return {
    clock,
    options: {
      kubernetesVersion: '1.33.0',
      strict: true,
      schemaDirs: [],
      locations: [],
      runDir: await tempDir('kcv-run-'),
      http: { fetch, clock, random: () => 0 },
      ...extra,
    },
  }
}

describe('resolveSchemas', () => {
  it('makes kubernetes-validate schemas from schema-dir standalone, in the resolved layout', async () => {
    const { options: o } = await options({ schemaDirs: [join(fixtures, 'schemas'), kubernetesSchemas] })
    const outcomes = await resolveSchemas([deployment, widget], o)
    expect(outcomes.get('apps/v1/Deployment')).toEqual({
      status: 'found',
      source: 'schema-dir',
      from: join(kubernetesSchemas, 'v1.33.0-local-strict', 'deployment-apps-v1.json'),
    })
    expect(outcomes.get('example.com/v1/Widget')).toMatchObject({ status: 'found', source: 'schema-dir' })
    const written = readFileSync(join(o.runDir, 'apps', 'deployment_v1.json'), 'utf8')
    expect(written).not.toContain('_definitions.json')
    expect(JSON.parse(written).$id).toBeUndefined()
    expect(existsSync(join(o.runDir, 'example.com', 'widget_v1.json'))).toBe(true)
  })

  it('takes the non-strict schemas when strict is off', async () => {
    const { options: o } = await options({ schemaDirs: [kubernetesSchemas], strict: false })
    const outcomes = await resolveSchemas([configMap], o)
    expect(outcomes.get('v1/ConfigMap')).toMatchObject({ from: join(kubernetesSchemas, 'v1.33.0-local', 'configmap-v1.json') })
  })

  it.each([
    ['flat <kind>_<version>.json', 'widget_v1.json'],
    ['flat <kind>-<group>-<version>.json', 'widget-example-v1.json'],
    ['kubeconform standalone folders', 'v1.33.0-standalone-strict/widget-example-v1.json'],
  ])('finds the %s layout in schema-dir', async (_name, file) => {
    const dir = await tempDir('kcv-layout-')
    await mkdir(join(dir, file, '..'), { recursive: true })
    await writeFile(join(dir, file), '{"type": "object"}')
    const { options: o } = await options({ schemaDirs: [dir] })
    expect((await resolveSchemas([widget], o)).get('example.com/v1/Widget')).toEqual({
      status: 'found',
      source: 'schema-dir',
      from: join(dir, file),
    })
  })

  it('reports a schema-dir schema whose references cannot be found, instead of letting kubeconform skip it', async () => {
    const dir = await tempDir('kcv-broken-')
    await writeFile(join(dir, 'widget_v1.json'), JSON.stringify({ properties: { spec: { $ref: '_definitions.json#/$defs/Spec' } } }))
    const { options: o } = await options({ schemaDirs: [dir] })
    const outcome = (await resolveSchemas([widget], o)).get('example.com/v1/Widget')
    expect(outcome).toEqual({
      status: 'failed',
      reason: `${join(dir, 'widget_v1.json')}: it refers to file://${join(dir, '_definitions.json')}#/$defs/Spec, which cannot be found`,
    })
  })

  it('reports a schema-dir file that is not JSON', async () => {
    const dir = await tempDir('kcv-notjson-')
    await writeFile(join(dir, 'widget_v1.json'), 'not json')
    const { options: o } = await options({ schemaDirs: [dir] })
    expect((await resolveSchemas([widget], o)).get('example.com/v1/Widget')).toEqual({
      status: 'failed',
      reason: `${join(dir, 'widget_v1.json')}: not JSON`,
    })
  })

  it('downloads into the cache, then serves the next run from it without a request', async () => {
    const cacheDir = await tempDir('kcv-cache-')
    const locations = [standardTemplate(server.url), catalogTemplate(server.url)]
    const first = await options({ locations, cacheDir })
    const before = server.requests.length
    const outcomes = await resolveSchemas([configMap, widget], first.options)
    expect(outcomes.get('v1/ConfigMap')).toEqual({
      status: 'found',
      source: 'download',
      from: `${server.url}/v1.33.0-standalone-strict/configmap-v1.json`,
    })
    expect(outcomes.get('example.com/v1/Widget')).toEqual({
      status: 'found',
      source: 'download',
      from: `${server.url}/catalog/example.com/widget_v1.json`,
    })
    // Kinds resolve in parallel, so the order of requests varies; the Widget is not in the standard layout and comes from the catalog.
    expect(server.requests.slice(before).sort()).toEqual([
      '/catalog/example.com/widget_v1.json',
      '/v1.33.0-standalone-strict/configmap-v1.json',
      '/v1.33.0-standalone-strict/widget-example-v1.json',
    ])
    expect(existsSync(join(cacheDir, 'v1', 'configmap_v1.json'))).toBe(true)

    const second = await options({ locations, cacheDir })
    const warm = server.requests.length
    const again = await resolveSchemas([configMap, widget], second.options)
    expect(again.get('v1/ConfigMap')).toEqual({ status: 'found', source: 'cache', from: join(cacheDir, 'v1', 'configmap_v1.json') })
    expect(server.requests.length).toBe(warm)
  })

  it('retries a 429 from the schema host and then succeeds', async () => {
    const path = '/v1.33.0-standalone-strict/configmap-v1.json'
    failuresFor.set(path, [{ status: 429, headers: { 'retry-after': '2' } }, { status: 503 }])
    const { options: o, clock } = await options({ locations: [standardTemplate(server.url)] })
    const before = server.requests.length
    expect((await resolveSchemas([configMap], o)).get('v1/ConfigMap')).toMatchObject({ status: 'found', source: 'download' })
    expect(server.requests.slice(before)).toEqual([path, path, path])
    expect(clock.sleeps).toEqual([2000, 0])
    // With no cache, the download lands in the run's own folder.
    expect(existsSync(join(o.runDir, 'v1', 'configmap_v1.json'))).toBe(true)
  })

  it('turns a host that keeps failing into a failed kind, naming the attempts', async () => {
    const path = '/v1.33.0-standalone-strict/configmap-v1.json'
    failuresFor.set(
      path,
      Array.from({ length: 5 }, () => ({ status: 503 })),
    )
    const { options: o } = await options({ locations: [standardTemplate(server.url)] })
    expect((await resolveSchemas([configMap], o)).get('v1/ConfigMap')).toEqual({
      status: 'failed',
      reason: `download failed: ${server.url}${path}: HTTP 503 (after 5 attempts)`,
    })
  })

  it('lists every place it looked for a kind nobody has', async () => {
    const emptyDir = await tempDir('kcv-empty-')
    const { options: o } = await options({
      schemaDirs: [emptyDir],
      locations: [standardTemplate(server.url), '/nowhere/{{ .ResourceKind }}.json'],
    })
    expect(
      (await resolveSchemas([{ kind: 'Gadget', apiVersion: 'gadgets.example.org/v1alpha1' }], o)).get(
        'gadgets.example.org/v1alpha1/Gadget',
      ),
    ).toEqual({
      status: 'missing',
      tried: [
        `${emptyDir} (5 layouts)`,
        `${server.url}/v1.33.0-standalone-strict/gadget-gadgets-v1alpha1.json (HTTP 404)`,
        '/nowhere/gadget.json',
      ],
    })
  })

  it('moves on from a location that answers with something other than JSON, as kubeconform does', async () => {
    const { options: o } = await options({ locations: [standardTemplate(`${server.url}/html`), standardTemplate(server.url)] })
    expect((await resolveSchemas([configMap], o)).get('v1/ConfigMap')).toMatchObject({
      status: 'found',
      from: `${server.url}/v1.33.0-standalone-strict/configmap-v1.json`,
    })
  })

  it('loads the definitions a downloaded schema refers to from beside it', async () => {
    const { options: o } = await options({ locations: [standardTemplate(`${server.url}/split`)] })
    expect((await resolveSchemas([deployment], o)).get('apps/v1/Deployment')).toMatchObject({ status: 'found', source: 'download' })
    expect(JSON.parse(readFileSync(join(o.runDir, 'apps', 'deployment_v1.json'), 'utf8'))).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: { spec: { $ref: '#/$defs/Spec' } },
      $defs: { Spec: { type: 'object', required: ['selector'] } },
    })
  })

  it('reads local and file:// locations without caching them', async () => {
    const dir = join(fixtures, 'schemas')
    const cacheDir = await tempDir('kcv-cache-')
    for (const template of [
      `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
      `file://${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
    ]) {
      const { options: o } = await options({ locations: [template], cacheDir })
      expect((await resolveSchemas([widget], o)).get('example.com/v1/Widget')).toEqual({
        status: 'found',
        source: 'local',
        from: join(dir, 'example.com', 'widget_v1.json'),
      })
      expect(existsSync(join(o.runDir, 'example.com', 'widget_v1.json'))).toBe(true)
    }
    expect(existsSync(join(cacheDir, 'example.com'))).toBe(false)
  })

  it('never builds a path or URL from a kind or apiVersion that is not a plain name', async () => {
    const { options: o } = await options({ locations: [standardTemplate(server.url)] })
    const before = server.requests.length
    const outcomes = await resolveSchemas(
      [
        { kind: 'Deployment', apiVersion: '../../etc/v1' },
        { kind: '../x', apiVersion: 'v1' },
      ],
      o,
    )
    expect([...outcomes.values()].map((outcome) => outcome.status)).toEqual(['failed', 'failed'])
    expect(server.requests.length).toBe(before)
  })
})

describe('names and keys', () => {
  it.each([
    [{ kind: 'Deployment', apiVersion: 'apps/v1' }, true],
    [{ kind: 'Widget', apiVersion: 'example.com/v1alpha1' }, true],
    [{ kind: 'Pod', apiVersion: 'v1' }, true],
    [{ kind: 'Pod', apiVersion: 'a/b/c' }, false],
    [{ kind: 'Pod', apiVersion: '../v1' }, false],
    [{ kind: 'Po d', apiVersion: 'v1' }, false],
    [{ kind: '', apiVersion: 'v1' }, false],
  ])('%o is safe: %s', (gvk, safe) => {
    expect(isSafeGvk(gvk)).toBe(safe)
  })

  it('keys kinds as kubeconform names them in -skip and -reject', () => {
    expect(gvkKey(deployment)).toBe('apps/v1/Deployment')
  })

  it('keys the cache by Kubernetes version, strictness and locations', () => {
    const base = cacheFolder('/c', { kubernetesVersion: '1.33.0', strict: true }, ['a'])
    expect(base).toMatch(/^\/c\/kubeconform-schemas\/v1\.33\.0-strict-[0-9a-f]{12}$/)
    expect(cacheFolder('/c', { kubernetesVersion: '1.32.0', strict: true }, ['a'])).not.toBe(base)
    expect(cacheFolder('/c', { kubernetesVersion: '1.33.0', strict: false }, ['a'])).not.toBe(base)
    expect(cacheFolder('/c', { kubernetesVersion: '1.33.0', strict: true }, ['b'])).not.toBe(base)
  })
})
