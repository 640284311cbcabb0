import { parseDocument } from 'yaml'
import { helmSource, LineIndex, splitLikeKubeconform } from '../documents'
import type { Gvk } from './resolve'

/**
 * JSON schemas for the custom resources whose CustomResourceDefinitions are
 * among the manifests (files, or chart output rendered with --include-crds),
 * so those resources are validated against the definition the cluster will
 * enforce instead of being skipped for want of a schema. The conversion
 * follows what kubeconform's openapi2jsonschema does for CRDs (and the API
 * server's own rules where that script is silent); it is written here
 * because that script is Python and the action runs on Node alone.
 */

export interface CrdSchema {
  gvk: Gvk
  schema: Record<string, unknown>
  /** Where the CRD is (file and line, or the chart file that rendered it), for the summary and messages. */
  from: string
}

export interface CrdProblem {
  gvk?: Gvk
  from: string
  reason: string
}

export interface CrdScan {
  schemas: CrdSchema[]
  problems: CrdProblem[]
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The CRDs in one file's text. Only documents that mention the kind are
 * parsed, so scanning every manifest costs one substring search per
 * document for all but the definitions themselves.
 */
export function crdSchemasOf(
  text: string,
  options: { strict: boolean; where: (line: number, helmSource: string | undefined) => string },
): CrdScan {
  const scan: CrdScan = { schemas: [], problems: [] }
  if (!text.includes('CustomResourceDefinition')) return scan
  let lines: LineIndex | undefined
  for (const chunk of splitLikeKubeconform(text)) {
    if (!chunk.text.includes('CustomResourceDefinition')) continue
    const doc = parseDocument(chunk.text, { version: '1.1', uniqueKeys: false, prettyErrors: false, strict: false })
    // A document that does not parse is kubeconform's to report, on its own line.
    if (doc.errors.length > 0) continue
    const crd: unknown = doc.toJS({ maxAliasCount: 100 })
    if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || typeof crd.apiVersion !== 'string') continue
    if (!crd.apiVersion.startsWith('apiextensions.k8s.io/')) continue
    lines ??= new LineIndex(text)
    const start = doc.contents?.range?.[0] ?? 0
    const from = options.where(lines.lineOf(chunk.offset + start), helmSource(chunk.text))
    collect(crd, from, options.strict, scan)
  }
  return scan
}

function collect(crd: Json, from: string, strict: boolean, scan: CrdScan): void {
  const spec = isObject(crd.spec) ? crd.spec : {}
  const names = isObject(spec.names) ? spec.names : {}
  const group = spec.group
  const kind = names.kind
  if (typeof group !== 'string' || group === '' || typeof kind !== 'string' || kind === '') {
    scan.problems.push({ from, reason: 'it names no spec.group or spec.names.kind' })
    return
  }
  // v1beta1 kept unknown fields unless told otherwise (spec.preserveUnknownFields defaulted to true there):
  // the API server accepts them, so they are not rejected here either.
  const preserves =
    spec.preserveUnknownFields === true || (crd.apiVersion !== 'apiextensions.k8s.io/v1' && spec.preserveUnknownFields !== false)
  // apiextensions.k8s.io/v1beta1 kept one schema for every version in spec.validation; a version's own one wins.
  const shared = isObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined
  const versions = Array.isArray(spec.versions)
    ? spec.versions.filter(isObject)
    : typeof spec.version === 'string'
      ? [{ name: spec.version, served: true }]
      : []
  for (const version of versions) {
    if (typeof version.name !== 'string' || version.served === false) continue
    const gvk = { kind, apiVersion: `${group}/${version.name}` }
    const openapi = isObject(version.schema) ? version.schema.openAPIV3Schema : shared
    if (openapi === undefined) continue
    if (!isObject(openapi)) {
      scan.problems.push({ gvk, from, reason: `the openAPIV3Schema of version ${version.name} is not an object` })
      continue
    }
    scan.schemas.push({ gvk, schema: toJsonSchema(openapi, strict && !preserves), from })
  }
}

/**
 * One CRD version's openAPIV3Schema as a JSON schema kubeconform compiles:
 * - under strict, an object with properties accepts no other field unless
 *   it says otherwise (additionalProperties, x-kubernetes-preserve-unknown-fields),
 *   which is what the API server's strict field validation rejects;
 * - x-kubernetes-int-or-string (and the older format int-or-string) takes a
 *   string or an integer, `nullable` adds null;
 * - OpenAPI 3.0's boolean exclusiveMinimum/Maximum become the numbers later
 *   JSON Schema drafts want (kubeconform's validator rejects the booleans);
 * - the root, and an embedded resource, always accept apiVersion, kind and
 *   metadata, whose fields the API server checks itself.
 * CEL rules (x-kubernetes-validations) need the API server and are not checked.
 */
export function toJsonSchema(openapi: Json, strict: boolean): Json {
  const schema = convert(openapi, strict)
  withResourceFields(schema)
  return schema
}

function convert(node: Json, strict: boolean): Json {
  const out: Json = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isObject(value)) {
      const properties: Json = {}
      for (const [name, child] of Object.entries(value)) properties[name] = isObject(child) ? convert(child, strict) : child
      out.properties = properties
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      out[key] = convert(value, strict)
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((child) => (isObject(child) ? convert(child, strict) : child))
    } else {
      out[key] = value
    }
  }
  if (out['x-kubernetes-int-or-string'] === true || out.format === 'int-or-string') {
    out.type = ['integer', 'string']
    if (out.format === 'int-or-string') delete out.format
  }
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null']
    // An enum lists the values allowed; null is one of them once nullable says so.
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
  }
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[bound] === true && typeof out[limit] === 'number') {
      out[bound] = out[limit]
      delete out[limit]
    } else if (typeof out[bound] === 'boolean') {
      delete out[bound]
    }
  }
  if (out['x-kubernetes-embedded-resource'] === true) withResourceFields(out)
  const preserves = out['x-kubernetes-preserve-unknown-fields'] === true
  if (strict && isObject(out.properties) && out.additionalProperties === undefined && !preserves) {
    out.additionalProperties = false
  }
  return out
}

/** apiVersion, kind and metadata: every resource has them, whether or not its schema lists them. */
function withResourceFields(schema: Json): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !isObject(schema.properties)) return
  const properties = isObject(schema.properties) ? schema.properties : {}
  properties.apiVersion ??= { type: 'string' }
  properties.kind ??= { type: 'string' }
  // ObjectMeta is the API server's to check; a CRD may only narrow name and generateName, and any other field is allowed.
  if (isObject(properties.metadata)) delete properties.metadata.additionalProperties
  else properties.metadata = { type: 'object' }
  schema.properties = properties
}
