import { access } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { UserError } from '../../../../lib/errors'
import { type ExecResult, lastLines } from '../../../../lib/exec'
import { resolveInWorkspace } from '../../../../lib/workspace'
import { applyManifestSet, deleteManifestSet, type ManifestContext } from '../manifests/apply'
import { deletableResources, type KindIndex, kindsDefinedBy, requireKnownKinds } from '../manifests/kinds'
import type { Kubectl } from '../manifests/kubectl'
import { type KubeObject, parseObjects, type RenderedObject, withOwner } from '../manifests/objects'
import { renderManifestSet } from '../manifests/render'
import { type Deployment, isManifestSet, type ManifestSet, type Release } from '../releases'
import { RolloutError } from '../rollout/failure'
import { describeProblems, type RolloutWatch } from '../rollout/watch'
import { type Workload, workloadsIn } from '../rollout/workloads'
import { historyArgs, listArgs, registryLoginArgs, repoAddArgs, rollbackArgs, templateArgs, uninstallArgs, upgradeArgs } from './args'
import type { HelmCli } from './cli'
import { buildDependencies, localChartDir } from './dependencies'
import { type HistoryEntry, isStuck, parseHistory, parseList, planDeploy, releaseKey } from './plan'
import { writeInlineValues } from './values'

export interface ReleaseResult {
  name: string
  namespace: string
  /** 0 for a manifests entry, which has no revisions. */
  revision: number
  status: string
  chart?: string
  /** How many objects a manifests entry applied or deleted. */
  objects?: number
}

/** What manifests entries need besides helm: kubectl on the same kubeconfig and the kinds the cluster serves. */
export interface KubeContext {
  kubectl: Kubectl
  fieldManager: string
  servedKinds: () => Promise<KindIndex>
}

/**
 * The deploy path, given a helm bound to any kubeconfig. The action passes
 * the EKS cluster's; tests can pass a local API server's.
 */
export interface HelmContext {
  helm: HelmCli
  /** A private folder for the inline values files. */
  workDir: string
  /** Relative chart paths and values files are resolved from here (helm's working directory). */
  workspace: string
  log: (line: string) => void
  warn: (line: string) => void
  /** The namespace's Warning events since a moment (ms): why a waited-on deploy timed out. */
  warningsSince?: (namespace: string, sinceMs: number) => Promise<string[]>
  /** Needed only when the list holds manifests entries. */
  kube?: KubeContext
  /** Watches a release's workloads while helm waits, to name the failing pod when it times out. */
  watchRollout?: (namespace: string, workloads: readonly Workload[]) => RolloutWatch
}

export type Prepared =
  | { kind: 'release'; release: Release; ref: string; valuesFiles: string[]; workloads: Workload[] }
  | { kind: 'manifests'; set: ManifestSet; objects: RenderedObject[] }

/**
 * Event times are the API server's and the start is the runner's clock; the
 * margin absorbs the skew between two NTP-synced hosts and the events' whole seconds.
 */
const EVENT_CLOCK_MARGIN_MS = 5000

/**
 * Deploys the list in order: Helm releases installed or upgraded (repairing
 * one a killed run left pending), manifests applied server-side. Everything
 * that can be known without deploying is checked first, for every entry:
 * chart dependencies built, every chart rendered with its values, every
 * manifest read and its kind known to the cluster (or defined by a CRD in
 * the list). A bad entry stops the run before the first one is deployed.
 */
export async function deployReleases(entries: readonly Deployment[], context: HelmContext): Promise<ReleaseResult[]> {
  const prepared = await prepare(entries, context)
  const releases = prepared.flatMap((entry) => (entry.kind === 'release' ? [entry.release] : []))
  const before = await latestRevisions(context.helm, releases)
  const applied = new Map<string, number>()
  for (const [index, entry] of prepared.entries()) {
    if (entry.kind === 'manifests') {
      const objects = withOwner(entry.objects, entry.set.name)
      await applyManifestSet(entry.set, objects, index, manifestContext(context))
      applied.set(entry.set.name, objects.length)
      continue
    }
    const { release } = entry
    await deployRelease(entry, before.get(releaseKey(release.namespace, release.name)), context)
  }
  const after = await latestRevisions(context.helm, releases)
  return prepared.map((entry): ReleaseResult => {
    if (entry.kind === 'manifests') {
      const { name, namespace } = entry.set
      return { name, namespace, revision: 0, status: 'applied', objects: applied.get(name) ?? 0 }
    }
    const { name, namespace } = entry.release
    const latest = after.get(releaseKey(namespace, name))
    return {
      name,
      namespace,
      revision: latest?.revision ?? 0,
      status: latest?.status ?? 'unknown',
      ...(latest?.chart ? { chart: latest.chart } : {}),
    }
  })
}

/** Everything a deploy checks before it changes anything (also what a diff renders). */
export async function prepare(entries: readonly Deployment[], context: HelmContext): Promise<Prepared[]> {
  const charts = entries.filter((entry): entry is Release => !isManifestSet(entry))
  const refs = await prepareChartSources(charts, context)
  const prepared: Prepared[] = []
  const rendered: KubeObject[] = []
  for (const [index, entry] of entries.entries()) {
    if (isManifestSet(entry)) {
      const objects = await renderManifestSet(entry, context.workspace, requireKube(context).kubectl)
      rendered.push(...objects.map(({ object }) => object))
      prepared.push({ kind: 'manifests', set: entry, objects })
      continue
    }
    const ref = refs[charts.indexOf(entry)] as string
    const dir = await localChartDir(entry, context.workspace)
    if (dir && (await buildDependencies(entry, dir, context.helm)))
      context.log(`Built the dependencies of chart '${entry.chart}' (helm dependency build).`)
    const valuesFiles = await valuesFilesFor(entry, index, context)
    const template = await context.helm.run([...templateArgs(entry, ref, valuesFiles), '--include-crds'], { silent: true })
    if (template.exitCode !== 0) {
      throw new UserError(
        `Release '${entry.name}': chart '${entry.chart}' does not render with its values, so nothing was deployed: ${lastLines((template.stderr || template.stdout).replace(/^Use --debug flag.*$/gm, ''))}.`,
      )
    }
    const objects = objectsIn(template.stdout)
    rendered.push(...objects.filter((object) => object.kind === 'CustomResourceDefinition'))
    prepared.push({ kind: 'release', release: entry, ref, valuesFiles, workloads: workloadsIn(objects) })
  }
  const manifests = prepared.filter((entry) => entry.kind === 'manifests')
  if (manifests.length > 0) {
    const served = await requireKube(context).servedKinds()
    const defined = kindsDefinedBy(rendered)
    for (const entry of manifests) requireKnownKinds(`Manifests '${entry.set.name}'`, entry.objects, served, defined)
  }
  return prepared
}

/**
 * A chart's rendered objects (helm template --include-crds, hooks included):
 * its CRDs are kinds manifests later in the list may use, its workloads what
 * a failed rollout is explained by.
 */
function objectsIn(text: string): KubeObject[] {
  try {
    return parseObjects(text, 'the chart', 'chart').map(({ object }) => object)
  } catch {
    return []
  }
}

export function requireKube(context: HelmContext): KubeContext {
  if (!context.kube) throw new Error('manifests entries need the kubectl context')
  return context.kube
}

function manifestContext(context: HelmContext): ManifestContext {
  const kube = requireKube(context)
  return { kubectl: kube.kubectl, fieldManager: kube.fieldManager, workDir: context.workDir, log: context.log }
}

/**
 * One release: repaired if a killed run left it pending, then installed or
 * upgraded. `current` is its latest revision from the list read before the
 * deploy; only a stuck one needs its whole history, to find a good revision.
 */
async function deployRelease(
  { release, ref, valuesFiles, workloads }: Extract<Prepared, { kind: 'release' }>,
  current: HistoryEntry | undefined,
  context: HelmContext,
): Promise<void> {
  const plan = planDeploy(current && isStuck(current.status) ? await readHistory(context.helm, release) : current && [current])
  if (plan.kind === 'rollback-then-upgrade') {
    context.warn(
      `Release '${release.name}' was left ${plan.stuck.status} at revision ${plan.stuck.revision} by an interrupted run; rolling back to revision ${plan.target.revision} before upgrading.`,
    )
    await mustSucceed(
      context.helm.run(rollbackArgs(release, plan.target.revision, context.helm.major)),
      `helm rollback of release '${release.name}'`,
    )
  } else if (plan.kind === 'uninstall-then-install') {
    context.warn(
      `Release '${release.name}' was left ${plan.stuck.status} at revision ${plan.stuck.revision} with no earlier good revision; uninstalling it before installing again.`,
    )
    await mustSucceed(context.helm.run(uninstallArgs(release, context.helm.major)), `helm uninstall of release '${release.name}'`)
  }
  const verb = plan.kind === 'upgrade' || plan.kind === 'rollback-then-upgrade' ? 'Upgrading' : 'Installing'
  context.log(`${verb} release '${release.name}' in namespace '${release.namespace}' (helm ${context.helm.version}).`)
  const upgradeStarted = Date.now()
  const waited = release.wait || release.atomic
  const watch = waited && context.watchRollout ? context.watchRollout(release.namespace, workloads) : undefined
  const upgrade = await context.helm.run(upgradeArgs(release, ref, valuesFiles, context.helm.major))
  const problems = (await watch?.finish(upgrade.exitCode !== 0)) ?? []
  // The workloads' own problems say more than the namespace's warnings; those are the fallback (a chart with no workload of its own).
  const warnings =
    upgrade.exitCode !== 0 && waited && problems.length === 0 && context.warningsSince
      ? await context.warningsSince(release.namespace, upgradeStarted - EVENT_CLOCK_MARGIN_MS)
      : []
  const explanation =
    problems.length > 0
      ? `What kept the rollout from becoming ready: ${describeProblems(problems)}.`
      : warnings.length > 0
        ? `Warnings in namespace '${release.namespace}' meanwhile: ${warnings.join('; ')}.`
        : undefined
  try {
    await mustSucceed(upgrade, `helm upgrade of release '${release.name}'`, false, explanation)
  } catch (error) {
    if (problems.length > 0 && error instanceof UserError) {
      throw new RolloutError(error.message, error.hint, { name: release.name, namespace: release.namespace }, problems)
    }
    throw error
  }
}

/**
 * Uninstalls the releases in reverse order, so a load balancer a chart
 * created is released before Terraform destroys the VPC it sits in.
 * A release that is not installed is skipped.
 */
export async function uninstallReleases(entries: readonly Deployment[], context: HelmContext): Promise<ReleaseResult[]> {
  const results: ReleaseResult[] = []
  const installed = await latestRevisions(
    context.helm,
    entries.filter((entry): entry is Release => !isManifestSet(entry)),
  )
  for (const release of [...entries].reverse()) {
    if (isManifestSet(release)) {
      const resources = deletableResources(await requireKube(context).servedKinds())
      const deleted = await deleteManifestSet(release, resources, manifestContext(context))
      if (deleted === 0) context.log(`No object of manifests '${release.name}' is left in the cluster; nothing to delete.`)
      results.push({
        name: release.name,
        namespace: release.namespace,
        revision: 0,
        status: deleted > 0 ? 'deleted' : 'not-installed',
        objects: deleted,
      })
      continue
    }
    const latest = installed.get(releaseKey(release.namespace, release.name))
    if (!latest) {
      context.log(`Release '${release.name}' is not installed in namespace '${release.namespace}'; nothing to uninstall.`)
      results.push({ name: release.name, namespace: release.namespace, revision: 0, status: 'not-installed' })
      continue
    }
    context.log(
      `Uninstalling release '${release.name}' (revision ${latest.revision}, ${latest.status}) from namespace '${release.namespace}'.`,
    )
    await mustSucceed(context.helm.run(uninstallArgs(release, context.helm.major)), `helm uninstall of release '${release.name}'`)
    results.push({
      name: release.name,
      namespace: release.namespace,
      revision: latest.revision,
      status: 'uninstalled',
      ...(latest.chart ? { chart: latest.chart } : {}),
    })
  }
  return results
}

/** Adds chart repositories and logs in to OCI registries, credentials through stdin; returns each release's chart reference. */
async function prepareChartSources(releases: readonly Release[], context: HelmContext): Promise<string[]> {
  const aliases = new Map<string, string>()
  const logins = new Set<string>()
  const refs: string[] = []
  for (const release of releases) {
    if (release.repository) {
      const key = `${release.repository}\n${release.username ?? ''}`
      let alias = aliases.get(key)
      if (!alias) {
        alias = `repo${aliases.size + 1}`
        aliases.set(key, alias)
        const result = await context.helm.run(repoAddArgs(alias, release.repository, release.username), {
          silent: true,
          ...(release.password !== undefined ? { input: release.password } : {}),
        })
        await mustSucceed(result, `helm repo add ${release.repository}`, true)
      }
      refs.push(`${alias}/${release.chart}`)
      continue
    }
    if (release.chart.startsWith('oci://') && release.username !== undefined) {
      const host = new URL(release.chart.replace(/^oci:/, 'https:')).host
      const key = `${host}\n${release.username}`
      if (!logins.has(key)) {
        logins.add(key)
        const result = await context.helm.run(registryLoginArgs(host, release.username), { silent: true, input: release.password ?? '' })
        await mustSucceed(result, `helm registry login ${host}`, true)
      }
    }
    refs.push(release.chart)
  }
  return refs
}

async function valuesFilesFor(release: Release, index: number, context: HelmContext): Promise<string[]> {
  for (const file of release.valuesFiles) {
    // Helm prints a values file it cannot parse: one outside the checkout could be any file of the runner.
    resolveInWorkspace('releases', file, { workspace: context.workspace })
    try {
      await access(isAbsolute(file) ? file : join(context.workspace, file))
    } catch {
      throw new UserError(`Values file '${file}' of release '${release.name}' does not exist; paths are relative to the workspace.`)
    }
  }
  const inline = await writeInlineValues(context.workDir, release, index)
  return inline ? [...release.valuesFiles, inline] : [...release.valuesFiles]
}

/** The latest revision of each release (absent: not installed), with one `helm list` per namespace rather than a `helm history` per release. */
async function latestRevisions(helm: HelmCli, releases: readonly Release[]): Promise<Map<string, HistoryEntry>> {
  const names = new Map<string, string[]>()
  for (const { namespace, name } of releases) names.set(namespace, [...(names.get(namespace) ?? []), name])
  const latest = new Map<string, HistoryEntry>()
  for (const [namespace, inNamespace] of names) {
    const result = await helm.run(listArgs(namespace, inNamespace, helm.major), { silent: true })
    if (result.exitCode !== 0) {
      throw new UserError(
        `helm list in namespace '${namespace}' failed: ${lastLines(result.stderr || result.stdout)}.`,
        forbiddenHint(result.stderr),
      )
    }
    for (const [key, entry] of parseList(result.stdout)) latest.set(key, entry)
  }
  return latest
}

export async function readHistory(helm: HelmCli, release: Release, max?: number): Promise<HistoryEntry[] | undefined> {
  const result = await helm.run(historyArgs(release, max), { silent: true })
  if (result.exitCode === 0) return parseHistory(result.stdout)
  if (/release: not found/i.test(result.stderr)) return undefined
  throw new UserError(
    `helm history for release '${release.name}' in namespace '${release.namespace}' failed: ${lastLines(result.stderr || result.stdout)}.`,
    forbiddenHint(result.stderr),
  )
}

/**
 * The API server authenticated the CI role but RBAC refused it: its access
 * entry (or aws-auth mapping) exists without the permissions a deploy needs.
 */
function forbiddenHint(stderr: string): string | undefined {
  if (!/\bforbidden\b/i.test(stderr)) return undefined
  return "The CI role reaches the cluster but may not deploy: associate an access policy with its EKS access entry (aws_eks_access_policy_association with AmazonEKSClusterAdminPolicy, or one that allows this release's namespace and resources)."
}

async function mustSucceed(pending: Promise<ExecResult> | ExecResult, what: string, silent = false, explanation?: string): Promise<void> {
  const result = await pending
  if (result.exitCode === 0) return
  const how = result.signal ? `was stopped by ${result.signal}` : `exited with ${result.exitCode}`
  // Output that streamed to the log is not repeated; a silent command's is the only trace.
  const detail = silent || !result.stderr ? lastLines(result.stderr || result.stdout) : lastLines(result.stderr, 1)
  const hint = [explanation, forbiddenHint(result.stderr)].filter(Boolean).join(' ')
  throw new UserError(`${what} ${how}${detail ? `: ${detail}` : ''}.`, hint || undefined)
}
