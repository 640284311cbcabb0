import type { Exec } from './exec'

/**
 * The environment every tool an action starts (Terraform and its providers
 * and provisioners, Helm and its plugins, Docker, buildx, buildah, kubectl,
 * kubeconform, git) runs with: the step's own, minus what only the action
 * itself may use.
 *
 * The runner hands a JavaScript action the job's OIDC request credentials,
 * the Actions runtime token and the cache and results service URLs. A child
 * that inherits them runs code from the repository (a pull request's
 * Terraform `local-exec`, a chart's plugin, a Dockerfile's build context), and
 * that code could mint an OIDC token for any audience (so assume any role
 * that trusts the repository) or write poisoned entries into the Actions
 * cache. None of the tools needs them: AWS credentials reach them as the
 * standard AWS_* variables, already exchanged.
 */

/** Names removed exactly. */
const WITHHELD = new Set([
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'GITHUB_TOKEN',
])

/**
 * Name prefixes removed: later runner versions add variables to the same
 * families (ACTIONS_CACHE_SERVICE_V2, …), and INPUT_* holds the action's own
 * inputs, a `github-token` among them.
 */
const WITHHELD_PREFIXES = ['ACTIONS_ID_TOKEN_', 'ACTIONS_RUNTIME_', 'ACTIONS_CACHE_', 'ACTIONS_RESULTS_', 'INPUT_']

export function isWithheldFromChildren(name: string): boolean {
  const upper = name.toUpperCase()
  return WITHHELD.has(upper) || WITHHELD_PREFIXES.some((prefix) => upper.startsWith(prefix))
}

/** A copy of `env` without the runner's credentials and the action's inputs; `extra` is added after. */
export function childEnv(env: NodeJS.ProcessEnv = process.env, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const child: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !isWithheldFromChildren(name)) child[name] = value
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value !== undefined) child[name] = value
  }
  return child
}

/**
 * `exec` with every child's environment passed through childEnv, whether the
 * caller gave one or left it to default to process.env. Each action's default
 * exec is wrapped once, so a call site added later cannot forget it.
 */
export function withChildEnv(exec: Exec): Exec {
  return (command, args, options = {}) => exec(command, args, { ...options, env: childEnv(options.env ?? process.env) })
}
