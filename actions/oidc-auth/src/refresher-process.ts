import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from '../../../lib/child-env'
import type { RefresherConfig } from './refresher'

const REFRESHER_ENTRY = ['bin', 'refresher', 'index.js']

/**
 * Starts the token refresher (bin/refresher) detached from the step, so it
 * outlives it; returns its pid for the post step. Its environment is the
 * step's without the runner's credentials (lib/child-env): the request token
 * goes through a pipe that closes once read.
 */
export async function startRefresher(config: RefresherConfig): Promise<number> {
  // In the bundle this module is part of dist/index.js, next to dist/bin/refresher/index.js. The path
  // is joined at run time: written as one literal, ncc would take it for an asset to bundle.
  const script = join(dirname(fileURLToPath(import.meta.url)), ...REFRESHER_ENTRY)
  const child = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: childEnv(process.env) })
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('spawn', () => resolve(child.pid as number))
  })
  await new Promise<void>((resolve, reject) => {
    child.stdin?.once('error', reject)
    child.stdin?.end(JSON.stringify(config), resolve)
  })
  child.unref()
  return pid
}

/** Stops it; a process that already ended is fine. */
export function stopRefresher(pid: number): boolean {
  try {
    process.kill(pid, 'SIGTERM')
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}
