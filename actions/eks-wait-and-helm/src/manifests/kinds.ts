import { UserError } from '../../../../lib/errors'
import type { KubeReader } from '../access/kube-reader'
import { isMap, type KubeObject, type RenderedObject } from './objects'

/** One kind the API server serves. */
export interface ServedKind {
  /** How kubectl names the resource: `deployments.apps`, `configmaps`. */
  resource: string
  namespaced: boolean
  verbs: string[]
}

/** Served kinds by `apiVersion kind` (`apps/v1 Deployment`, `v1 ConfigMap`). */
export type KindIndex = Map<string, ServedKind>

export const kindKey = (apiVersion: string, kind: string) => `${apiVersion} ${kind}`

const REQUEST_TIMEOUT_MS = 30_000
// Aggregated discovery (GA in Kubernetes 1.30, as every supported EKS version): every group's resources in two requests.
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'

/**
 * Which kinds the cluster serves, read from its discovery documents with
 * the action's own token: aggregated discovery where the server has it,
 * else the older one request per group version.
 */
export async function discoverKinds(reader: KubeReader): Promise<KindIndex> {
  const index: KindIndex = new Map()
  const get = async (path: string, accept = 'application/json'): Promise<Record<string, unknown>> => {
    const url = `${reader.endpoint.replace(/\/$/, '')}${path}`
    const response = await reader.get(url, {
      ca: reader.caPem,
      headers: { authorization: `Bearer ${await reader.token()}`, accept },
      timeoutMs: REQUEST_TIMEOUT_MS,
    })
    if (response.status !== 200) {
      throw new UserError(
        `Reading the cluster's API discovery (${path}) failed with HTTP ${response.status}; the kinds of the manifests cannot be checked.`,
      )
    }
    const body: unknown = JSON.parse(response.body)
    return isMap(body) ? body : {}
  }
  for (const root of ['/api', '/apis']) {
    const document = await get(root, AGGREGATED)
    if (document.kind === 'APIGroupDiscoveryList') {
      for (const group of asList(document.items)) {
        const name = isMap(group.metadata) && typeof group.metadata.name === 'string' ? group.metadata.name : ''
        for (const version of asList(group.versions)) {
          for (const resource of asList(version.resources)) {
            const kind = isMap(resource.responseKind) ? resource.responseKind.kind : undefined
            if (typeof kind !== 'string' || typeof resource.resource !== 'string') continue
            add(index, name, String(version.version), kind, resource.resource, resource.scope === 'Namespaced', resource.verbs)
          }
        }
      }
      continue
    }
    // The older discovery: /api lists versions of the core group, /apis the groups with their versions.
    const groupVersions =
      root === '/api'
        ? asStrings(document.versions)
        : asList(document.groups).flatMap((group) => asList(group.versions).map((version) => String(version.groupVersion)))
    for (const groupVersion of groupVersions) {
      const list = await get(`${root}/${groupVersion}`)
      const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion]
      for (const resource of asList(list.resources)) {
        if (typeof resource.name !== 'string' || resource.name.includes('/') || typeof resource.kind !== 'string') continue
        add(index, group ?? '', version ?? '', resource.kind, resource.name, resource.namespaced === true, resource.verbs)
      }
    }
  }
  return index
}

function add(index: KindIndex, group: string, version: string, kind: string, plural: string, namespaced: boolean, verbs: unknown): void {
  const apiVersion = group === '' ? version : `${group}/${version}`
  index.set(kindKey(apiVersion, kind), { resource: group === '' ? plural : `${plural}.${group}`, namespaced, verbs: asStrings(verbs) })
}

/** Kinds a CustomResourceDefinition among the rendered objects will add, served once it is applied. */
export function kindsDefinedBy(objects: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>()
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition' || !isMap(object.spec)) continue
    const { group, names, versions } = object.spec
    if (typeof group !== 'string' || !isMap(names) || typeof names.kind !== 'string') continue
    for (const version of asList(versions)) if (typeof version.name === 'string') kinds.add(kindKey(`${group}/${version.name}`, names.kind))
  }
  return kinds
}

/**
 * Refuses, before anything is deployed, an object of a kind the cluster does
 * not serve and no entry's CRD defines: applied, it would fail half-way
 * through the list, after the entries before it were deployed.
 */
export function requireKnownKinds(entry: string, objects: readonly RenderedObject[], served: KindIndex, defined: Set<string>): void {
  for (const { object, source } of objects) {
    const key = kindKey(object.apiVersion, object.kind)
    if (served.has(key) || defined.has(key)) continue
    throw new UserError(
      `${entry}: ${object.kind} '${object.metadata.name}' in ${source} has apiVersion ${object.apiVersion}, a kind this cluster does not serve and no CustomResourceDefinition in the list defines; nothing was deployed.`,
      'Fix the kind or apiVersion, or deploy the CRD (or the chart that brings it) earlier in the list.',
    )
  }
}

/** Resource names kubectl can list and delete by label: what an uninstall searches for the entry's objects. */
export function deletableResources(served: KindIndex): string[] {
  const names = new Set<string>()
  for (const kind of served.values()) {
    if (kind.verbs.includes('list') && kind.verbs.includes('delete') && !/^events(\.|$)/.test(kind.resource)) names.add(kind.resource)
  }
  return [...names].sort()
}

function asList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isMap) : []
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}
