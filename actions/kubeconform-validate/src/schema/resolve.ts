import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { messageOf } from '../../../../lib/errors'
import { bundleSchema, type DocumentLoader } from './bundle'
import { DownloadError, fetchText, type HttpDeps } from './http'
import { RESOLVED_LAYOUT, renderTemplate, type TemplateData } from './template'

/**
 * Finds the schema of every kind the manifests use before kubeconform runs,
 * so kubeconform itself reads only local folders and never meets the network:
 * first the offline `schema-dir`, then the cache, then the schema locations
 * (downloads retried on 429 and 5xx, and kept in the cache). Every schema is
 * made standalone and written as `<group>/<kind>_<version>.json`.
 */

export interface Gvk {
  kind: string
  apiVersion: string
}

export type SchemaOutcome =
  | { status: 'found'; source: 'crd' | 'schema-dir' | 'cache' | 'download' | 'local'; from: string }
  | { status: 'missing'; tried: string[] }
  | { status: 'failed'; reason: string }

export interface ResolverOptions {
  kubernetesVersion: string
  strict: boolean
  /** Absolute paths of offline folders, tried first, in order. */
  schemaDirs: string[]
  /** Expanded kubeconform templates: URLs or local paths. */
  locations: string[]
  /** Absolute folder for downloaded schemas kept between runs (already keyed); none to keep nothing. */
  cacheDir?: string
  /** Absolute folder for this run's schemas (from schema-dir and local locations, and downloads when there is no cache). */
  runDir: string
  http: HttpDeps
  concurrency?: number
  /**
   * Schemas made from the CRDs among the manifests, by gvkKey: looked at before anything else, since the
   * definition the repository deploys is the one its custom resources will meet. A CRD that could not be
   * converted is a reason instead.
   */
  generated?: Map<string, { schema: unknown; from: string } | { reason: string; from: string }>
}

/** The layouts searched in `schema-dir`: kubeconform's standalone folders, kubernetes-validate's, the CRDs catalog and flat folders. */
export const SCHEMA_DIR_LAYOUTS = [
  '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
  '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
  '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json',
  '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json',
  '{{ .ResourceKind }}{{ .KindSuffix }}.json',
]

/** kubeconform's own way of naming a group, version and kind in -skip and -reject. */
export function gvkKey(gvk: Gvk): string {
  return `${gvk.apiVersion}/${gvk.kind}`
}

// Kinds and apiVersions come from the pull request; they name files and URLs, so only plain names are accepted.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
export function isSafeGvk(gvk: Gvk): boolean {
  const parts = gvk.apiVersion.split('/')
  return NAME.test(gvk.kind) && parts.length <= 2 && parts.every((part) => NAME.test(part) && !part.includes('..'))
}

/** The cache folder for one Kubernetes version, strictness and list of locations. */
export function cacheFolder(root: string, data: Pick<TemplateData, 'kubernetesVersion' | 'strict'>, locations: readonly string[]): string {
  const hash = createHash('sha256').update(locations.join('\n')).digest('hex').slice(0, 12)
  return join(root, 'kubeconform-schemas', `v${data.kubernetesVersion}${data.strict ? '-strict' : ''}-${hash}`)
}

export async function resolveSchemas(gvks: readonly Gvk[], options: ResolverOptions): Promise<Map<string, SchemaOutcome>> {
  const outcomes = new Map<string, SchemaOutcome>()
  const documents = new Map<string, Promise<unknown>>()
  const memo = (key: string, load: () => Promise<unknown>) => {
    let doc = documents.get(key)
    if (!doc) {
      doc = load()
      documents.set(key, doc)
    }
    return doc
  }
  const queue = [...gvks]
  const worker = async () => {
    for (let gvk = queue.shift(); gvk; gvk = queue.shift()) {
      outcomes.set(gvkKey(gvk), await resolveOne(gvk, options, memo).catch((error: unknown) => failed(messageOf(error))))
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, gvks.length)) }, worker))
  return outcomes
}

type Memo = (key: string, load: () => Promise<unknown>) => Promise<unknown>

const failed = (reason: string): SchemaOutcome => ({ status: 'failed', reason })

async function resolveOne(gvk: Gvk, options: ResolverOptions, memo: Memo): Promise<SchemaOutcome> {
  if (!isSafeGvk(gvk)) return failed(`'${gvk.apiVersion}' '${gvk.kind}' is not a valid apiVersion and kind`)
  const data: TemplateData = { ...gvk, kubernetesVersion: options.kubernetesVersion, strict: options.strict }
  const target = renderTemplate(RESOLVED_LAYOUT, data)
  const tried: string[] = []
  const notSchemas: string[] = []

  const generated = options.generated?.get(gvkKey(gvk))
  if (generated && 'reason' in generated) return failed(`the CRD at ${generated.from}: ${generated.reason}`)
  if (generated) {
    await writeAtomically(join(options.runDir, target), JSON.stringify(generated.schema))
    return { status: 'found', source: 'crd', from: generated.from }
  }

  for (const schemaDir of options.schemaDirs) {
    for (const layout of SCHEMA_DIR_LAYOUTS) {
      const path = join(schemaDir, renderTemplate(layout, data))
      const text = await readIfFile(path)
      if (text === undefined) continue
      const problem = await store(text, pathToFileURL(path).href, localLoader(path, memo), join(options.runDir, target))
      return problem ? failed(`${path}: ${problem}`) : { status: 'found', source: 'schema-dir', from: path }
    }
    tried.push(`${schemaDir} (${SCHEMA_DIR_LAYOUTS.length} layouts)`)
  }

  if (options.cacheDir && (await readIfFile(join(options.cacheDir, target), false)) !== undefined) {
    return { status: 'found', source: 'cache', from: join(options.cacheDir, target) }
  }

  for (const location of options.locations) {
    const where = renderTemplate(location, data)
    if (/^https?:\/\//i.test(where)) {
      let fetched: Awaited<ReturnType<typeof fetchText>>
      try {
        fetched = await fetchText(where, options.http)
      } catch (error) {
        return failed(error instanceof DownloadError ? `download failed: ${error.message}` : messageOf(error))
      }
      if (!fetched.found) {
        tried.push(`${where} (${fetched.reason})`)
        continue
      }
      const destination = join(options.cacheDir ?? options.runDir, target)
      const problem = await store(fetched.text, where, remoteLoader(where, options.http, memo), destination)
      if (problem === 'not JSON' || problem === NOT_A_SCHEMA) {
        // Another location may still have it, as kubeconform moves on; but if none does, this answer
        // is the host's fault, never a missing schema: with ignore-missing-schemas that would pass
        // having validated nothing.
        const what = problem === 'not JSON' ? 'text that is not JSON' : 'JSON that is not a schema'
        tried.push(`${where} (not JSON)`)
        notSchemas.push(`${where} answered HTTP 200 with ${what}, not a JSON schema`)
        continue
      }
      return problem ? failed(`${where}: ${problem}`) : { status: 'found', source: 'download', from: where }
    }
    const path = where.startsWith('file://') ? fileURLToPath(where) : where
    const text = await readIfFile(path)
    if (text === undefined) {
      tried.push(path)
      continue
    }
    const problem = await store(text, pathToFileURL(path).href, localLoader(path, memo), join(options.runDir, target))
    if (problem === 'not JSON') {
      tried.push(`${path} (not JSON)`)
      continue
    }
    return problem ? failed(`${path}: ${problem}`) : { status: 'found', source: 'local', from: path }
  }
  if (notSchemas.length > 0) return failed(`${notSchemas.join('; ')}: check 'schema-locations' (is it a schema host?)`)
  return { status: 'missing', tried }
}

const NOT_A_SCHEMA = 'JSON that is not a schema (an object)'

/** Parses, makes standalone and writes a schema; returns what is wrong with it, if anything. */
async function store(text: string, url: string, load: DocumentLoader, destination: string): Promise<string | undefined> {
  let schema: unknown
  try {
    schema = JSON.parse(text)
  } catch {
    return 'not JSON'
  }
  // A JSON Schema is an object or, since draft 6, a boolean.
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) return NOT_A_SCHEMA
  const bundled = await bundleSchema(schema as never, url, load)
  if (bundled.unresolved.length > 0) return `it refers to ${bundled.unresolved.slice(0, 3).join(', ')}, which cannot be found`
  await writeAtomically(destination, JSON.stringify(bundled.schema))
  return undefined
}

async function writeAtomically(destination: string, text: string): Promise<void> {
  await mkdir(dirname(destination), { recursive: true })
  // Written beside and renamed, so a parallel job sharing the cache never reads half a file.
  const partial = `${destination}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`
  await writeFile(partial, text)
  await rename(partial, destination)
}

/**
 * References of a local schema load only local files: the file URL itself,
 * or a file of the same name beside the schema (kubernetes-validate's
 * `https://kubernetes.io/api/_definitions.json` is the `_definitions.json`
 * next to it). A local folder never makes the step reach the network.
 */
function localLoader(schemaPath: string, memo: Memo): DocumentLoader {
  return async (url) => {
    const path = url.startsWith('file:') ? fileURLToPath(url) : join(dirname(schemaPath), basename(new URL(url).pathname))
    return (await memo(`file:${path}`, () => readJson(path))) as never
  }
}

/** References of a downloaded schema: the referenced URL on the schema's own host, else the file of that name beside it. */
function remoteLoader(schemaUrl: string, http: HttpDeps, memo: Memo): DocumentLoader {
  const origin = new URL(schemaUrl).origin
  const get = (url: string) =>
    memo(url, async () => {
      const fetched = await fetchText(url, http)
      return fetched.found ? parseJson(fetched.text) : undefined
    })
  return async (url) => {
    const sibling = new URL(basename(new URL(url).pathname), schemaUrl).href
    if (new URL(url).origin === origin) return ((await get(url)) ?? (url === sibling ? undefined : await get(sibling))) as never
    return (await get(sibling)) as never
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readIfFile(path)
  return text === undefined ? undefined : parseJson(text)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

async function readIfFile(path: string, read = true): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined
    return read ? await readFile(path, 'utf8') : ''
  } catch {
    return undefined
  }
}
