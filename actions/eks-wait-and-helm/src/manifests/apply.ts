import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { UserError } from '../../../../lib/errors'
import { lastLines } from '../../../../lib/exec'
import type { ManifestSet } from '../releases'
import type { Kubectl } from './kubectl'
import { installOrder, type KubeObject, OWNER_LABEL } from './objects'

export interface ManifestContext {
  kubectl: Kubectl
  /** The server-side apply field manager: who owns the fields these objects set. */
  fieldManager: string
  /** A private folder for the rendered objects (they may hold Secrets). */
  workDir: string
  log: (line: string) => void
}

/**
 * Applies a manifests entry server-side: the API server merges the fields
 * this field manager sets, and refuses to take over a field another manager
 * owns (a conflict is an error naming the field, never silently overwritten).
 * The entry's namespace is created when missing and is never deleted, as
 * `helm --create-namespace` does.
 */
export async function applyManifestSet(
  set: ManifestSet,
  objects: readonly KubeObject[],
  index: number,
  context: ManifestContext,
): Promise<void> {
  await ensureNamespace(set, objects, context)
  const file = join(context.workDir, `manifests-${index}-${set.name}.yaml`)
  await writeFile(
    file,
    installOrder(objects)
      .map((object) => stringify(object))
      .join('---\n'),
    { mode: 0o600 },
  )
  context.log(
    `Applying ${objects.length} object(s) of '${set.name}' server-side (field manager ${context.fieldManager}, namespace '${set.namespace}' for those that name none).`,
  )
  const result = await context.kubectl.run(
    ['apply', '--server-side', `--field-manager=${context.fieldManager}`, '--namespace', set.namespace, '--filename', file],
    { silent: true },
  )
  if (result.stdout.trim()) context.log(result.stdout.trim())
  if (result.exitCode !== 0)
    throw new UserError(`kubectl apply of manifests '${set.name}' failed: ${lastLines(result.stderr || result.stdout)}.`)
}

async function ensureNamespace(set: ManifestSet, objects: readonly KubeObject[], context: ManifestContext): Promise<void> {
  if (objects.some((object) => object.kind === 'Namespace' && object.metadata.name === set.namespace)) return
  const found = await context.kubectl.run(['get', 'namespace', set.namespace, '--ignore-not-found', '--output', 'name'])
  if (found.exitCode !== 0) throw new UserError(`kubectl could not read namespace '${set.namespace}': ${lastLines(found.stderr)}.`)
  if (found.stdout.trim() !== '') return
  const created = await context.kubectl.run(['create', 'namespace', set.namespace])
  if (created.exitCode !== 0 && !/AlreadyExists/.test(created.stderr)) {
    throw new UserError(`kubectl could not create namespace '${set.namespace}': ${lastLines(created.stderr)}.`)
  }
}

/**
 * Deletes every object that carries the entry's owner label, of every kind
 * the cluster can list and delete, in every namespace: what it deployed,
 * even objects since removed from its manifests. Waits until they are gone,
 * so what they hold (a load balancer, a volume) is released before Terraform
 * destroys the network. Returns how many objects were deleted.
 */
export async function deleteManifestSet(set: ManifestSet, resources: readonly string[], context: ManifestContext): Promise<number> {
  const selector = `${OWNER_LABEL}=${set.name}`
  const listed = await context.kubectl.run(['get', resources.join(','), '--all-namespaces', '--selector', selector, '--output', 'name'])
  if (listed.exitCode !== 0)
    throw new UserError(`kubectl could not list the objects of manifests '${set.name}': ${lastLines(listed.stderr)}.`)
  const names = listed.stdout.split('\n').filter((line) => line.trim() !== '')
  if (names.length === 0) return 0
  context.log(`Deleting the ${names.length} object(s) labelled ${selector}.`)
  const deleted = await context.kubectl.run([
    'delete',
    resources.join(','),
    '--all-namespaces',
    '--selector',
    selector,
    '--ignore-not-found',
    '--wait=true',
    '--timeout=10m',
  ])
  if (deleted.exitCode !== 0)
    throw new UserError(`kubectl delete of manifests '${set.name}' failed: ${lastLines(deleted.stderr || deleted.stdout)}.`)
  return names.length
}
