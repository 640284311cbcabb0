import type { Clock } from '../../../../lib/clock'
import { messageOf } from '../../../../lib/errors'
import { retry } from '../../../../lib/retry'

/**
 * Schema downloads. kubeconform gives up on the first HTTP 429 from the
 * schema host (its issue #329), which fails a whole PR check when many jobs
 * share a runner's address; here 429, 5xx and network failures are retried
 * with backoff, honouring Retry-After.
 */

export interface HttpDeps {
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  /** Called before each retry, to say in the log why the step is waiting. */
  onRetry?: (url: string, attempt: number, delayMs: number, reason: string) => void
  /**
   * clock.now() after which no download starts and no attempt waits longer:
   * one deadline for all of a step's schemas, so a host that hangs costs it
   * once, not five minutes per kind.
   */
  deadline?: number
}

/** Each attempt's own limit; the step's deadline can only shorten it. */
const ATTEMPT_TIMEOUT_MS = 60_000

export type Fetched = { found: true; text: string } | { found: false; reason: string }

export class DownloadError extends Error {
  override readonly name = 'DownloadError'
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(`${url}: ${reason} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`)
  }
}

class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

export const SCHEMA_RETRY = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 }

/** GET a text document. 404 and 410 are "not here" (the next location is tried); anything else unexpected is an error. */
export async function fetchText(url: string, deps: HttpDeps): Promise<Fetched> {
  let attempts = 0
  const left = () => (deps.deadline === undefined ? ATTEMPT_TIMEOUT_MS : deps.deadline - deps.clock.now())
  if (left() <= 0) throw new DownloadError(url, "not tried: the step's time for schema downloads had run out", 0)
  try {
    return await retry(
      async (attempt) => {
        attempts = attempt
        let response: Response
        try {
          response = await deps.fetch(url, {
            signal: AbortSignal.timeout(Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, left()))),
            redirect: 'follow',
          })
        } catch (error) {
          throw new TransientError(`request failed: ${describeFailure(error)}`)
        }
        if (response.ok) return { found: true as const, text: await response.text() }
        await response.body?.cancel().catch(() => undefined)
        if (response.status === 404 || response.status === 410) return { found: false as const, reason: `HTTP ${response.status}` }
        if (response.status === 429 || response.status >= 500) {
          throw new TransientError(`HTTP ${response.status}`, retryAfter(response.headers.get('retry-after'), deps.clock.now()))
        }
        throw new DownloadError(url, `HTTP ${response.status}`, attempt)
      },
      {
        ...SCHEMA_RETRY,
        ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
        clock: deps.clock,
        random: deps.random,
        isRetryable: (error) => error instanceof TransientError,
        requestedDelayMs: (error) => (error instanceof TransientError ? error.retryAfterMs : undefined),
        onRetry: ({ attempt, delayMs, error }) => deps.onRetry?.(url, attempt, delayMs, messageOf(error)),
      },
    )
  } catch (error) {
    if (error instanceof DownloadError) throw error
    throw new DownloadError(url, messageOf(error), attempts)
  }
}

/** fetch says only "fetch failed"; the reason (ENOTFOUND, ECONNREFUSED, a TLS error) is in its cause. */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  const detail = cause?.code ?? cause?.message
  return detail ? `${messageOf(error)} (${detail})` : messageOf(error)
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
