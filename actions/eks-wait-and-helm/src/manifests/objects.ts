import { parseAllDocuments } from 'yaml'
import { UserError } from '../../../../lib/errors'

/** A Kubernetes object as a manifest holds it. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown }
  [key: string]: unknown
}

/** An object and where it came from, so an error can name the file. */
export interface RenderedObject {
  object: KubeObject
  source: string
}

/** The label every object of a manifests entry carries: how an uninstall finds them all, whatever their kind. */
export const OWNER_LABEL = 'pipeline-actions/deployment'

/**
 * The objects of a YAML stream (a file, kustomize's or helm's output): empty
 * documents are skipped, a List is opened, anything that is not an object
 * with apiVersion, kind and metadata.name is refused naming its document.
 */
export function parseObjects(text: string, source: string, entry: string): RenderedObject[] {
  const objects: RenderedObject[] = []
  const documents = parseAllDocuments(text)
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      const [error] = document.errors
      throw new UserError(`${entry}: ${source} is not valid YAML (document ${index + 1}): ${error?.message.split('\n')[0]}.`)
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 })
    if (value === null || value === undefined) continue
    const items = isMap(value) && value.kind === 'List' && Array.isArray(value.items) ? (value.items as unknown[]) : [value]
    for (const item of items) objects.push({ object: asObject(item, `${source} (document ${index + 1})`, entry), source })
  }
  return objects
}

function asObject(value: unknown, where: string, entry: string): KubeObject {
  if (
    !isMap(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    !isMap(value.metadata) ||
    typeof value.metadata.name !== 'string' ||
    value.metadata.name === ''
  ) {
    throw new UserError(`${entry}: ${where} is not a Kubernetes object (apiVersion, kind and metadata.name are needed).`)
  }
  return value as KubeObject
}

/** The same objects with the owner label; the input is left as it was. */
export function withOwner(objects: readonly RenderedObject[], owner: string): KubeObject[] {
  return objects.map(({ object }) => ({
    ...object,
    metadata: { ...object.metadata, labels: { ...(object.metadata.labels ?? {}), [OWNER_LABEL]: owner } },
  }))
}

// Namespaces and CRDs before what lives in them or uses them, as Helm orders an install.
const FIRST = ['Namespace', 'CustomResourceDefinition']

export function installOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (object: KubeObject) => {
    const at = FIRST.indexOf(object.kind)
    return at === -1 ? FIRST.length : at
  }
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index)
    .map(({ object }) => object)
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
