import type { ChildProcess } from 'node:child_process'

/**
 * A daemon the bench started (dockerd, docker-registry, buildkitd): a test
 * process that dies without its afterAll must not leave it behind, so it is
 * sent SIGTERM when this process exits; `terminate` stops it for good and waits.
 */
export function supervise(child: ChildProcess): { terminate(options?: { killAfterMs?: number }): Promise<void> } {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const onExit = () => child.exitCode === null && child.kill('SIGTERM')
  process.once('exit', onExit)
  return {
    async terminate({ killAfterMs } = {}) {
      process.off('exit', onExit)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      if (killAfterMs === undefined) return exited
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      await exited
      clearTimeout(timer)
    },
  }
}
