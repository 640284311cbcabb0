import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { UserError } from '../../../../lib/errors'
import { lastLines } from '../../../../lib/exec'
import { dryRunArgs, getArgs } from '../helm/args'
import { type HelmContext, type Prepared, prepare, readHistory, requireKube } from '../helm/deploy'
import { latestOf } from '../helm/plan'
import { installOrder, isMap, type KubeObject, parseObjects, withOwner } from '../manifests/objects'
import type { Release } from '../releases'
import { diffObjects, type EntryDiff } from './object-diff'

export interface EntryReport extends EntryDiff {
  name: string
  namespace: string
  kind: 'release' | 'manifests'
  /** The release's current revision (0: not installed; a manifests entry has none). */
  revision: number
  /** What could not be compared exactly, told beside the diff. */
  note?: string
}

/**
 * The dry run: for every entry, what a deploy would change. The same checks
 * as a deploy run first (charts rendered, kinds known). A Helm release's
 * rendered manifests and hooks (`helm upgrade --install --dry-run=server`,
 * with the same values) are compared with its current revision's (`helm get
 * manifest`, `helm get hooks`); a manifests entry's objects, as server-side
 * apply would make them (`kubectl apply --server-side --dry-run=server`),
 * with the live ones. Nothing is written to the cluster.
 */
export async function diffReleases(entries: Parameters<typeof prepare>[0], context: HelmContext): Promise<EntryReport[]> {
  const prepared = await prepare(entries, context)
  const reports: EntryReport[] = []
  for (const [index, entry] of prepared.entries()) {
    reports.push(entry.kind === 'manifests' ? await diffManifests(entry, index, context) : await diffRelease(entry, context))
  }
  return reports
}

async function diffRelease(entry: Extract<Prepared, { kind: 'release' }>, context: HelmContext): Promise<EntryReport> {
  const { release } = entry
  const latest = latestOf(await readHistory(context.helm, release, 1))
  const current = latest ? [...(await helmGet(release, 'manifest', context)), ...(await helmGet(release, 'hooks', context))] : []
  const dryRun = await context.helm.run(dryRunArgs(release, entry.ref, entry.valuesFiles), { silent: true })
  if (dryRun.exitCode !== 0) {
    throw new UserError(
      `Release '${release.name}': helm upgrade --dry-run=server failed, so its diff cannot be shown: ${lastLines(dryRun.stderr.replace(/^Use --debug flag.*$/gm, '')) || 'no error output'}.`,
    )
  }
  const proposed = renderedByDryRun(dryRun.stdout, release)
  context.log(
    `Rendered release '${release.name}' (helm upgrade --dry-run=server) and compared it with ${latest ? `revision ${latest.revision}` : 'nothing: it is not installed'}.`,
  )
  return {
    name: release.name,
    namespace: release.namespace,
    kind: 'release',
    revision: latest?.revision ?? 0,
    ...diffObjects(current, proposed, release.namespace),
  }
}

async function helmGet(release: Release, what: 'manifest' | 'hooks', context: HelmContext): Promise<KubeObject[]> {
  const result = await context.helm.run(getArgs(release, what), { silent: true })
  if (result.exitCode !== 0) {
    // Only stderr: stdout holds the release's manifests, Secrets included.
    throw new UserError(`helm get ${what} of release '${release.name}' failed: ${lastLines(result.stderr) || 'no error output'}.`)
  }
  return objectsOf(result.stdout, `the current ${what} of release '${release.name}'`)
}

/** The manifest and hooks of the release `helm upgrade --dry-run --output json` prints. */
function renderedByDryRun(json: string, release: Release): KubeObject[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw new UserError(`Release '${release.name}': helm upgrade --dry-run did not print the release as JSON, so its diff cannot be shown.`)
  }
  if (!isMap(parsed)) return []
  const hooks = Array.isArray(parsed.hooks) ? parsed.hooks.filter(isMap).map((hook) => String(hook.manifest ?? '')) : []
  const text = [String(parsed.manifest ?? ''), ...hooks].join('\n---\n')
  return objectsOf(text, `the rendered chart of release '${release.name}'`)
}

function objectsOf(text: string, source: string): KubeObject[] {
  return parseObjects(text, source, source).map(({ object }) => object)
}

/**
 * A manifests entry: the objects as server-side apply would leave them
 * (defaults filled in, other managers' fields kept) against the live ones.
 * Apply never deletes, so nothing is shown removed. When the entry's
 * namespace does not exist yet the server cannot dry-run into it, and the
 * objects are shown as read.
 */
async function diffManifests(entry: Extract<Prepared, { kind: 'manifests' }>, index: number, context: HelmContext): Promise<EntryReport> {
  const { set } = entry
  const { kubectl, fieldManager } = requireKube(context)
  const objects = installOrder(withOwner(entry.objects, set.name))
  const file = join(context.workDir, `diff-${index}-${set.name}.yaml`)
  await writeFile(file, objects.map((object) => stringify(object)).join('---\n'), { mode: 0o600 })
  const base = { name: set.name, namespace: set.namespace, kind: 'manifests' as const, revision: 0 }
  const found = await kubectl.run(['get', 'namespace', set.namespace, '--ignore-not-found', '--output', 'name'])
  if (found.exitCode !== 0) throw new UserError(`kubectl could not read namespace '${set.namespace}': ${lastLines(found.stderr)}.`)
  if (found.stdout.trim() === '') {
    const placed = objects.map((object) => ({
      ...object,
      metadata: { ...object.metadata, namespace: object.metadata.namespace ?? set.namespace },
    }))
    return {
      ...base,
      note: `namespace '${set.namespace}' does not exist yet: every object is new, shown as read`,
      ...diffObjects([], placed),
    }
  }
  const apply = await kubectl.run(
    [
      'apply',
      '--server-side',
      '--dry-run=server',
      `--field-manager=${fieldManager}`,
      '--namespace',
      set.namespace,
      '--filename',
      file,
      '--output',
      'json',
    ],
    { silent: true },
  )
  if (apply.exitCode !== 0) {
    throw new UserError(
      `kubectl apply --dry-run=server of manifests '${set.name}' failed: ${lastLines(apply.stderr) || 'no error output'}.`,
    )
  }
  const live = await kubectl.run(['get', '--namespace', set.namespace, '--filename', file, '--ignore-not-found', '--output', 'json'], {
    silent: true,
  })
  if (live.exitCode !== 0) {
    throw new UserError(
      `kubectl could not read the live objects of manifests '${set.name}': ${lastLines(live.stderr) || 'no error output'}.`,
    )
  }
  context.log(`Compared manifests '${set.name}' (kubectl apply --server-side --dry-run=server) with the live objects.`)
  return { ...base, ...diffObjects(listItems(live.stdout), listItems(apply.stdout)) }
}

/** kubectl prints one object, or a List of several, or nothing when none was found. */
function listItems(json: string): KubeObject[] {
  if (json.trim() === '') return []
  const parsed: unknown = JSON.parse(json)
  if (!isMap(parsed)) return []
  if (parsed.kind === 'List' && Array.isArray(parsed.items)) return parsed.items.filter(isMap) as KubeObject[]
  return [parsed as KubeObject]
}
