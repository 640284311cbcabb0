/**
 * Time is passed in, never read from globals, so tests can run hours of
 * simulated waiting in milliseconds and assert on exactly when things happened.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
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
