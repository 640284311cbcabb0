import type { getOctokit } from '@actions/github'

export type Octokit = ReturnType<typeof getOctokit>

/** The login an installation token (the job's GITHUB_TOKEN) writes as. */
export const ACTIONS_BOT = 'github-actions[bot]'

/**
 * The login the token writes comments and issues as. An installation token
 * (`ghs_`, the job's GITHUB_TOKEN) cannot read /user and writes as
 * github-actions[bot]; any other token (a personal or OAuth token) is asked.
 * When that fails, nothing is ours and something new is written rather than
 * someone else's edited.
 */
export async function tokenIdentity(token: string, authenticatedUser: () => Promise<string>): Promise<string | undefined> {
  if (token.startsWith('ghs_')) return ACTIONS_BOT
  try {
    return await authenticatedUser()
  } catch {
    return undefined
  }
}

/**
 * @actions/github's Octokit, imported only when an action talks to GitHub (it
 * is a large part of a bundle), and the token's identity, asked at most once
 * and only when an action needs to know whether something is its own.
 */
export async function githubClient(
  token: string,
  apiUrl: string,
): Promise<{ octokit: Octokit; identity: () => Promise<string | undefined> }> {
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(token, { baseUrl: apiUrl })
  let self: Promise<string | undefined> | undefined
  const identity = () => {
    self ??= tokenIdentity(token, async () => (await octokit.rest.users.getAuthenticated()).data.login)
    return self
  }
  return { octokit, identity }
}
