import { readFileSync } from 'node:fs'
import { githubClient } from '../../../lib/github'

/** What the reviewed-plan flow needs to know of a pull request. */
export interface PullRequestInfo {
  number: number
  /** The commit the pull request's last plan must have been made from. */
  headSha: string
  merged: boolean
  mergeCommitSha?: string
}

/** The slice of GitHub's REST API the reviewed-plan flow uses, so tests see exactly what is asked. */
export interface PullRequestLookup {
  get(owner: string, repo: string, number: number): Promise<PullRequestInfo | undefined>
  /** Pull requests GitHub associates with a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`). */
  forCommit(owner: string, repo: string, sha: string): Promise<PullRequestInfo[]>
}

interface RestPull {
  number: number
  head: { sha: string }
  merged_at?: string | null
  merge_commit_sha?: string | null
}

function infoOf(pull: RestPull): PullRequestInfo {
  return {
    number: pull.number,
    headSha: pull.head.sha,
    merged: Boolean(pull.merged_at),
    ...(pull.merge_commit_sha ? { mergeCommitSha: pull.merge_commit_sha } : {}),
  }
}

export async function octokitPullRequests(token: string, apiUrl: string): Promise<PullRequestLookup> {
  const { octokit } = await githubClient(token, apiUrl)
  return {
    async get(owner, repo, number) {
      try {
        return infoOf((await octokit.rest.pulls.get({ owner, repo, pull_number: number })).data as RestPull)
      } catch (error) {
        if ((error as { status?: unknown }).status === 404) return undefined
        throw error
      }
    },
    async forCommit(owner, repo, sha) {
      const response = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 })
      return (response.data as RestPull[]).map(infoOf)
    },
  }
}

/**
 * The pull request whose merge made `sha`: merged, with `sha` as its merge
 * commit (a merge commit, a squash or the last commit of a rebase all are).
 * Asked of the API rather than read from the push event's commit message,
 * which a merge queue, a squash title or a hand-written message changes.
 */
export function mergedAs(candidates: readonly PullRequestInfo[], sha: string): PullRequestInfo | undefined {
  return candidates.find((pull) => pull.merged && pull.mergeCommitSha === sha)
}

/** The head commit of the pull request a pull_request event is for: GITHUB_SHA there is GitHub's test merge, not a commit of the branch. */
export function eventHeadSha(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_EVENT_PATH) return undefined
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { head?: { sha?: unknown } } }
    const sha = payload.pull_request?.head?.sha
    return typeof sha === 'string' ? sha : undefined
  } catch {
    return undefined
  }
}
