import type { ChildProcess } from 'node:child_process'
import * as core from './core'

/**
 * What every action does when the runner cancels it (SIGINT, then SIGTERM
 * 7.5 s later, then a kill 2.5 s after that): one line saying so, the files
 * that hold secrets removed at once, the tools it started (lib/exec) asked to
 * stop and killed if they have not within the grace time, and the step ends
 * failed. Without a listener Node exits at the signal without a word and
 * leaves detached tools running. tf-apply-toggle handles the signal itself
 * (Terraform must get exactly one interrupt) and so does not use this.
 */

interface Running {
  child: ChildProcess
  /** The child leads its own process group: signal the whole group. */
  group: boolean
  name: string
}

const running = new Set<Running>()
const cleanups = new Set<() => void>()

/** Called by lib/exec for every tool it starts; the returned function when the tool has exited. */
export function track(child: ChildProcess, group: boolean, name: string): () => void {
  const entry: Running = { child, group, name }
  running.add(entry)
  return () => running.delete(entry)
}

/** Runs at the first signal, before anything else (remove a file that holds a secret). Returns the way to take it back. */
export function onCancel(cleanup: () => void): () => void {
  cleanups.add(cleanup)
  return () => cleanups.delete(cleanup)
}

export interface CancelOptions {
  exit?: (code: number) => void
  /** How long the tools get to stop after SIGTERM before they are killed. */
  graceMs?: number
  setTimer?: (callback: () => void, ms: number) => unknown
}

/** Listens for SIGINT and SIGTERM until the returned function is called. */
export function listenForCancellation(options: CancelOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms).unref())
  let cancelled = false
  const handler = (signal: NodeJS.Signals) => {
    // A second signal changes nothing: the first already stops everything.
    if (cancelled) return
    cancelled = true
    for (const cleanup of [...cleanups]) {
      try {
        cleanup()
      } catch {
        // Cleaning up must not stop the rest of the cleaning up.
      }
    }
    const tools = [...running]
    const names = [...new Set(tools.map((tool) => tool.name))].join(', ')
    core.setFailed(`Cancelled by ${signal}: ${tools.length > 0 ? `stopping ${names}, then ` : ''}nothing more is run.`)
    if (tools.length === 0) return exit(1)
    let left = tools.length
    for (const tool of tools) {
      tool.child.once('close', () => {
        if (--left === 0) exit(1)
      })
      signalTool(tool, 'SIGTERM')
    }
    setTimer(() => {
      for (const tool of running) signalTool(tool, 'SIGKILL')
      exit(1)
    }, options.graceMs ?? 4000)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

function signalTool(tool: Running, signal: NodeJS.Signals): void {
  try {
    if (tool.group && tool.child.pid !== undefined) process.kill(-tool.child.pid, signal)
    else tool.child.kill(signal)
  } catch {
    // Already gone.
  }
}
