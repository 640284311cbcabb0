import { describe, expect, it } from 'vitest'
import { isTransientAwsError } from '../../lib/aws/errors'
import { AttemptTimeoutError, formatSeconds, systemTimeoutSignal, withTimeout } from '../../lib/timeout'

describe('withTimeout', () => {
  it('passes a value or an error through when the time limit does not fire', async () => {
    const controller = new AbortController()
    await expect(
      withTimeout(
        1000,
        async () => 'done',
        () => controller.signal,
      ),
    ).resolves.toBe('done')
    const failure = new Error('own failure')
    await expect(
      withTimeout(
        1000,
        () => Promise.reject(failure),
        () => controller.signal,
      ),
    ).rejects.toBe(failure)
  })

  it('rejects with a transient AttemptTimeoutError when the limit fires, even if the body ignores the signal', async () => {
    const controller = new AbortController()
    const pending = withTimeout(
      2500,
      () => new Promise<never>(() => {}),
      () => controller.signal,
    )
    controller.abort()
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AttemptTimeoutError)
    expect((error as Error).message).toBe('no answer within 2.5 s')
    expect(isTransientAwsError(error)).toBe(true)
  })

  it('reports the time limit rather than the abort error of a body that honours the signal', async () => {
    let received: AbortSignal | undefined
    const controller = new AbortController()
    const pending = withTimeout(
      1000,
      (signal) => {
        received = signal
        return new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
      },
      () => controller.signal,
    )
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AttemptTimeoutError)
    expect(received).toBe(controller.signal)
  })

  it('does not start the body when the signal is already aborted', async () => {
    let started = false
    const error = await withTimeout(
      0,
      async () => {
        started = true
      },
      () => AbortSignal.abort(),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AttemptTimeoutError)
    expect(started).toBe(false)
  })

  it('has a real timer by default', async () => {
    await expect(withTimeout(5, () => new Promise<never>(() => {}))).rejects.toThrow('no answer within 0 s')
    expect(systemTimeoutSignal(0).aborted).toBe(false)
  })

  it.each([
    [15_000, '15 s'],
    [1999.6, '2 s'],
    [250, '0.3 s'],
  ])('formats %d ms as %s', (ms, text) => expect(formatSeconds(ms)).toBe(text))
})
