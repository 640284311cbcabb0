/**
 * How long to wait between two polls: short at first so a resource that is
 * already (or almost) ready is seen at once, growing geometrically to a cap so
 * a 15-minute creation costs few API calls, and jittered so jobs that started
 * together do not poll together.
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

export const DEFAULT_POLL: PollPolicy = { initialMs: 2000, factor: 1.5, maxMs: 10_000, jitter: 0.2 }

/** The delay after poll number `attempt` (1-based). */
export function pollDelay(attempt: number, policy: PollPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1))
  const spread = 1 - policy.jitter + 2 * policy.jitter * random()
  return Math.round(base * spread)
}

/** "2m05s", "40s": elapsed time for progress lines. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  if (minutes === 0) return `${rest}s`
  return `${minutes}m${String(rest).padStart(2, '0')}s`
}
