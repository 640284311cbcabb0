import * as actionsCore from '@actions/core'
import { defuse } from './escape'

/**
 * The runner's protocol as the actions use it: @actions/core, with one
 * difference. @actions/core's `info` writes its message as it is, so a line of
 * it that reads `::add-mask::…` or `::stop-commands::…` would act as a
 * workflow command; our messages carry outside text (inputs, paths, tool
 * output), so `info` here defuses every line first (lib/escape). Everything
 * else is @actions/core's own: inputs, outputs, exported variables, state,
 * masks, groups and annotations (whose messages it already escapes).
 */

export type AnnotationProperties = actionsCore.AnnotationProperties

export {
  debug,
  endGroup,
  error,
  exportVariable,
  getInput,
  getState,
  notice,
  saveState,
  setFailed,
  setOutput,
  setSecret,
  startGroup,
  warning,
} from '@actions/core'

/** A plain log line; no line of it may act as a workflow command. */
export function info(message: string): void {
  actionsCore.info(defuse(message))
}
