import type { Clock } from './clock'
import { systemClock } from './clock'
import { messageOf } from './errors'

export interface RetryOptions {
  /** Total attempts, the first included. */
  maxAttempts: number
  /** The backoff before the second attempt; it doubles after each failure. */
  baseDelayMs: number
  /** The backoff never grows past this. */
  maxDelayMs: number
  /** Absolute time (clock.now()) after which no attempt starts and no sleep is taken. */
  deadline?: number
  /** Only errors this accepts are retried; everything else is thrown at once. */
  isRetryable: (err: unknown) => boolean
  clock?: Clock
  /** 0 ≤ random() < 1; injected so tests get exact delays. */
  random?: () => number
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void
  /**
   * A delay the failure itself asks for (an HTTP Retry-After), used instead of
   * the backoff when it returns a number; still capped by maxDelayMs.
   */
  requestedDelayMs?: (error: unknown) => number | undefined
}

/** Thrown when the deadline leaves no room for another attempt. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError'
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: the deadline passed (last error: ${messageOf(lastError)})`)
  }
}

/**
 * "Full jitter" exponential backoff: a random delay between 0 and the capped
 * exponential step, so parallel jobs that failed together do not retry together.
 */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(random() * ceiling)
}

/**
 * Runs `operation` until it succeeds, a non-retryable error occurs, the
 * attempts run out or the deadline would pass. There is no sleep after the
 * last attempt: a failure that cannot be retried is reported at once.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (!options.isRetryable(error) || attempt >= options.maxAttempts) throw error
      const requested = options.requestedDelayMs?.(error)
      const delayMs =
        requested === undefined ? backoffDelay(attempt, options, random) : Math.min(Math.max(0, requested), options.maxDelayMs)
      if (options.deadline !== undefined && clock.now() + delayMs >= options.deadline) {
        throw new DeadlineExceededError(attempt, error)
      }
      options.onRetry?.({ attempt, delayMs, error })
      await clock.sleep(delayMs)
    }
  }
}
