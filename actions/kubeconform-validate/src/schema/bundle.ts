/**
 * Makes a JSON schema standalone: every `$ref` into another document is
 * copied into the schema's own definitions and pointed there.
 *
 * Why: kubeconform compiles a schema with an HTTP loader for its `$ref`s, and
 * when a reference cannot be loaded it does not fail; it treats the schema as
 * not found (so `-ignore-missing-schemas` silently skips the resource). The
 * schemas shipped by kubernetes-validate carry `$id: https://kubernetes.io/…`
 * and refer to `/api/_definitions.json` beside them, which no host serves.
 * A standalone schema validates offline, and a reference that cannot be
 * resolved is reported here, per kind, instead of disappearing.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

/** Loads a referenced document by absolute URL; undefined when it does not exist. */
export type DocumentLoader = (url: string) => Promise<Json | undefined>

export interface Bundled {
  schema: JsonObject
  /** References that could not be loaded or pointed nowhere; the schema is unusable when any exist. */
  unresolved: string[]
}

export async function bundleSchema(schema: Json, baseUrl: string, load: DocumentLoader): Promise<Bundled> {
  if (!isObject(schema)) return { schema: {}, unresolved: [`${baseUrl} is not a JSON object`] }
  const rootBase = typeof schema.$id === 'string' ? (safeUrl(schema.$id, baseUrl) ?? baseUrl) : baseUrl
  const rootDoc = withoutFragment(rootBase)
  const container = /2019-09|2020-12/.test(String(schema.$schema ?? '')) ? '$defs' : 'definitions'
  const existing = schema[container]
  const definitions: JsonObject = isObject(existing) ? existing : {}
  const ownDefinitions = Object.values(definitions)
  const names = new Map<string, string>()
  const documents = new Map<string, Promise<Json | undefined>>()
  const unresolved: string[] = []

  const loadDocument = (url: string) => {
    let doc = documents.get(url)
    if (!doc) {
      doc = load(url)
      documents.set(url, doc)
    }
    return doc
  }

  const definitionFor = async (docUrl: string, pointer: string): Promise<string | undefined> => {
    const key = `${docUrl}#${pointer}`
    const known = names.get(key)
    if (known !== undefined) return known
    const doc = await loadDocument(docUrl)
    const target = doc === undefined ? undefined : resolvePointer(doc, pointer)
    if (target === undefined) {
      unresolved.push(key)
      return undefined
    }
    const wanted = pointer === '' ? (docUrl.split('/').pop() ?? '') : (pointer.split('/').pop() ?? '')
    const name = uniqueName(definitions, wanted.replace(/~[01]|[/#%]/g, '_') || 'schema')
    names.set(key, name)
    const copy = structuredClone(target)
    definitions[name] = copy
    const docBase = isObject(doc) && typeof doc.$id === 'string' ? (safeUrl(doc.$id, docUrl) ?? docUrl) : docUrl
    await rewrite(copy, docBase, false)
    return name
  }

  const rewrite = async (node: Json, base: string, inRoot: boolean): Promise<void> => {
    if (Array.isArray(node)) {
      for (const item of node) await rewrite(item, base, inRoot)
      return
    }
    if (!isObject(node)) return
    const nestedBase = node !== schema && typeof node.$id === 'string' ? (safeUrl(node.$id, base) ?? base) : base
    if (typeof node.$ref === 'string') {
      const target = safeUrl(node.$ref, nestedBase)
      if (target === undefined) {
        unresolved.push(node.$ref)
      } else {
        const docUrl = withoutFragment(target)
        const pointer = decodePointer(new URL(target).hash.slice(1))
        if (inRoot && docUrl === rootDoc) {
          node.$ref = `#${encodePointer(pointer)}`
        } else {
          const name = await definitionFor(docUrl, pointer)
          if (name !== undefined) node.$ref = `#${encodePointer(`/${container}/${name}`)}`
        }
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' || key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue
      if (key === container && node === schema) continue
      await rewrite(value, nestedBase, inRoot)
    }
  }

  // Definitions the schema already holds are walked with it; copies are walked as they are added.
  await rewrite(schema, rootBase, true)
  for (const value of ownDefinitions) await rewrite(value, rootBase, true)
  const { $id: _dropped, ...rest } = schema
  const result: JsonObject = { ...rest }
  if (Object.keys(definitions).length > 0) result[container] = definitions
  return { schema: result, unresolved: [...new Set(unresolved)] }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function safeUrl(ref: string, base: string): string | undefined {
  try {
    return new URL(ref, base).href
  } catch {
    return undefined
  }
}

function withoutFragment(url: string): string {
  const at = url.indexOf('#')
  return at < 0 ? url : url.slice(0, at)
}

function decodePointer(fragment: string): string {
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}

function encodePointer(pointer: string): string {
  return pointer
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%24/g, '$').replace(/%7E/gi, '~'))
    .join('/')
}

/** RFC 6901: `/a/b~1c` walks a → b/c. An empty pointer is the whole document. */
export function resolvePointer(doc: Json, pointer: string): Json | undefined {
  if (pointer === '') return doc
  if (!pointer.startsWith('/')) return undefined
  let node: Json | undefined = doc
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) node = node[Number(part)]
    else if (isObject(node)) node = Object.hasOwn(node, part) ? node[part] : undefined
    else return undefined
    if (node === undefined) return undefined
  }
  return node
}

function uniqueName(definitions: JsonObject, wanted: string): string {
  let name = wanted
  for (let n = 2; Object.hasOwn(definitions, name); n++) name = `${wanted}-${n}`
  return name
}
