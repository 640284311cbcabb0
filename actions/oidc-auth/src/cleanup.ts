import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '../../../lib/core'
import { withErrorBoundary } from '../../../lib/entry'
import { removeProfileDir } from './profile'
import { stopRefresher } from './refresher-process'

/** Saved by the main step: the profile's folder and the refresher's pid. */
export const STATE_PROFILE_DIR = 'profile-dir'
export const STATE_REFRESHER_PID = 'refresher-pid'

/**
 * The post step undoes only what the main step left on the runner: it stops
 * the token refresher and deletes the profile's files. It never blanks
 * exported variables (see the README: other actions' post steps may still
 * need AWS), and does nothing when no profile was written.
 */
export function runPost(): Promise<void> {
  return withErrorBoundary(async () => {
    const pid = Number(core.getState(STATE_REFRESHER_PID))
    if (Number.isInteger(pid) && pid > 0) {
      core.info(stopRefresher(pid) ? 'Stopped the web identity token refresher' : 'The web identity token refresher had already stopped')
    }
    const dir = core.getState(STATE_PROFILE_DIR)
    if (!dir) return
    const status = await readFile(join(dir, 'refresher-status'), 'utf8').catch(() => '')
    if (status.trim()) core.warning(`The token refresher reported: ${status.trim()}`)
    await removeProfileDir(dir)
    core.info(`Deleted the AWS profile files in ${dir}`)
  })
}
