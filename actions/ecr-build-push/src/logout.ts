import * as core from '../../../lib/core'
import { withErrorBoundary } from '../../../lib/entry'
import { readBoolean } from '../../../lib/inputs'
import { LOGIN_STATE, removeDockerLogin } from './docker-config'

/** The post step: the registry login written by the main step is removed unless keep-login asked to keep it. */
export function runPost(): Promise<void> {
  return withErrorBoundary(async () => {
    const dir = core.getState(LOGIN_STATE)
    if (!dir) return
    if (readBoolean('keep-login', false)) {
      core.info('keep-login is true: the registry login stays for the rest of the job (the runner deletes its temp folder at the end).')
      return
    }
    await removeDockerLogin(dir)
    core.info('Removed the registry login.')
  })
}
