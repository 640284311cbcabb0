import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { withChildEnv } from '../../../lib/child-env'
import { type Clock, systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { runWithDeps } from '../../../lib/entry'
import { UserError } from '../../../lib/errors'
import { exec as defaultExec, type Exec } from '../../../lib/exec'
import { findOnPath } from '../../../lib/files'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { type Logger, runnerLog } from '../../../lib/log'
import { commentOnPullRequest, hiddenMarker, type IssueComments, octokitComments, pullRequestOf, runUrl } from '../../../lib/pr-comment'
import { appendSummary } from '../../../lib/summary'
import { byteLength, COMMENT_LIMIT, charLength, SUMMARY_LIMIT } from '../../../lib/text-budget'
import { credentialsFromEnv } from './access/credentials'
import { type HttpsGet, httpsGet } from './access/https-get'
import type { KubeReader } from './access/kube-reader'
import { renderKubeconfig, writeKubeconfig } from './access/kubeconfig'
import { waitForApi } from './access/readiness'
import { createEksToken, stsEndpoint } from './access/token'
import { recentWarnings } from './access/warning-events'
import { diffReleases, type EntryReport } from './diff/diff-releases'
import { countOf, hasChanges, renderDiff } from './diff/report'
import { type ClusterView, type EksApi, type NodegroupView, sdkEksApi } from './eks/api'
import { DEFAULT_POLL } from './eks/poll'
import { waitForCluster } from './eks/wait-cluster'
import { classifyAwsError, type WaitContext } from './eks/wait-context'
import { waitForNodegroups } from './eks/wait-nodegroups'
import { resolveHelm } from './helm/binary'
import { helmCli } from './helm/cli'
import { deployReleases, type HelmContext, type KubeContext, type ReleaseResult, uninstallReleases } from './helm/deploy'
import { detectHelm } from './helm/version'
import { type Inputs, parseInputs } from './inputs'
import { discoverKinds } from './manifests/kinds'
import { kubectlCli } from './manifests/kubectl'
import { isManifestSet } from './releases'
import { RolloutError, rolloutMarkdown } from './rollout/failure'
import { watchRollout } from './rollout/watch'
import type { Workload } from './rollout/workloads'
import { summaryMarkdown } from './summary'

/** Everything that touches AWS, time, tools, the network, the log or the inputs, so tests can replace it. */
export interface Deps {
  eks: (region: string) => EksApi
  clock: Clock
  random: () => number
  exec: Exec
  fetch: typeof fetch
  httpsGet: HttpsGet
  env: NodeJS.ProcessEnv
  /** The Node that runs the kubeconfig's token plugin: the one running this action. */
  nodePath: string
  /** This action's bundled token script, beside its main bundle. */
  tokenScript: string
  log: Logger
  read: ReadInput
  /** GitHub's issue comments for the diff comment, made only when one is due. */
  comments: (token: string, apiUrl: string) => Promise<IssueComments>
}

/** How long 401/403 answers are retried: access entries created with the cluster apply within about a minute. */
export const ACCESS_GRACE_MS = 2 * 60_000

export function defaultDeps(): Deps {
  return {
    eks: (region) => sdkEksApi(region),
    clock: systemClock,
    random: Math.random,
    exec: withChildEnv(defaultExec),
    fetch,
    httpsGet,
    env: process.env,
    nodePath: process.execPath,
    tokenScript: join(dirname(resolve(process.argv[1] ?? '.')), 'bin', 'token', 'index.js'),
    log: runnerLog,
    read: readRaw,
    comments: octokitComments,
  }
}

export function run(overrides: Partial<Deps> = {}): Promise<void> {
  return runWithDeps(defaultDeps, overrides, async (deps) => {
    const inputs = parseInputs(deps.read, deps.env)
    if (inputs.githubToken) core.setSecret(inputs.githubToken)
    for (const release of inputs.releases) if ('password' in release && release.password) core.setSecret(release.password)
    await execute(inputs, deps)
  })
}

/**
 * The phases, each a group in the log: wait for the cluster (and its node
 * groups), reach it (kubeconfig, then the API server with the CI role's
 * token), deploy or uninstall the releases, and report.
 */
async function execute(inputs: Inputs, deps: Deps): Promise<void> {
  const started = deps.clock.now()
  const deadline = started + inputs.timeoutMs
  // Fail now rather than after a 15-minute wait when the token could not be signed anyway.
  if (inputs.checkApi) credentialsFromEnv(deps.env)
  const api = deps.eks(inputs.region)
  const context: WaitContext = {
    clock: deps.clock,
    random: deps.random,
    poll: DEFAULT_POLL,
    deadline,
    log: (line) => deps.log.info(line),
    warn: (line) => deps.log.warning(line),
  }

  if (inputs.mode === 'uninstall' && !(await clusterExists(api, inputs.clusterName))) {
    core.notice(`Cluster '${inputs.clusterName}' does not exist in ${inputs.region}; there are no releases to uninstall.`)
    core.setOutput('releases', '[]')
    return
  }
  // A pull request's diff does not wait for a cluster that a later apply creates: everything in it would be new.
  if (inputs.mode === 'diff' && !(await clusterExists(api, inputs.clusterName))) {
    core.notice(
      `Cluster '${inputs.clusterName}' does not exist in ${inputs.region}; a deploy would install every entry, so there is nothing to compare.`,
    )
    core.setOutput('releases', '[]')
    core.setOutput('changed', 'true')
    return
  }

  const { cluster, nodegroups } = await deps.log.group(`Wait for cluster ${inputs.clusterName}`, () =>
    waitForClusterPhase(api, inputs, context, started),
  )
  const access = await deps.log.group('Reach the cluster', () => reachCluster(cluster, inputs, deps, deadline))
  if (inputs.mode === 'diff') {
    const reports = await deps.log.group('Compare the releases with the cluster', () => releasesPhase(inputs, deps, access, diffReleases))
    await publishDiff(inputs, deps, reports.releases, reports.helmVersion)
    return
  }
  let releases: ReleaseResult[] = []
  let helmVersion: string | undefined
  if (inputs.releases.length > 0) {
    const title = inputs.mode === 'deploy' ? 'Deploy the releases' : 'Uninstall the releases'
    const work = inputs.mode === 'deploy' ? deployReleases : uninstallReleases
    try {
      ;({ releases, helmVersion } = await deps.log.group(title, () => releasesPhase(inputs, deps, access, work)))
    } catch (error) {
      // The error is the step's one annotation; the summary keeps the same findings as a table.
      if (error instanceof RolloutError) await appendSummary(rolloutMarkdown(error)).catch(() => undefined)
      throw error
    }
  }
  core.setOutput('releases', JSON.stringify(releases))
  await appendSummary(
    summaryMarkdown({
      cluster,
      nodegroups,
      apiChecked: inputs.checkApi,
      mode: inputs.mode,
      releases,
      ...(helmVersion ? { helmVersion } : {}),
    }),
  )
}

/** The cluster ACTIVE, then (to deploy) its node groups. */
async function waitForClusterPhase(api: EksApi, inputs: Inputs, context: WaitContext, started: number) {
  const cluster = await waitForCluster(api, inputs.clusterName, {
    ...context,
    appearDeadline: started + inputs.appearTimeoutMs,
    region: inputs.region,
  })
  const nodegroups: NodegroupView[] =
    inputs.mode === 'deploy'
      ? await waitForNodegroups(api, inputs.clusterName, inputs.nodegroups, {
          ...context,
          appearDeadline: context.clock.now() + inputs.appearTimeoutMs,
        })
      : []
  return { cluster, nodegroups }
}

interface Access {
  kubeconfig: string
  /** The action's own reader of the API; none with check-api false. */
  reader?: KubeReader
}

/** The kubeconfig (written and exported), then the API server answering the CI role's token. */
async function reachCluster(cluster: ClusterView, inputs: Inputs, deps: Deps, deadline: number): Promise<Access> {
  const { endpoint, certificateAuthority } = requireAccessDetails(cluster)
  const kubeconfig = join(deps.env.RUNNER_TEMP || tmpdir(), 'eks-wait-and-helm', `${inputs.clusterName}.kubeconfig`)
  if (!existsSync(deps.tokenScript)) throw new Error(`the token plugin is missing from the action bundle (${deps.tokenScript})`)
  await writeKubeconfig(
    kubeconfig,
    renderKubeconfig({
      clusterName: inputs.clusterName,
      ...(cluster.arn ? { clusterArn: cluster.arn } : {}),
      region: inputs.region,
      endpoint,
      certificateAuthority,
      nodePath: deps.nodePath,
      tokenScript: deps.tokenScript,
    }),
  )
  core.setOutput('endpoint', endpoint)
  core.setOutput('kubeconfig', kubeconfig)
  if (inputs.exportKubeconfig) core.exportVariable('KUBECONFIG', kubeconfig)
  deps.log.info(`Wrote the kubeconfig for '${inputs.clusterName}' to ${kubeconfig}.`)

  // The action's own reads of the API (readiness, events) use the same token the kubeconfig's plugin makes.
  // Without check-api there are no releases either (the inputs refuse them), so nothing reads the API.
  if (!inputs.checkApi) {
    deps.log.info('check-api is false: stopping after writing the kubeconfig, without reaching the API server.')
    return { kubeconfig }
  }
  const reader: KubeReader = {
    endpoint,
    caPem: decodeCertificate(certificateAuthority),
    token: async () =>
      (
        await createEksToken({
          clusterName: inputs.clusterName,
          credentials: credentialsFromEnv(deps.env),
          endpoint: stsEndpoint(inputs.region, deps.env),
          now: new Date(deps.clock.now()),
        })
      ).token,
    get: deps.httpsGet,
  }
  await waitForApi({
    clusterName: inputs.clusterName,
    reader,
    ...(cluster.authenticationMode ? { authenticationMode: cluster.authenticationMode } : {}),
    ...(cluster.endpointAccess ? { endpointAccess: cluster.endpointAccess } : {}),
    clock: deps.clock,
    random: deps.random,
    deadline,
    graceMs: ACCESS_GRACE_MS,
    log: (line) => deps.log.info(line),
  })
  return { kubeconfig, reader }
}

/** Helm (the pinned one, the runner's, or the default installed), then the releases deployed, uninstalled or compared. */
async function releasesPhase<T>(
  inputs: Inputs,
  deps: Deps,
  access: Access,
  work: (entries: Inputs['releases'], context: HelmContext) => Promise<T>,
): Promise<{ releases: T; helmVersion: string }> {
  const { kubeconfig, reader } = access
  const helmPath = await resolveHelm(inputs.helmVersion, { env: deps.env, fetch: deps.fetch })
  const info = await detectHelm(helmPath, deps.exec)
  const workDir = await mkdtemp(join(deps.env.RUNNER_TEMP || tmpdir(), 'eks-wait-and-helm-'))
  try {
    const helmContext: HelmContext = {
      helm: helmCli({
        path: info.path,
        major: info.major,
        version: info.version,
        kubeconfig,
        stateDir: workDir,
        cwd: deps.env.GITHUB_WORKSPACE || process.cwd(),
        exec: deps.exec,
        env: deps.env,
      }),
      workDir,
      workspace: deps.env.GITHUB_WORKSPACE || process.cwd(),
      log: (line: string) => deps.log.info(line),
      warn: (line: string) => deps.log.warning(line),
      ...(reader
        ? {
            warningsSince: (namespace: string, sinceMs: number) => recentWarnings(reader, namespace, sinceMs),
            watchRollout: (namespace: string, workloads: readonly Workload[]) => watchRollout(reader, namespace, workloads, deps.clock),
          }
        : {}),
      ...(reader && inputs.releases.some(isManifestSet) ? { kube: await kubeContext(inputs, deps, kubeconfig, reader) } : {}),
    }
    return { releases: await work(inputs.releases, helmContext), helmVersion: info.version }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/** kubectl (the runner's, as on GitHub's images) and the cluster's kinds, for manifests entries. */
async function kubeContext(inputs: Inputs, deps: Deps, kubeconfig: string, reader: KubeReader): Promise<KubeContext> {
  const path = await findOnPath('kubectl', deps.env.PATH ?? '')
  if (!path) {
    throw new UserError(
      "Input 'releases' has manifests or kustomization entries, which need kubectl on PATH (GitHub's runner images have it).",
      'Install kubectl before this step (azure/setup-kubectl, or your package manager).',
    )
  }
  return {
    kubectl: kubectlCli({ path, kubeconfig, cwd: deps.env.GITHUB_WORKSPACE || process.cwd(), exec: deps.exec, env: deps.env }),
    fieldManager: inputs.fieldManager,
    // Read afresh each time: an uninstall that deleted a CRD has removed its kind.
    servedKinds: () => discoverKinds(reader),
  }
}

/**
 * The diff's outputs, job summary and pull request comment. The comment is
 * written only on a pull request's run with a token, and is edited on the
 * next run (one per cluster and region, found by its marker and author).
 */
async function publishDiff(inputs: Inputs, deps: Deps, reports: EntryReport[], helmVersion: string): Promise<void> {
  core.setOutput(
    'releases',
    JSON.stringify(
      reports.map((report) => ({
        name: report.name,
        namespace: report.namespace,
        revision: report.revision,
        status: report.changes.length > 0 ? 'changes' : 'no-changes',
        add: countOf(report, 'add'),
        change: countOf(report, 'change'),
        remove: countOf(report, 'remove'),
      })),
    ),
  )
  core.setOutput('changed', String(hasChanges(reports)))
  const heading = `### Diff of the releases on EKS cluster \`${inputs.clusterName}\` (${inputs.region}, helm ${helmVersion})`
  await appendSummary(renderDiff(reports, heading, { budget: SUMMARY_LIMIT, measure: byteLength }))
  const pr = pullRequestOf(deps.env)
  if (!pr) return
  if (!inputs.githubToken) {
    core.warning("No 'github-token': the diff is not commented on the pull request.")
    return
  }
  const marker = hiddenMarker('eks-wait-and-helm', { cluster: inputs.clusterName, region: inputs.region })
  const link = runUrl(deps.env)
  const footer = link ? `<sub>[Run ${deps.env.GITHUB_RUN_ID}](${link}) · commit ${String(deps.env.GITHUB_SHA ?? '').slice(0, 7)}</sub>` : ''
  const body = renderDiff(
    reports,
    heading,
    { budget: COMMENT_LIMIT, measure: charLength, ...(link ? { fullDiffLink: link } : {}) },
    marker,
    footer,
  )
  const apiUrl = deps.env.GITHUB_API_URL || 'https://api.github.com'
  await commentOnPullRequest(() => deps.comments(inputs.githubToken, apiUrl), pr, marker, body, 'diff')
}

async function clusterExists(api: EksApi, name: string): Promise<boolean> {
  try {
    await api.describeCluster(name)
    return true
  } catch (error) {
    // Anything but "not found" is left to the wait, which knows how to report or retry it.
    return classifyAwsError(error) !== 'not-found'
  }
}

function requireAccessDetails(cluster: ClusterView): { endpoint: string; certificateAuthority: string } {
  if (!cluster.endpoint || !cluster.certificateAuthority) {
    throw new UserError(`EKS returned no endpoint or certificate authority for ACTIVE cluster '${cluster.name}'.`)
  }
  return { endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority }
}

function decodeCertificate(base64: string): string {
  const pem = Buffer.from(base64, 'base64').toString('utf8')
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UserError(
      "The cluster's certificate authority is not a PEM certificate, so its API server cannot be verified.",
      'Set check-api to false to skip the check.',
    )
  }
  return pem
}
