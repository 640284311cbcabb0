import * as core from '@actions/core'
import { UserError } from '../../../lib/errors'

/** Where each attempt's web identity token comes from; every call yields a fresh one. */
export interface TokenSource {
  /** For the log: "a GitHub OIDC token (audience sts.amazonaws.com)". */
  description: string
  next(): Promise<string>
}

/** The GitHub token service failed; `transient` says whether asking again may help. */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError'
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message)
  }
}

export type GetIdToken = (audience: string) => Promise<string>

/**
 * GitHub's OIDC token, requested anew on every attempt so a retry never
 * sends a token that expired while it waited. Without `id-token: write`
 * the runner sets no request URL: that is checked before anything else.
 */
export function githubTokenSource(audience: string, getIdToken: GetIdToken, env: NodeJS.ProcessEnv): TokenSource {
  const missing = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new UserError(
      `Cannot request a GitHub OIDC token: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set.`,
      "Add 'permissions: id-token: write' to the job (or workflow); GitHub sets these only then, and never for pull requests from forks. Or set 'web-identity-token-file'.",
    )
  }
  return {
    description: `a GitHub OIDC token (audience ${audience})`,
    async next() {
      try {
        // getIDToken masks the token itself.
        return await getIdToken(audience)
      } catch (error) {
        throw classifyTokenFailure(error)
      }
    },
  }
}

/**
 * @actions/core reports a failed token request as text ("Error Code : 503"):
 * read the status back to tell a server hiccup from a refusal.
 */
export function classifyTokenFailure(error: unknown): TokenRequestError {
  const text = error instanceof Error ? error.message : String(error)
  const detail = text
    .replace(/^Error message:\s*/, '')
    .replace(/\s+/g, ' ')
    .trim()
  const match = /Error Code\s*:\s*(\d{3})/.exec(text)
  const status = match ? Number(match[1]) : undefined
  // No status: the request never got an answer (reset, refused, timed out), which is worth another try.
  const transient = status === undefined || status === 429 || status >= 500
  return new TokenRequestError(`the GitHub OIDC token request failed: ${detail}`, transient, status)
}

/** A token a previous step wrote to a file (e.g. another identity provider); re-read on every attempt. */
export function fileTokenSource(path: string, readFile: (path: string) => Promise<string>): TokenSource {
  return {
    description: `the token in ${path}`,
    async next() {
      let token: string
      try {
        token = (await readFile(path)).trim()
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
        throw new UserError(`Input 'web-identity-token-file' names a file that cannot be read (${code}): ${path}.`)
      }
      if (token === '') throw new UserError(`Input 'web-identity-token-file' names an empty file: ${path}.`)
      core.setSecret(token)
      return token
    },
  }
}
