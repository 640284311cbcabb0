import type { KubeObject } from '../manifests/objects'
import { isMap } from '../manifests/objects'

// Fields the API server sets on every write; a diff of them says nothing about what the deploy changes.
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink']
// kubectl's client-side apply copy holds the whole object (a Secret's values too); the revision is the controller's.
const SERVER_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision']

/** An object as a deploy sets it: without its status and the metadata the server keeps for itself. */
export function normalizeObject(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object
  const metadata: Record<string, unknown> = { ...object.metadata }
  for (const key of SERVER_METADATA) delete metadata[key]
  if (isMap(metadata.annotations)) {
    const annotations = { ...(metadata.annotations as Record<string, string>) }
    for (const key of SERVER_ANNOTATIONS) delete annotations[key]
    if (Object.keys(annotations).length === 0) delete metadata.annotations
    else metadata.annotations = annotations
  }
  return { ...rest, metadata } as KubeObject
}

/**
 * Which object this is, across a rendered manifest and a live one: the API
 * group (not its version, so moving to a new version shows as a change),
 * kind, namespace and name.
 */
export function objectKey(object: KubeObject, defaultNamespace = ''): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : ''
  const kind = group ? `${object.kind}.${group}` : object.kind
  const namespace = object.metadata.namespace ?? defaultNamespace
  return namespace ? `${kind} ${namespace}/${object.metadata.name}` : `${kind} ${object.metadata.name}`
}
