import { withChildEnv } from '../../../lib/child-env'
import { runWithDeps } from '../../../lib/entry'
import { exec } from '../../../lib/exec'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { maskSecret } from '../../../lib/masks'
import { processSignals } from './cancellation'
import { octokitIssues } from './drift'
import { parseInputs } from './inputs'
import { type InstallDeps, resolveTerraform } from './install'
import { octokitComments } from './pr-comment'
import { type ToggleDeps, toggle } from './toggle'

/**
 * Everything that touches Terraform, signals, the environment, the log and
 * GitHub's API, so tests can replace it. The log is a text sink rather than
 * lib/log's line Logger: Terraform's output streams through it as it comes
 * (defused line by line in toggle), with its phases as groups.
 */
export interface Deps extends ToggleDeps {
  /** Where relative paths start: the runner starts actions in the workspace. */
  cwd: string
  read: ReadInput
  /** Downloads a Terraform or OpenTofu release when one is to be installed. */
  fetch: typeof fetch
  platform?: InstallDeps['platform']
  arch?: InstallDeps['arch']
}

export function defaultDeps(): Deps {
  return {
    exec: withChildEnv(exec),
    signals: processSignals,
    env: process.env,
    write: (text) => process.stdout.write(text),
    comments: octokitComments,
    issues: octokitIssues,
    cwd: process.cwd(),
    read: readRaw,
    fetch: globalThis.fetch,
  }
}

export function run(overrides: Partial<Deps> = {}): Promise<void> {
  return runWithDeps(
    defaultDeps,
    overrides,
    async (deps) => {
      const inputs = parseInputs(deps.read, deps.cwd)
      if (inputs.githubToken) maskSecret(inputs.githubToken)
      inputs.terraform = await resolveTerraform(inputs.terraform, inputs.terraformVersion, deps)
      await toggle(inputs, deps)
      // Terraform must get exactly one interrupt and time to save state: Cancellation (cancellation.ts) handles the signals.
    },
    { handleSignals: false },
  )
}
