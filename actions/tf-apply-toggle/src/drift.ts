import * as core from '../../../lib/core'
import { messageOf } from '../../../lib/errors'
import { githubClient } from '../../../lib/github'
import { ToggleFailure } from './failure'
import { isOwnComment } from './pr-comment'

/**
 * The issue a scheduled drift check keeps: one per working directory and
 * workspace, opened when the plan finds that the real infrastructure differs
 * from the code, its text replaced while the drift lasts, closed once a check
 * finds none. Only an open issue that starts with the marker AND was written
 * by the token's own identity is ours (as for the plan comment): anyone may
 * open an issue holding the marker, and must not have the drift report
 * written into it, or have a real drift hidden by it.
 */
export interface Repository {
  owner: string
  repo: string
}

export interface DriftIssue {
  number: number
}

/** The slice of Octokit this module uses, so tests can see exactly what is called. */
export interface DriftIssues {
  find(repo: Repository, marker: string): Promise<DriftIssue | undefined>
  create(repo: Repository, title: string, body: string): Promise<number>
  update(repo: Repository, number: number, body: string, state?: 'closed'): Promise<void>
}

export type DriftAction = 'opened' | 'updated' | 'closed' | 'none'

export function driftMarker(directory: string, workspace: string): string {
  const safe = (text: string) => JSON.stringify(text).replace(/--/g, '-\\u002d')
  return `<!-- tf-apply-toggle drift directory=${safe(directory)} workspace=${safe(workspace)} -->`
}

export function driftTitle(product: string, directory: string, workspace: string): string {
  return `${product} drift: ${directory} (workspace ${workspace})`
}

export function repositoryOf(env: NodeJS.ProcessEnv): Repository | undefined {
  const [owner, repo, extra] = (env.GITHUB_REPOSITORY ?? '').split('/')
  return owner && repo && extra === undefined ? { owner, repo } : undefined
}

/** Opens, updates or closes the one drift issue; without drift and without an issue, asks nothing more. */
export async function settleDriftIssue(
  api: DriftIssues,
  repo: Repository,
  marker: string,
  drift: boolean,
  title: string,
  body: string,
): Promise<{ action: DriftAction; number?: number }> {
  const existing = await api.find(repo, marker)
  if (drift) {
    if (existing) {
      await api.update(repo, existing.number, body)
      return { action: 'updated', number: existing.number }
    }
    return { action: 'opened', number: await api.create(repo, title, body) }
  }
  if (!existing) return { action: 'none' }
  await api.update(repo, existing.number, body, 'closed')
  return { action: 'closed', number: existing.number }
}

/**
 * On a schedule nobody reads the log: an issue that cannot be written would
 * hide the drift, so the step fails (after the `drift` output is set) and says
 * which permission it needs.
 */
export async function reportDrift(
  api: () => Promise<DriftIssues>,
  repo: Repository,
  marker: string,
  drift: boolean,
  title: string,
  body: string,
): Promise<{ action: DriftAction; number?: number }> {
  try {
    const result = await settleDriftIssue(await api(), repo, marker, drift, title, body)
    if (result.action !== 'none') core.info(`Drift issue #${result.number} ${result.action}.`)
    return result
  } catch (error) {
    const status = (error as { status?: unknown }).status
    const hint = status === 403 || status === 404 ? 'Give the job `permissions: issues: write`.' : undefined
    throw new ToggleFailure(
      'drift-issue-failed',
      `Could not write the drift issue of ${repo.owner}/${repo.repo}: ${messageOf(error)}.`,
      hint,
    )
  }
}

/** Issues through @actions/github's Octokit, loaded only when a drift check runs. */
export async function octokitIssues(token: string, apiUrl: string): Promise<DriftIssues> {
  const { octokit, identity } = await githubClient(token, apiUrl)
  return {
    async find(repo, marker) {
      const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, { ...repo, state: 'open', per_page: 100 })
      for await (const page of pages) {
        for (const issue of page.data) {
          // The issues list holds pull requests too.
          if (issue.pull_request || !(issue.body ?? '').startsWith(marker)) continue
          const login = await identity()
          if (login !== undefined && isOwnComment(issue, marker, login)) return { number: issue.number }
        }
      }
      return undefined
    },
    async create(repo, title, body) {
      return (await octokit.rest.issues.create({ ...repo, title, body })).data.number
    },
    async update(repo, number, body, state) {
      await octokit.rest.issues.update({ ...repo, issue_number: number, body, ...(state ? { state } : {}) })
    },
  }
}
