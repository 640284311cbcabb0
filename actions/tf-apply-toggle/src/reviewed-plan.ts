import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { UserError } from '../../../lib/errors'
import { ToggleFailure } from './failure'
import type { Inputs } from './inputs'
import type { PlanSummary } from './plan-json'
import { type PlanLocation, type PlanStore, planKeys, planLocation } from './plan-store'
import { pullRequestOf } from './pr-comment'
import { eventHeadSha, mergedAs, type PullRequestLookup } from './pull-requests'
import type { StateVersion } from './terraform-cli'

/**
 * Apply exactly the plan that was reviewed. A pull request's plan run
 * (`save-plan: true`) stores its saved plan and a small metadata object in
 * the state bucket; the run after the merge (`reviewed-plan`) fetches that
 * plan and applies it, without planning again, only when the state is still
 * the one the plan was made against. A saved plan carries the configuration
 * it was made from, so what is applied is what the reviewers read, whatever
 * the apply's checkout holds.
 */

/** Which pull request's plan to apply: the one merged as this commit, or a named one. */
export type ReviewedPlanRef = { kind: 'auto' } | { kind: 'pr'; number: number }

export function parseReviewedPlan(raw: string): ReviewedPlanRef | undefined {
  const value = raw.trim()
  if (value === '') return undefined
  if (value === 'auto') return { kind: 'auto' }
  const match = /^pr-([1-9][0-9]{0,9})$/.exec(value)
  if (!match) throw new UserError(`Input 'reviewed-plan' must be auto, pr-<number> (such as pr-42) or empty; got '${value}'.`)
  return { kind: 'pr', number: Number(match[1]) }
}

/** What is stored beside the plan: enough to refuse it for the right reason without opening it. */
export interface PlanMetadata {
  format: 1
  pullRequest: number
  /** The pull request's head commit the plan was made from. */
  headSha: string
  workspace: string
  /** The state the plan was made against. */
  lineage: string
  serial: number
  /** SHA-256 of the plan file, so a damaged or swapped object is refused. */
  planSha256: string
  /** SHA-256 of the summary reviewers read (counts and resource actions). */
  summaryDigest: string
  changes: boolean
  add: number
  change: number
  destroy: number
  createdAt: string
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** The digest of what a reviewer is shown: counts, and each resource's action, in plan order. */
export function summaryDigest(summary: PlanSummary): string {
  const lines = [
    `${summary.add} ${summary.change} ${summary.destroy}`,
    ...summary.resources.map((resource) => `${resource.action} ${resource.address}`),
    ...summary.outputs.map((name) => `output ${name}`),
  ]
  return sha256(lines.join('\n'))
}

/** A reviewed-plan run, checked and resolved before anything runs. */
export interface ReviewedPlanRun {
  direction: 'save' | 'apply'
  store: PlanStore
  location: PlanLocation
  pullRequest: number
  headSha: string
}

export interface ReviewedPlanDeps {
  env: NodeJS.ProcessEnv
  planStore: (location: PlanLocation) => PlanStore
  pullRequests: (token: string, apiUrl: string) => Promise<PullRequestLookup>
}

/**
 * Everything that can be wrong with a reviewed-plan run, found before
 * Terraform starts: the mode, the bucket, the pull request and its last
 * commit. Undefined when the run neither saves nor applies a reviewed plan.
 */
export async function prepareReviewedPlan(
  inputs: Pick<Inputs, 'mode' | 'savePlan' | 'reviewedPlan' | 'backendConfig' | 'githubToken' | 'planKmsKey'>,
  workspace: string,
  deps: ReviewedPlanDeps,
): Promise<ReviewedPlanRun | undefined> {
  if (!inputs.savePlan && !inputs.reviewedPlan) return undefined
  const location = planLocation(inputs.backendConfig, workspace, deps.env, inputs.planKmsKey)
  const which = inputs.savePlan ? 'save-plan' : 'reviewed-plan'
  if (!location) {
    throw new UserError(
      `Input '${which}' keeps plans in the S3 state bucket: 'backend-config' must name its bucket and key (bucket=…, key=…).`,
    )
  }
  if (inputs.savePlan) {
    const pr = pullRequestOf(deps.env)
    const headSha = eventHeadSha(deps.env)
    if (!pr || !headSha) {
      throw new UserError(
        "Input 'save-plan' saves a pull request's plan for its merge; this run is not for a pull request (no pull_request event with a head commit).",
      )
    }
    return { direction: 'save', store: deps.planStore(location), location, pullRequest: pr.number, headSha }
  }
  const ref = inputs.reviewedPlan as ReviewedPlanRef
  const [owner, repo] = (deps.env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) throw new UserError("Input 'reviewed-plan' needs GITHUB_REPOSITORY (owner/name) to find the pull request.")
  if (!inputs.githubToken) {
    throw new UserError(
      "Input 'reviewed-plan' asks GitHub which pull request was reviewed: 'github-token' must not be empty (pull-requests: read).",
    )
  }
  const api = await deps.pullRequests(inputs.githubToken, deps.env.GITHUB_API_URL || 'https://api.github.com')
  let pull: { number: number; headSha: string } | undefined
  try {
    if (ref.kind === 'pr') {
      pull = await api.get(owner, repo, ref.number)
      if (!pull) throw new UserError(`Input 'reviewed-plan' names pull request #${ref.number}, which ${owner}/${repo} does not have.`)
    } else {
      const sha = deps.env.GITHUB_SHA ?? ''
      if (!/^[0-9a-f]{40}$/.test(sha))
        throw new UserError("Input 'reviewed-plan: auto' needs GITHUB_SHA, the commit to find the merged pull request of.")
      pull = mergedAs(await api.forCommit(owner, repo, sha), sha)
      if (!pull) {
        throw new ToggleFailure(
          'no-reviewed-plan',
          `No reviewed plan to apply: commit ${sha.slice(0, 7)} is not the merge of a pull request (reviewed-plan is auto).`,
          'Nothing was run. Apply through a merged pull request, or run without reviewed-plan to plan and apply here.',
        )
      }
    }
  } catch (error) {
    if (error instanceof UserError) throw error
    const status = (error as { status?: unknown }).status
    const hint = status === 403 || status === 404 ? ' Give the job `permissions: pull-requests: read`.' : ''
    throw new UserError(`Could not ask GitHub which pull request was reviewed: ${(error as Error).message ?? error}.${hint}`)
  }
  return { direction: 'apply', store: deps.planStore(location), location, pullRequest: pull.number, headSha: pull.headSha }
}

/** Stores the saved plan and its metadata (the plan first: metadata without its plan would name a plan that is not there). */
export async function saveReviewedPlan(
  run: ReviewedPlanRun,
  plan: Uint8Array,
  summary: PlanSummary,
  changes: boolean,
  state: StateVersion,
  workspace: string,
  now: Date = new Date(),
): Promise<PlanMetadata> {
  const keys = planKeys(run.location, run.pullRequest)
  const metadata: PlanMetadata = {
    format: 1,
    pullRequest: run.pullRequest,
    headSha: run.headSha,
    workspace,
    lineage: state.lineage,
    serial: state.serial,
    planSha256: sha256(plan),
    summaryDigest: summaryDigest(summary),
    changes,
    add: summary.add,
    change: summary.change,
    destroy: summary.destroy,
    createdAt: now.toISOString(),
  }
  await run.store.put(keys.plan, plan, 'application/zip')
  await run.store.put(keys.metadata, `${JSON.stringify(metadata, null, 2)}\n`, 'application/json')
  return metadata
}

/**
 * Fetches the pull request's plan into `planPath` (mode 0600) and returns its
 * metadata, refusing a plan that is missing, of another commit than the pull
 * request's last, or not the bytes that were stored.
 */
export async function fetchReviewedPlan(run: ReviewedPlanRun, planPath: string): Promise<PlanMetadata> {
  const keys = planKeys(run.location, run.pullRequest)
  const where = `s3://${run.location.bucket}/${keys.plan}`
  const raw = await run.store.get(keys.metadata)
  if (!raw) {
    throw new ToggleFailure(
      'no-reviewed-plan',
      `No reviewed plan to apply: pull request #${run.pullRequest} has no saved plan at ${where}.`,
      "Nothing was applied. The pull request's plan run must save it (validate.yml save-plan: true) and succeed.",
    )
  }
  const metadata = parseMetadata(Buffer.from(raw).toString('utf8'), run.pullRequest)
  if (metadata.headSha !== run.headSha) {
    throw new ToggleFailure(
      'no-reviewed-plan',
      `No reviewed plan to apply: the saved plan of pull request #${run.pullRequest} was made from commit ${metadata.headSha.slice(0, 7)}, not from its last commit ${run.headSha.slice(0, 7)}.`,
      "Nothing was applied. The last commit's plan was not saved (its plan run failed or did not run); plan again and apply without reviewed-plan, or through a new pull request.",
    )
  }
  const plan = await run.store.get(keys.plan)
  if (!plan || sha256(plan) !== metadata.planSha256) {
    throw new ToggleFailure(
      'no-reviewed-plan',
      `The saved plan of pull request #${run.pullRequest} at ${where} is ${plan ? 'not the file its metadata describes (its SHA-256 differs)' : 'missing beside its metadata'}.`,
      'Nothing was applied.',
    )
  }
  await writeFile(planPath, plan, { mode: 0o600 })
  return metadata
}

function parseMetadata(text: string, pullRequest: number): PlanMetadata {
  let parsed: Partial<PlanMetadata>
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = {}
  }
  const valid =
    parsed.format === 1 &&
    parsed.pullRequest === pullRequest &&
    typeof parsed.headSha === 'string' &&
    typeof parsed.lineage === 'string' &&
    typeof parsed.serial === 'number' &&
    typeof parsed.planSha256 === 'string' &&
    typeof parsed.summaryDigest === 'string'
  if (!valid) {
    throw new ToggleFailure(
      'no-reviewed-plan',
      `The saved plan's metadata of pull request #${pullRequest} is not readable.`,
      'Nothing was applied.',
    )
  }
  return parsed as PlanMetadata
}

/**
 * Refuses a plan whose state has moved since it was made: another apply (a
 * later merge, a manual run) wrote the state, and the plan's changes were
 * computed against what is no longer there.
 */
export function checkFresh(metadata: PlanMetadata, current: StateVersion, product: string): void {
  if (metadata.lineage === current.lineage && metadata.serial === current.serial) return
  const then = metadata.lineage ? `serial ${metadata.serial}` : 'no state'
  const now = current.lineage ? `serial ${current.serial}` : 'no state'
  const why =
    metadata.lineage && current.lineage && metadata.lineage !== current.lineage
      ? `the state was replaced (lineage ${metadata.lineage.slice(0, 8)} then, ${current.lineage.slice(0, 8)} now)`
      : `the state moved from ${then} to ${now} since it was planned (another apply wrote it)`
  throw new ToggleFailure('plan-stale', `The reviewed plan of pull request #${metadata.pullRequest} is stale: ${why}.`, staleHint(product))
}

function staleHint(product: string): string {
  return `Nothing was applied. Plan again against the current state (re-run the pull request's plan, or run without reviewed-plan) and review that ${product} plan.`
}

/** Checks that the plan fetched is the one whose summary was stored (and so shown to reviewers). */
export function checkSummary(metadata: PlanMetadata, summary: PlanSummary): void {
  if (summaryDigest(summary) === metadata.summaryDigest) return
  throw new ToggleFailure(
    'no-reviewed-plan',
    `The saved plan of pull request #${metadata.pullRequest} does not change what its metadata says it changes.`,
    'Nothing was applied.',
  )
}

/**
 * Terraform's own refusal (the state changed between our check and the
 * apply: "Saved plan is stale") becomes the same one line as ours.
 */
export function staleFromTerraform(error: unknown, pullRequest: number, product: string): ToggleFailure | undefined {
  if (!(error instanceof ToggleFailure) || error.reason !== 'apply-failed' || !/Saved plan is stale/.test(error.message)) return undefined
  return new ToggleFailure(
    'plan-stale',
    `The reviewed plan of pull request #${pullRequest} is stale: ${product} refused it, as the state changed after it was made.`,
    staleHint(product),
  )
}

/** The saved plan's file, read to be stored. */
export function planBytes(path: string): Promise<Uint8Array> {
  return readFile(path)
}
