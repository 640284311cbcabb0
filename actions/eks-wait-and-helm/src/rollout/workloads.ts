import { isMap, type KubeObject } from '../manifests/objects'

/** A workload a chart creates, and how to find its pods. */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job'
  name: string
  /** Labels every pod of it carries. */
  podLabels: Record<string, string>
  /** A Helm hook (a migration Job, say), run before or after the release's objects. */
  hook: boolean
}

const KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job'])

/**
 * The workloads among a release's rendered objects (hooks included): their
 * pods are what a waited-on deploy waits for. A Job's pods are found by the
 * label the Job controller sets; the others' by their selector's labels.
 */
export function workloadsIn(objects: readonly KubeObject[]): Workload[] {
  const workloads: Workload[] = []
  for (const object of objects) {
    if (!KINDS.has(object.kind)) continue
    const kind = object.kind as Workload['kind']
    const annotations = isMap(object.metadata.annotations) ? (object.metadata.annotations as Record<string, string>) : {}
    const hook = 'helm.sh/hook' in annotations
    if (kind === 'Job') {
      workloads.push({ kind, name: object.metadata.name, podLabels: { 'batch.kubernetes.io/job-name': object.metadata.name }, hook })
      continue
    }
    const spec = isMap(object.spec) ? object.spec : {}
    const selector = isMap(spec.selector) && isMap(spec.selector.matchLabels) ? (spec.selector.matchLabels as Record<string, string>) : {}
    // A selector of matchExpressions only cannot be matched here without reimplementing it; such a workload is still named.
    workloads.push({ kind, name: object.metadata.name, podLabels: selector, hook })
  }
  return workloads
}

export function ownsPod(workload: Workload, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(workload.podLabels)
  return entries.length > 0 && entries.every(([key, value]) => labels?.[key] === value)
}
