import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { childEnv } from '../../../lib/child-env'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import { LineFilter } from '../../../lib/escape'
import type { Exec } from '../../../lib/exec'
import { redact, registeredSecrets, secretTexts } from '../../../lib/masks'
import { appendSummary } from '../../../lib/summary'
import { Cancellation, type SignalSource } from './cancellation'
import { type DriftIssues, driftMarker, driftTitle, reportDrift, repositoryOf } from './drift'
import { isToggleFailure, ToggleFailure } from './failure'
import type { Inputs } from './inputs'
import { publishOutputs } from './outputs'
import { NO_CHANGES, type PlanSummary, summarizePlan } from './plan-json'
import { type PlanLocation, type PlanStore, s3PlanStore } from './plan-store'
import { commentMarker, commentOnPullRequest, type IssueComments, pullRequestOf } from './pr-comment'
import { type Product, productOf } from './product'
import { octokitPullRequests, type PullRequestLookup } from './pull-requests'
import { byteLength, COMMENT_LIMIT, charLength, heading, type Report, renderReport, SUMMARY_LIMIT } from './report'
import {
  checkFresh,
  checkSummary,
  fetchReviewedPlan,
  type PlanMetadata,
  planBytes,
  prepareReviewedPlan,
  type ReviewedPlanRun,
  saveReviewedPlan,
  staleFromTerraform,
} from './reviewed-plan'
import { SecretFiles } from './secret-files'
import { type LogGroup, TerraformCli } from './terraform-cli'
import { checkValueShapes, variablesParsedAsHcl } from './variable-types'

export interface ToggleDeps {
  exec: Exec
  signals: SignalSource
  env: NodeJS.ProcessEnv
  /** The step log. */
  write: (text: string) => void
  /** Issue comments API for a token and API URL; only called when a plan comment is due. */
  comments: (token: string, apiUrl: string) => Promise<IssueComments>
  /** Where reviewed plans are stored (default: the S3 state bucket through the AWS SDK). */
  planStore?: (location: PlanLocation, env: NodeJS.ProcessEnv) => PlanStore
  /** Pull request lookups for reviewed-plan (default: GitHub's REST API). */
  pullRequests?: (token: string, apiUrl: string) => Promise<PullRequestLookup>
  /** Issues API for a token and API URL; only called by a drift check. */
  issues: (token: string, apiUrl: string) => Promise<DriftIssues>
}

/**
 * init → plan (saved; it validates the configuration first, so no separate validate) → show → apply that saved plan → outputs.
 * Every failure sets `failure-reason`; the job summary is written whatever
 * happens, and in plan mode on a pull request so is the comment.
 */
export async function toggle(inputs: Inputs, given: ToggleDeps): Promise<void> {
  // Terraform's output and our lines about it carry text from the configuration and the variables:
  // no line of it may act as a workflow command (lib/escape). Only the group lines are ours.
  const log = new LineFilter(given.write)
  const deps: ToggleDeps = { ...given, write: (text) => log.push(text) }
  const group: LogGroup = {
    start(name) {
      log.flush()
      given.write(`::group::${name}\n`)
    },
    end() {
      log.flush()
      given.write('::endgroup::\n')
    },
  }
  try {
    await toggleLogged(inputs, deps, group)
  } finally {
    log.flush()
  }
}

async function toggleLogged(inputs: Inputs, deps: ToggleDeps, group: LogGroup): Promise<void> {
  const product = productOf(inputs.terraform)
  const cancellation = new Cancellation(deps.write, product)
  const stopListening = cancellation.listen(deps.signals)
  const record = inputs.backendConfig.size > 0 ? backendRecord(inputs, deps.env) : undefined
  const unhook = record ? cancellation.onCancel(() => removeBackendRecord(record, deps.write)) : () => {}
  const workspace = selectedWorkspace(inputs, deps.env)
  const report: Report = {
    product: product.name,
    mode: inputs.mode,
    directory: inputs.directoryLabel,
    workspace,
    outcome: 'failed',
    targets: inputs.targets,
    replace: inputs.replace,
  }
  const saved: SavedPlan = {}
  try {
    await plannedRun(inputs, deps, group, product, cancellation, report, saved)
  } catch (error) {
    if (isToggleFailure(error)) {
      core.setOutput('failure-reason', error.reason)
      report.failure = { reason: error.reason, message: error.message }
    }
    throw error
  } finally {
    stopListening()
    unhook()
    if (record) removeBackendRecord(record, deps.write)
    await publishReport(inputs, deps, report)
    await settlePlanFile(saved, inputs.keepPlan, deps.write)
  }
}

/** Where this run saved its plan, once it has a folder for it. */
interface SavedPlan {
  dir?: string
  path?: string
}

/**
 * The saved plan holds every variable value in clear, and RUNNER_TEMP lives
 * until the job ends, readable by every later step (third-party actions
 * included). It goes when the step ends, failed or not, unless the caller
 * asked to keep it; a kept one is readable by the runner's user only.
 */
async function settlePlanFile(saved: SavedPlan, keep: boolean, write: (text: string) => void): Promise<void> {
  if (!saved.dir || !saved.path) return
  try {
    if (keep && existsSync(saved.path)) {
      await chmod(saved.path, 0o600)
      write(`The saved plan is kept at ${saved.path} (mode 0600, keep-plan is true); it holds variable values in clear.\n`)
      return
    }
    await rm(saved.dir, { recursive: true, force: true })
    if (!keep) write('The saved plan file was deleted: it holds variable values in clear. Set keep-plan: true to keep it.\n')
  } catch (error) {
    core.warning(`Could not ${keep ? 'restrict' : 'delete'} the saved plan at ${saved.path}: ${messageOf(error)}`)
  }
}

async function plannedRun(
  inputs: Inputs,
  deps: ToggleDeps,
  group: LogGroup,
  product: Product,
  cancellation: Cancellation,
  report: Report,
  saved: SavedPlan,
): Promise<void> {
  if (inputs.mode === 'destroy' && inputs.confirmDestroy !== report.workspace) {
    throw new ToggleFailure(
      'destroy-not-confirmed',
      `Destroy refused: input 'confirm-destroy' must equal the ${product.name} workspace name '${report.workspace}'; got '${inputs.confirmDestroy}'.`,
      'Nothing was run.',
    )
  }
  refuseUnlockedArguments(deps.env, product)
  const reviewed = await prepareReviewedPlan(inputs, report.workspace, {
    env: deps.env,
    planStore: (location) => (deps.planStore ?? s3PlanStore)(location, deps.env),
    pullRequests: deps.pullRequests ?? octokitPullRequests,
  })
  if (inputs.pluginCache) await mkdir(inputs.pluginCache, { recursive: true })
  const terraform = new TerraformCli({
    binary: inputs.terraform,
    product,
    cwd: inputs.workingDirectory,
    env: terraformEnv(inputs, deps.env),
    exec: deps.exec,
    cancellation,
    directoryLabel: inputs.directoryLabel,
    write: deps.write,
    group,
  })
  const temp = deps.env.RUNNER_TEMP || tmpdir()
  saved.dir = await mkdtemp(join(temp, 'tf-plan-'))
  const planPath = join(saved.dir, 'plan.tfplan')
  saved.path = planPath
  const record = inputs.backendConfig.size > 0 ? backendRecord(inputs, deps.env) : undefined
  let metadata: PlanMetadata | undefined
  let changes: boolean
  if (reviewed?.direction === 'apply') {
    // The plan is fetched and checked before Terraform touches the backend; then the state it was made against must still be there.
    metadata = await fetchReviewedPlan(reviewed, planPath)
    await initBackend(terraform, inputs, temp, cancellation, record)
    checkFresh(metadata, await terraform.stateVersion(), product.name)
    changes = metadata.changes
    report.note = `Applies the reviewed plan of pull request #${reviewed.pullRequest} (commit ${reviewed.headSha.slice(0, 7)}), saved ${metadata.createdAt}; no new plan was made.`
    deps.write(`${report.note}\n`)
  } else {
    changes = await savePlan(terraform, inputs, temp, planPath, cancellation, record)
  }
  core.setOutput('plan-path', planPath)
  core.setOutput('changes', String(changes))

  let plan: PlanSummary = NO_CHANGES
  if (changes) {
    report.planText = await terraform.showText(planPath)
    plan = summarizePlan(await terraform.showJson(planPath))
  }
  report.plan = plan
  if (metadata) checkSummary(metadata, plan)
  core.setOutput('to-add', String(plan.add))
  core.setOutput('to-change', String(plan.change))
  core.setOutput('to-destroy', String(plan.destroy))

  if (inputs.mode === 'plan') {
    if (reviewed?.direction === 'save') await storePlan(reviewed, terraform, planPath, plan, changes, report, deps.write)
    report.outcome = 'planned'
    return
  }
  if (inputs.mode === 'drift-check') {
    report.outcome = changes ? 'drifted' : 'in-sync'
    core.setOutput('drift', String(changes))
    await publishDriftIssue(inputs, deps, report, changes)
    return
  }
  if (changes) {
    try {
      await terraform.apply(planPath, { lockTimeoutMs: inputs.lockTimeoutMs, parallelism: inputs.parallelism })
    } catch (error) {
      throw (reviewed && staleFromTerraform(error, reviewed.pullRequest, product.name)) || error
    } finally {
      await recoverErroredState(terraform, inputs, product, deps.write)
    }
    report.outcome = 'applied'
  } else {
    deps.write('No changes: the apply is skipped.\n')
    report.outcome = 'no-changes'
  }
  publishOutputs(await terraform.outputs())
}

/**
 * When Terraform cannot write the state at the end of an apply (credentials that expired during a long
 * create, a backend that stopped answering), it leaves the whole state in errored.tfstate beside the
 * configuration, and the runner deletes that folder when the job ends: the resources would exist with no
 * state recording them. So the file is pushed back at once (`state push`, with the lock), and removed
 * once it is in the backend. When that fails too, the step fails with the one command that restores it;
 * the file is never offered as an artifact, since state holds secrets.
 */
async function recoverErroredState(
  terraform: TerraformCli,
  inputs: Inputs,
  product: Product,
  write: (text: string) => void,
): Promise<void> {
  const errored = join(inputs.workingDirectory, 'errored.tfstate')
  if (!existsSync(errored)) return
  chmodSync(errored, 0o600)
  write(`${product.name} could not save the state after the apply; it left it in errored.tfstate. Pushing it to the backend now.\n`)
  try {
    await terraform.pushState('errored.tfstate', { lockTimeoutMs: inputs.lockTimeoutMs })
  } catch (error) {
    throw new ToggleFailure(
      'apply-failed',
      `${product.name} could not save the state after the apply, and pushing it back failed too (${messageOf(error)}). It is only in ${errored} on this runner, which deletes it when the job ends.`,
      `While this job still runs (or from a runner that has the file), with credentials that may write the state: ${product.command} -chdir=${inputs.directoryLabel} state push errored.tfstate`,
    )
  }
  rmSync(errored, { force: true })
  write(`The state ${product.name} could not save is in the backend again (errored.tfstate was pushed and removed).\n`)
}

/** The pull request's plan, stored with the state version it was made against, for its merge to apply. */
async function storePlan(
  reviewed: ReviewedPlanRun,
  terraform: TerraformCli,
  planPath: string,
  plan: PlanSummary,
  changes: boolean,
  report: Report,
  write: (text: string) => void,
): Promise<void> {
  const state = await terraform.stateVersion()
  const metadata = await saveReviewedPlan(reviewed, await planBytes(planPath), plan, changes, state, report.workspace)
  report.note = `Saved for the merge of pull request #${reviewed.pullRequest} (commit ${reviewed.headSha.slice(0, 7)}, plan SHA-256 ${metadata.planSha256.slice(0, 12)}): reviewed-plan applies exactly this plan while the state stays at serial ${state.serial}.`
  write(`${report.note}\n`)
}

/** init alone, with the backend settings in a private file that is gone once it is done: all a reviewed plan's apply needs. */
async function initBackend(
  terraform: TerraformCli,
  inputs: Inputs,
  temp: string,
  cancellation: Cancellation,
  record: string | undefined,
): Promise<void> {
  const secrets = await SecretFiles.create(temp)
  const unhook = cancellation.onCancel(() => secrets.removeNow())
  try {
    await terraform.init(await secrets.backendConfig(inputs.backendConfig))
    if (record && existsSync(record)) chmodSync(record, 0o600)
  } finally {
    unhook()
    await secrets.remove()
  }
}

/** init and plan, with the backend settings and variables in private files that are gone once the plan is saved. */
async function savePlan(
  terraform: TerraformCli,
  inputs: Inputs,
  temp: string,
  planPath: string,
  cancellation: Cancellation,
  record: string | undefined,
): Promise<boolean> {
  // Before anything runs: a list or map variable given a bare value is named now, not as Terraform's syntax error.
  const types = await variablesParsedAsHcl(inputs.workingDirectory)
  checkValueShapes(inputs.variables, types)
  const secrets = await SecretFiles.create(temp)
  const unhook = cancellation.onCancel(() => secrets.removeNow())
  try {
    await terraform.init(await secrets.backendConfig(inputs.backendConfig))
    // Terraform writes it world-readable; until it is removed at the end, only this user may read it.
    if (record && existsSync(record)) chmodSync(record, 0o600)
    // No `validate` of its own: plan validates the configuration before it locks or reads anything, with the
    // same diagnostics, and a separate validate would start every provider once more (seconds for AWS's).
    const variablesFile = await secrets.variables(inputs.variables, types)
    return await terraform.plan({
      planPath,
      destroy: inputs.mode === 'destroy',
      // The `variables` input comes last so it wins over the files, as later -var-file flags do.
      varFiles: variablesFile ? [...inputs.varFiles, variablesFile] : inputs.varFiles,
      lockTimeoutMs: inputs.lockTimeoutMs,
      parallelism: inputs.parallelism,
      targets: inputs.targets,
      replace: inputs.replace,
    })
  } finally {
    unhook()
    await secrets.remove()
  }
}

/**
 * Terraform keeps the backend settings it was initialised with, secret_key
 * and tokens among them, in its data folder (`.terraform/terraform.tfstate`,
 * mode 0644), where a later step, an artifact upload or a cache would find
 * them. With settings from 'backend-config' the file is removed when the run
 * ends (or is cancelled); the next init writes it again.
 */
function backendRecord(inputs: Inputs, env: NodeJS.ProcessEnv): string {
  return resolve(inputs.workingDirectory, env.TF_DATA_DIR || '.terraform', 'terraform.tfstate')
}

function removeBackendRecord(path: string, write: (text: string) => void): void {
  if (!existsSync(path)) return
  rmSync(path, { force: true })
  write(`Removed ${path}: Terraform keeps the backend settings there, secrets among them; the next init writes it again.\n`)
}

/** The workspace Terraform will use: the input, else TF_WORKSPACE, else the one `terraform workspace select` saved. */
export function selectedWorkspace(inputs: Pick<Inputs, 'workspace' | 'workingDirectory'>, env: NodeJS.ProcessEnv): string {
  if (inputs.workspace) return inputs.workspace
  if (env.TF_WORKSPACE) return env.TF_WORKSPACE
  try {
    return readFileSync(join(inputs.workingDirectory, '.terraform', 'environment'), 'utf8').trim() || 'default'
  } catch {
    return 'default'
  }
}

export function terraformEnv(inputs: Pick<Inputs, 'workspace' | 'pluginCache'>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Neither the action's inputs (the GitHub token among them) nor the runner's OIDC and cache credentials reach
  // Terraform, its providers or a configuration's provisioners: a pull request's code runs there.
  const child = childEnv(env)
  child.TF_IN_AUTOMATION = '1'
  child.TF_INPUT = '0'
  // No version check against checkpoint-api.hashicorp.com on every command, unless the user asks for it.
  child.CHECKPOINT_DISABLE = env.CHECKPOINT_DISABLE ?? '1'
  if (inputs.workspace) child.TF_WORKSPACE = inputs.workspace
  if (inputs.pluginCache) child.TF_PLUGIN_CACHE_DIR = inputs.pluginCache
  return child
}

/** TF_CLI_ARGS could smuggle in what this action promises never to do. */
export function refuseUnlockedArguments(env: NodeJS.ProcessEnv, product: Product): void {
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('TF_CLI_ARGS') && /-lock=false\b/.test(value ?? '')) {
      throw new UserError(
        `${name} contains -lock=false; this action never runs ${product.name} without the state lock.`,
        `Remove it from ${name}.`,
      )
    }
  }
}

/**
 * What a pull request comment must not show: every mask this step registered
 * (the token, sensitive outputs) and every value of `variables` and
 * `backend-config`. Those two inputs are often fed from secrets, which the
 * runner masks in the log only; and a pull request can change the
 * configuration so that Terraform prints a variable it no longer declares
 * sensitive. Values reviewers should read belong in a var file.
 */
export function commentSecrets(inputs: Pick<Inputs, 'variables' | 'backendConfig' | 'githubToken'>): string[] {
  return [
    ...registeredSecrets(),
    ...(inputs.githubToken ? [inputs.githubToken] : []),
    ...secretTexts(inputs.variables.format === 'json' ? inputs.variables.values : [...inputs.variables.values.values()]),
    ...secretTexts([...inputs.backendConfig.values()]),
  ]
}

/** The report with its free text redacted before it is cut, so a cut cannot leave half a secret unmatched. */
function redactReport(report: Report, secrets: readonly string[]): Report {
  return {
    ...report,
    ...(report.planText !== undefined ? { planText: redact(report.planText, secrets) } : {}),
    ...(report.failure ? { failure: { ...report.failure, message: redact(report.failure.message, secrets) } } : {}),
  }
}

function isNoChange(plan: PlanSummary | undefined): boolean {
  return plan !== undefined && plan.resources.length === 0 && plan.outputs.length === 0
}

/** What an earlier plan comment becomes once the pull request's plan changes nothing: one line, with the run it came from. */
function noChangesComment(report: Report, marker: string, footer: string): string {
  return [
    marker,
    heading(report),
    '',
    `**No changes.** ${report.product} finds nothing to change.${report.note ? ` ${report.note}` : ''}`,
    ...(footer ? ['', footer] : []),
  ].join('\n')
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_SERVER_URL || !env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
  return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`
}

/**
 * A drift check's issue: the same report as the summary, redacted as the plan
 * comment is (an issue is read by more people than the log), with the run's link.
 */
async function publishDriftIssue(inputs: Inputs, deps: ToggleDeps, report: Report, drift: boolean): Promise<void> {
  const repo = repositoryOf(deps.env)
  if (!inputs.githubToken || !repo) {
    core.warning(
      `No ${inputs.githubToken ? 'GITHUB_REPOSITORY' : "'github-token'"}: the drift issue is not written; the drift output is ${drift}.`,
    )
    return
  }
  const marker = driftMarker(report.directory, report.workspace)
  const link = runUrl(deps.env)
  const footer = link ? `<sub>[Run ${deps.env.GITHUB_RUN_ID}](${link}) · commit ${String(deps.env.GITHUB_SHA ?? '').slice(0, 7)}</sub>` : ''
  const secrets = commentSecrets(inputs)
  const limits = { budget: COMMENT_LIMIT, measure: charLength, maxRows: 200, fullPlanLink: link }
  const body = redact(renderReport(redactReport(report, secrets), limits, marker, footer), secrets)
  const apiUrl = deps.env.GITHUB_API_URL || 'https://api.github.com'
  const title = driftTitle(report.product, report.directory, report.workspace)
  await reportDrift(() => deps.issues(inputs.githubToken, apiUrl), repo, marker, drift, title, body)
}

/** The summary and the comment only report: failing to write them is a warning, never the run's result. */
async function publishReport(inputs: Inputs, deps: ToggleDeps, report: Report): Promise<void> {
  try {
    await appendSummary(renderReport(report, { budget: SUMMARY_LIMIT, measure: byteLength, maxRows: 1000 }))
  } catch (error) {
    core.warning(`Could not write the job summary: ${messageOf(error)}`)
  }
  const pr = pullRequestOf(deps.env)
  // A comment is for a reviewer; a refused destroy or a cancelled run has nothing to review.
  const reviewable = report.outcome === 'planned' || report.failure?.reason === 'plan-failed' || report.failure?.reason === 'state-locked'
  if (inputs.mode !== 'plan' || !pr || !reviewable) return
  if (!inputs.githubToken) {
    core.warning("No 'github-token': the plan is not commented on the pull request.")
    return
  }
  const marker = commentMarker(report.directory, report.workspace)
  const link = runUrl(deps.env)
  const footer = link ? `<sub>[Run ${deps.env.GITHUB_RUN_ID}](${link}) · commit ${String(deps.env.GITHUB_SHA ?? '').slice(0, 7)}</sub>` : ''
  // The runner masks the log, not what this step sends to the API: the comment is redacted here, before it is cut to size.
  const secrets = commentSecrets(inputs)
  const unchanged = report.outcome === 'planned' && !report.failure && isNoChange(report.plan)
  const body = redact(
    unchanged
      ? noChangesComment(report, marker, footer)
      : renderReport(
          redactReport(report, secrets),
          { budget: COMMENT_LIMIT, measure: charLength, maxRows: 200, fullPlanLink: link },
          marker,
          footer,
        ),
    secrets,
  )
  const apiUrl = deps.env.GITHUB_API_URL || 'https://api.github.com'
  await commentOnPullRequest(() => deps.comments(inputs.githubToken, apiUrl), pr, marker, body, 'plan', { create: !unchanged })
}
