import { setTimeout as delay } from 'node:timers/promises'

/**
 * Time is passed in, never read from globals, so tests can run hours of
 * simulated waiting in milliseconds and assert on exactly when things happened.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Resolves after ms, or at once when the signal aborts (a watcher told to stop should not finish its nap first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Node's abortable timer rejects with an AbortError when the signal aborts: for a nap that is a normal end.
  sleep: (ms, signal) => delay(Math.max(0, ms), undefined, signal ? { signal } : {}).catch(() => undefined),
}

/** A clock that only moves when slept on; for tests and simulations. */
export class ManualClock implements Clock {
  readonly sleeps: number[] = []
  constructor(private current = 0) {}
  now(): number {
    return this.current
  }
  async sleep(ms: number): Promise<void> {
    const step = Math.max(0, ms)
    this.sleeps.push(step)
    this.current += step
  }
  advance(ms: number): void {
    this.current += ms
  }
}
