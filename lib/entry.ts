import { listenForCancellation } from './cancel'
import * as core from './core'
import { isUserError, messageOf, userMessage } from './errors'

/**
 * The one error boundary of an action entry point. A UserError becomes one
 * line naming what to fix; anything else is reported as a bug, with its stack
 * only in the debug log, so users never see a trace.
 */
export async function withErrorBoundary(body: () => Promise<void>, options: { handleSignals?: boolean } = {}): Promise<void> {
  // An action that must treat the signal itself (tf-apply-toggle) says so; every other one is cancelled alike.
  const stopListening = options.handleSignals === false ? () => {} : listenForCancellation()
  try {
    await body()
  } catch (err) {
    if (isUserError(err)) {
      core.setFailed(userMessage(err))
      return
    }
    if (err instanceof Error && err.stack) core.debug(err.stack)
    core.setFailed(`Unexpected error: ${oneLine(messageOf(err))}. This is a bug in pipeline-actions; please report it.`)
  } finally {
    stopListening()
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/**
 * An action's run(overrides): its defaultDeps() with what a test replaces,
 * handed to the body inside the one error boundary.
 */
export function runWithDeps<D>(
  defaults: () => D,
  overrides: Partial<D>,
  body: (deps: D) => Promise<void>,
  options: { handleSignals?: boolean } = {},
): Promise<void> {
  return withErrorBoundary(() => body({ ...defaults(), ...overrides }), options)
}
