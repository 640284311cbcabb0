/**
 * A time limit for one attempt of something. The timer is passed in as a
 * signal factory, like the clock, so tests decide when an attempt times out
 * without waiting for it.
 */
export type TimeoutSignal = (ms: number) => AbortSignal

export const systemTimeoutSignal: TimeoutSignal = (ms) => AbortSignal.timeout(Math.max(1, Math.ceil(ms)))

/** Named TimeoutError so lib/aws/errors classifies it with the network timeouts, as transient. */
export class AttemptTimeoutError extends Error {
  override readonly name = 'TimeoutError'
  constructor(readonly ms: number) {
    super(`no answer within ${formatSeconds(ms)}`)
  }
}

/**
 * Runs `body` with a signal that aborts after `ms`, and rejects with an
 * AttemptTimeoutError then even if `body` ignores the signal (a call that
 * cannot be cancelled is abandoned, not awaited).
 */
export function withTimeout<T>(
  ms: number,
  body: (signal: AbortSignal) => Promise<T>,
  timeoutSignal: TimeoutSignal = systemTimeoutSignal,
): Promise<T> {
  const signal = timeoutSignal(ms)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AttemptTimeoutError(ms))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    body(signal).then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(signal.aborted ? new AttemptTimeoutError(ms) : error)
      },
    )
  })
}

export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}
