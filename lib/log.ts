import * as core from './core'

/**
 * How every action logs: plain lines, warnings, and named groups the runner
 * folds. Each orchestrator runs its phases as groups, so a long log opens on
 * the list of what happened. Tests pass their own to record lines.
 */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  /** Logs what `body` logs under `name`; the group is closed whether body returns or throws (a failure shows at top level). */
  group<T>(name: string, body: () => Promise<T>): Promise<T>
}

export const runnerLog: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  async group(name, body) {
    core.startGroup(name)
    try {
      return await body()
    } finally {
      core.endGroup()
    }
  },
}
