import { withChildEnv } from '../../../lib/child-env'
import * as core from '../../../lib/core'
import { withErrorBoundary } from '../../../lib/entry'
import { exec } from '../../../lib/exec'
import { maskSecret } from '../../../lib/masks'
import { processSignals } from './cancellation'
import { readInputs } from './inputs'
import { octokitComments } from './pr-comment'
import { type Deps, toggle } from './toggle'

export interface RunOptions extends Partial<Deps> {
  /** Where relative paths start: the runner starts actions in the workspace. */
  cwd?: string
}

export function run(options: RunOptions = {}): Promise<void> {
  return withErrorBoundary(
    async () => {
      const deps: Deps = {
        exec: options.exec ?? withChildEnv(exec),
        signals: options.signals ?? processSignals,
        env: options.env ?? process.env,
        write: options.write ?? ((text) => process.stdout.write(text)),
        comments: options.comments ?? octokitComments,
      }
      const inputs = readInputs((name) => core.getInput(name), options.cwd ?? process.cwd())
      if (inputs.githubToken) maskSecret(inputs.githubToken)
      await toggle(inputs, deps)
      // Terraform must get exactly one interrupt and time to save state: Cancellation (cancellation.ts) handles the signals.
    },
    { handleSignals: false },
  )
}
