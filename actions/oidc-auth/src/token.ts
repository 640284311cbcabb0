import * as core from '../../../lib/core'
import { UserError } from '../../../lib/errors'
import { IdTokenRequestError } from '../../../lib/id-token'
import { describeError } from './describe'

/** Where each attempt's web identity token comes from; every call yields a fresh one. */
export interface TokenSource {
  /** For the log: "a GitHub OIDC token (audience sts.amazonaws.com)". */
  description: string
  /** `signal` ends the attempt's wait, and a request still open with it. */
  next(signal?: AbortSignal): Promise<string>
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

export type GetIdToken = (audience: string, signal?: AbortSignal) => Promise<string>

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
    async next(signal) {
      try {
        // getIDToken masks the token itself.
        return await getIdToken(audience, signal)
      } catch (error) {
        throw classifyTokenFailure(error)
      }
    },
  }
}

/**
 * A refusal of the token service (4xx other than 429) is final; an answer of
 * 429 or 5xx, or none at all (reset, refused, timed out), is worth another try.
 */
export function classifyTokenFailure(error: unknown): TokenRequestError {
  const status = error instanceof IdTokenRequestError ? error.status : undefined
  const transient = status === undefined || status === 429 || status >= 500
  return new TokenRequestError(`the GitHub OIDC token request failed: ${describeError(error)}`, transient, status)
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
