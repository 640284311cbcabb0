import { UserError } from '../../../lib/errors'
import type { LockInfo } from './diagnostics'

/** The values of the `failure-reason` output. */
export type FailureReason =
  | 'state-locked'
  | 'plan-failed'
  | 'apply-failed'
  | 'destroy-not-confirmed'
  | 'cancelled'
  | 'drift-issue-failed'
  | 'plan-stale'
  | 'no-reviewed-plan'

/**
 * A failure the user acts on (fix the configuration, wait for the lock,
 * confirm the destroy), carrying the reason a later step can branch on.
 */
export class ToggleFailure extends UserError {
  constructor(
    readonly reason: FailureReason,
    message: string,
    hint?: string,
    readonly lock?: LockInfo,
  ) {
    super(message, hint)
  }
}

export function isToggleFailure(error: unknown): error is ToggleFailure {
  return error instanceof ToggleFailure
}
