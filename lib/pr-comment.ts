import { readFileSync } from 'node:fs'
import * as core from './core'
import { messageOf } from './errors'
import { githubClient } from './github'

export { ACTIONS_BOT, tokenIdentity } from './github'

export interface PullRequest {
  owner: string
  repo: string
  number: number
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

/** The pull request this run is for, from the runner's event payload; undefined for any other event. */
export function pullRequestOf(env: NodeJS.ProcessEnv): PullRequest | undefined {
  if (!PULL_REQUEST_EVENTS.has(env.GITHUB_EVENT_NAME ?? '') || !env.GITHUB_EVENT_PATH) return undefined
  let payload: { pull_request?: { number?: unknown }; number?: unknown }
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return undefined
  }
  const number = payload.pull_request?.number ?? payload.number
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (typeof number !== 'number' || !owner || !repo) return undefined
  return { owner, repo, number }
}

/**
 * The hidden first line that identifies an action's comment for one subject
 * (a directory and workspace, a cluster), so a rerun edits it instead of
 * adding one. Values are JSON strings with `--` broken up, so no value can
 * end the HTML comment.
 */
export function hiddenMarker(action: string, fields: Record<string, string>): string {
  const safe = (text: string) => JSON.stringify(text).replace(/--/g, '-\\u002d')
  const pairs = Object.entries(fields).map(([key, value]) => `${key}=${safe(value)}`)
  return `<!-- ${[action, ...pairs].join(' ')} -->`
}

export interface CommentResult {
  action: 'created' | 'updated'
  id: number
}

/** The slice of Octokit this module uses, so tests can see exactly what is called. */
export interface IssueComments {
  find(pr: PullRequest, marker: string): Promise<number | undefined>
  create(pr: PullRequest, body: string): Promise<number>
  update(pr: PullRequest, id: number, body: string): Promise<void>
}

export interface UpsertOptions {
  /**
   * False when the news is "nothing changes": worth no new comment (a pull
   * request that touches nothing gets none), but an earlier comment showing
   * changes must not be left standing, so it is updated.
   */
  create: boolean
}

export async function upsertComment(
  api: IssueComments,
  pr: PullRequest,
  marker: string,
  body: string,
  options: UpsertOptions = { create: true },
): Promise<CommentResult | undefined> {
  const existing = await api.find(pr, marker)
  if (existing !== undefined) {
    await api.update(pr, existing, body)
    return { action: 'updated', id: existing }
  }
  if (!options.create) return undefined
  return { action: 'created', id: await api.create(pr, body) }
}

/** The job's GITHUB_TOKEN is an installation token of the GitHub Actions app, and its comments are this user's. */

/**
 * Which comment is ours: one that starts with the marker and was written by
 * the identity the token acts as. Anyone may post a comment holding the
 * marker; matching on the text alone would let them have the plan written
 * into (or kept out of) a comment they chose.
 */
export function isOwnComment(comment: { body?: string | null; user?: { login?: string } | null }, marker: string, self: string): boolean {
  return (comment.body ?? '').startsWith(marker) && comment.user?.login === self
}

/** Issue comments through @actions/github's Octokit, loaded only when a comment is due. */
export async function octokitComments(token: string, apiUrl: string): Promise<IssueComments> {
  // The identity is asked only when a comment carries the marker, so a first run makes no extra request.
  const { octokit, identity } = await githubClient(token, apiUrl)
  return {
    async find(pr, marker) {
      const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
        owner: pr.owner,
        repo: pr.repo,
        issue_number: pr.number,
        per_page: 100,
      })
      for await (const page of pages) {
        for (const comment of page.data) {
          if (!(comment.body ?? '').startsWith(marker)) continue
          const login = await identity()
          if (login !== undefined && isOwnComment(comment, marker, login)) return comment.id
        }
      }
      return undefined
    },
    async create(pr, body) {
      const response = await octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body })
      return response.data.id
    },
    async update(pr, id, body) {
      await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: id, body })
    },
  }
}

/**
 * Posts or updates an action's comment (`what` names it in the log: "plan",
 * "diff"). A comment is a convenience: when it cannot be written (no token,
 * a fork's read-only token) the step warns and goes on, since the work it
 * reports succeeded.
 */
export async function commentOnPullRequest(
  api: () => Promise<IssueComments>,
  pr: PullRequest,
  marker: string,
  body: string,
  what = 'plan',
  options: UpsertOptions = { create: true },
): Promise<CommentResult | undefined> {
  try {
    const result = await upsertComment(await api(), pr, marker, body, options)
    core.info(
      result
        ? `${what[0]?.toUpperCase()}${what.slice(1)} comment ${result.action} on pull request #${pr.number}.`
        : `No ${what} comment on pull request #${pr.number}: the ${what} changes nothing and there is no earlier comment to update.`,
    )
    return result
  } catch (error) {
    const status = (error as { status?: unknown }).status
    const hint = status === 403 || status === 404 ? ' Give the job `permissions: pull-requests: write`.' : ''
    core.warning(`Could not comment the ${what} on pull request #${pr.number}: ${messageOf(error)}.${hint}`)
    return undefined
  }
}

/** The run's page, where a comment's reader finds the whole summary and log. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_SERVER_URL || !env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
  return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`
}
