import type { PollPolicy } from '../../../../lib/retry'

/** The cluster and node group polls: 2 s at first, growing by half to 10 s (lib/retry's pollUntil). */
export const DEFAULT_POLL: PollPolicy = { initialMs: 2000, factor: 1.5, maxMs: 10_000, jitter: 0.2 }

/** "2m05s", "40s": elapsed time for progress lines. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  if (minutes === 0) return `${rest}s`
  return `${minutes}m${String(rest).padStart(2, '0')}s`
}
