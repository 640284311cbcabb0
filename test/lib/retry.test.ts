import { describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from '../../lib/clock'
import { backoffDelay, DeadlineExceededError, retry } from '../../lib/retry'

const transient = new Error('transient')
const fatal = new Error('fatal')
const options = (clock: ManualClock, extra = {}) => ({
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  isRetryable: (error: unknown) => error === transient,
  clock,
  random: () => 0.5,
  ...extra,
})

function failing(failures: unknown[]) {
  let calls = 0
  const operation = async (attempt: number) => {
    calls++
    const failure = failures[attempt - 1]
    if (failure) throw failure
    return `ok on ${attempt}`
  }
  return { operation, calls: () => calls }
}

describe('retry', () => {
  it('returns at once on success', async () => {
    const clock = new ManualClock()
    expect(await retry(failing([]).operation, options(clock))).toBe('ok on 1')
    expect(clock.sleeps).toEqual([])
  })

  it('retries transient errors with jittered exponential backoff', async () => {
    const clock = new ManualClock()
    const retries: number[] = []
    const result = await retry(
      failing([transient, transient, transient]).operation,
      options(clock, { onRetry: ({ delayMs }: { delayMs: number }) => retries.push(delayMs) }),
    )
    expect(result).toBe('ok on 4')
    expect(clock.sleeps).toEqual([50, 100, 200])
    expect(retries).toEqual([50, 100, 200])
  })

  it('throws a non-retryable error at once, without sleeping', async () => {
    const clock = new ManualClock()
    const { operation, calls } = failing([fatal])
    await expect(retry(operation, options(clock))).rejects.toBe(fatal)
    expect(calls()).toBe(1)
    expect(clock.sleeps).toEqual([])
  })

  it('does not sleep after the last attempt', async () => {
    const clock = new ManualClock()
    const { operation, calls } = failing([transient, transient, transient])
    await expect(retry(operation, options(clock, { maxAttempts: 3 }))).rejects.toBe(transient)
    expect(calls()).toBe(3)
    expect(clock.sleeps).toHaveLength(2)
  })

  it('stops before a sleep that would cross the deadline', async () => {
    const clock = new ManualClock(1000)
    const { operation, calls } = failing([transient, transient, transient])
    const error = await retry(operation, options(clock, { deadline: 1120 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect((error as DeadlineExceededError).attempts).toBe(2)
    expect((error as DeadlineExceededError).lastError).toBe(transient)
    expect((error as Error).message).toContain('gave up after 2 attempts')
    expect(calls()).toBe(2)
    expect(clock.now()).toBe(1050)
  })

  it('waits as long as the failure asks (Retry-After), capped by maxDelayMs, and backs off otherwise', async () => {
    const clock = new ManualClock()
    const asking = Object.assign(new Error('slow down'), { wait: 300 })
    const greedy = Object.assign(new Error('slow down a lot'), { wait: 60_000 })
    const result = await retry(
      failing([asking, greedy, transient]).operation,
      options(clock, {
        isRetryable: () => true,
        requestedDelayMs: (error: unknown) => (error as { wait?: number }).wait,
      }),
    )
    expect(result).toBe('ok on 4')
    expect(clock.sleeps).toEqual([300, 1000, 200])
  })

  it('caps the backoff', () => {
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999)).toBe(999)
    expect(backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0)).toBe(0)
  })
})

describe('clocks', () => {
  it('system clock sleeps for real, manual clock only moves when asked', async () => {
    const before = systemClock.now()
    await systemClock.sleep(5)
    expect(systemClock.now()).toBeGreaterThanOrEqual(before + 4)
    const manual = new ManualClock(10)
    manual.advance(5)
    await manual.sleep(-3)
    expect(manual.now()).toBe(15)
    expect(manual.sleeps).toEqual([0])
  })
})

describe('systemClock.sleep', () => {
  it('ends at once when its signal aborts, and at once when it already has', async () => {
    const stop = new AbortController()
    // An hour: only the abort can end it within the test's time limit.
    const nap = systemClock.sleep(3_600_000, stop.signal)
    stop.abort()
    await expect(nap).resolves.toBeUndefined()
    await expect(systemClock.sleep(3_600_000, stop.signal)).resolves.toBeUndefined()
  })
})
