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

/**
 * How long to wait between two polls of something that is becoming ready:
 * short at first so a resource that is already (or almost) ready is seen at
 * once, growing geometrically to a cap so a 15-minute creation costs few
 * calls, and jittered around the step so jobs that started together do not
 * poll together. (retry's backoff is for failures: it starts from the full
 * range at random; a poll is not a failure.)
 */
export interface PollPolicy {
  /** The delay after the first poll. */
  initialMs: number
  /** Each later delay is this many times the one before. */
  factor: number
  /** The delay never grows past this (before jitter). */
  maxMs: number
  /** Fraction of the delay added or removed at random: 0.2 gives 80%–120%. */
  jitter: number
}

/** The delay after poll number `attempt` (1-based). */
export function pollDelay(attempt: number, policy: PollPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1))
  const spread = 1 - policy.jitter + 2 * policy.jitter * random()
  return Math.round(base * spread)
}

/** What one poll found: done with a value, or not yet (and, optionally, a time to look again by). */
export type Poll<T> = { done: true; value: T } | { done: false; wakeBy?: number }

export interface PollOptions {
  clock: Clock
  random: () => number
  policy: PollPolicy
  /** clock.now() at which the wait gives up: no sleep reaches past it, and a poll not done at it ends the wait. */
  deadline: number
  /** The error for a wait that ran out of time (it may name the last state the polls saw). */
  timedOut: () => Error
}

/**
 * Polls until `check` says done, sleeping the policy's delay between polls
 * but never past the deadline or the poll's own `wakeBy`, so the last poll
 * happens exactly at a deadline rather than a delay after it. `check` throws
 * to end the wait at once (a state waiting cannot change).
 */
export async function pollUntil<T>(check: (attempt: number) => Promise<Poll<T>>, options: PollOptions): Promise<T> {
  const { clock } = options
  for (let attempt = 1; ; attempt++) {
    const poll = await check(attempt)
    if (poll.done) return poll.value
    if (clock.now() >= options.deadline) throw options.timedOut()
    const wakeBy = Math.min(poll.wakeBy ?? options.deadline, options.deadline)
    await clock.sleep(Math.max(0, Math.min(pollDelay(attempt, options.policy, options.random), wakeBy - clock.now())))
  }
}
