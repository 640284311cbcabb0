import type { ChildProcess } from 'node:child_process'
import { killTree } from '../../../lib/exec'
import { type Product, TERRAFORM } from './product'

export type SignalHandler = (signal: NodeJS.Signals) => void

/** Where cancellation signals come from; tests pass their own. */
export interface SignalSource {
  subscribe(handler: SignalHandler): () => void
}

/**
 * The runner's SIGINT and SIGTERM. Listening also replaces Node's default of
 * exiting at once, which would leave Terraform running without us.
 */
export const processSignals: SignalSource = {
  subscribe(handler) {
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    return () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  },
}

/**
 * GitHub cancels a job with SIGINT, then SIGTERM 7.5 s later. Terraform
 * treats one interrupt as "finish the current operations, save state, release
 * the lock" and a second as "exit now", which can lose state. So the first
 * signal becomes exactly one SIGINT to the running Terraform, every later
 * signal is only logged, and no further Terraform command is started.
 */
export class Cancellation {
  private signal?: NodeJS.Signals
  private child?: ChildProcess
  private interrupted = false

  constructor(
    private readonly log: (text: string) => void,
    private readonly product: Product = TERRAFORM,
  ) {}

  get requested(): boolean {
    return this.signal !== undefined
  }

  listen(source: SignalSource): () => void {
    return source.subscribe((signal) => this.onSignal(signal))
  }

  onSignal(signal: NodeJS.Signals): void {
    if (this.signal) {
      this.log(`Received ${signal} again; ignoring it: a second interrupt would make ${this.product.name} exit without saving state.\n`)
      return
    }
    this.signal = signal
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    this.log(
      `Received ${signal}: asking ${this.product.name} to stop (one interrupt) and waiting for it to save state and release the lock.\n`,
    )
    this.interrupt()
  }

  private stoppable = false
  private readonly cleanups: (() => void)[] = []

  /**
   * The Terraform process now running; it is interrupted at once if
   * cancellation came first. A `stoppable` command (init) holds no lock and
   * writes no state, and may wait on a backend that never answers, ignoring
   * the interrupt: it is killed with its children instead, so the step ends
   * and nothing is left running.
   */
  attach(child: ChildProcess, stoppable = false): void {
    this.child = child
    this.stoppable = stoppable
    this.interrupted = false
    if (this.requested) this.interrupt()
  }

  /** Runs at the first signal, before anything else: removing files that hold secrets must not wait for Terraform. */
  onCancel(cleanup: () => void): () => void {
    this.cleanups.push(cleanup)
    return () => {
      const at = this.cleanups.indexOf(cleanup)
      if (at >= 0) this.cleanups.splice(at, 1)
    }
  }

  detach(): void {
    this.child = undefined
  }

  private interrupt(): void {
    if (!this.child || this.interrupted) return
    this.interrupted = true
    if (this.stoppable) killTree(this.child, true)
    else this.child.kill('SIGINT')
  }
}
