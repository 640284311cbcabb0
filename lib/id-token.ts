import { setSecret } from './core'
import { type HttpFetch, httpFetch } from './http'

/** An OIDC token request the runner's token service refused or did not answer. */
export class IdTokenRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when there was an answer. */
    readonly status?: number,
  ) {
    super(message)
  }
}

/**
 * A GitHub OIDC token for `audience`, from the runner's token service (the job
 * needs `id-token: write`); masked before it is returned. One request: callers
 * retry, and bound it with `signal`, which also closes a request that hangs.
 */
export async function getIDToken(
  audience: string,
  options: {
    signal?: AbortSignal
    fetch?: HttpFetch
    /** The runner's request URL and token, when they were handed over some other way than this process's environment. */
    request?: { url: string; token: string }
  } = {},
): Promise<string> {
  const { signal, fetch: fetchFn = httpFetch } = options
  const url = options.request ? options.request.url : process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  const token = options.request ? options.request.token : process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  const missing = [url ? '' : 'ACTIONS_ID_TOKEN_REQUEST_URL', token ? '' : 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter(Boolean)
  if (!url || !token) throw new IdTokenRequestError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`)
  const response = await fetchFn(`${url}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    ...(signal ? { signal } : {}),
  })
  const body = await response.text()
  if (!response.ok) throw new IdTokenRequestError(`HTTP ${response.status}: ${body.trim().slice(0, 200)}`, response.status)
  let value: unknown
  try {
    value = (JSON.parse(body) as { value?: unknown }).value
  } catch {
    value = undefined
  }
  if (typeof value !== 'string' || value === '') throw new IdTokenRequestError('the answer held no token')
  setSecret(value)
  return value
}
