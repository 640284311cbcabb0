import { awsErrorCode, isAccessDenied, isTransientAwsError } from '../../../../lib/aws/errors'
import type { Clock } from '../../../../lib/clock'
import { messageOf } from '../../../../lib/errors'
import type { PollPolicy } from '../../../../lib/retry'

/** Everything a wait loop needs besides the API: injected so a simulated clock can drive hours of waiting. */
export interface WaitContext {
  clock: Clock
  random: () => number
  poll: PollPolicy
  /** clock.now() at which the whole wait gives up. */
  deadline: number
  log: (line: string) => void
  /** For states that do not stop the wait but deserve attention (a DEGRADED node group). */
  warn: (line: string) => void
}

export type AwsFailure = 'not-found' | 'denied' | 'transient' | 'other'

export function classifyAwsError(error: unknown): AwsFailure {
  if (awsErrorCode(error) === 'ResourceNotFoundException') return 'not-found'
  if (isAccessDenied(error)) return 'denied'
  if (isTransientAwsError(error)) return 'transient'
  return 'other'
}

export function describeAwsError(error: unknown): string {
  const code = awsErrorCode(error)
  const message = messageOf(error)
  return code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message
}

/** Logs a line when the state changes, and otherwise once a minute so a long wait shows it is alive. */
export class ProgressLog {
  private lastState = ''
  private lastLoggedAt = Number.NEGATIVE_INFINITY
  constructor(
    private readonly context: WaitContext,
    private readonly everyMs = 60_000,
  ) {}
  report(state: string, line: string): void {
    const now = this.context.clock.now()
    if (state === this.lastState && now - this.lastLoggedAt < this.everyMs) return
    this.lastState = state
    this.lastLoggedAt = now
    this.context.log(line)
  }
}
