import { statSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { UserError } from '../../../lib/errors'
import { quote } from '../../../lib/escape'
import { parseBoolean, parseDuration, parseInteger, parseKeyValues, parseList, parseRequired, type ReadInput } from '../../../lib/inputs'
import { isInside, resolveInWorkspace } from '../../../lib/workspace'
import { checkAddressesForMode, parseAddresses } from './addresses'
import { parseTerraformVersion } from './install'
import { parseReviewedPlan, type ReviewedPlanRef } from './reviewed-plan'

export type Mode = 'create' | 'destroy' | 'plan' | 'drift-check'

export interface Inputs {
  mode: Mode
  /** Absolute path of the Terraform root module. */
  workingDirectory: string
  /** The directory as the user named it, relative to the workspace; it names the PR comment. */
  directoryLabel: string
  backendConfig: Map<string, string>
  /** Paths as given; Terraform resolves them from the working directory. */
  varFiles: string[]
  variables: TerraformVariables
  /** The input's value; empty means "whatever Terraform would select". */
  workspace: string
  lockTimeoutMs: number
  parallelism?: number
  terraform: string
  confirmDestroy: string
  pluginCache?: string
  githubToken: string
  /** Keep the saved plan file after the step (mode 0600); by default it is deleted. */
  keepPlan: boolean
  /** Plan mode on a pull request: store the saved plan for its merge (reviewed-plan.ts). */
  savePlan: boolean
  /** Create mode: apply this pull request's stored plan instead of planning. */
  reviewedPlan?: ReviewedPlanRef
  /** KMS key for the stored plans; empty lets S3 use the AWS managed key aws/s3. */
  planKmsKey?: string
  /** Addresses for -target, one per line in the input. */
  targets: string[]
  /** Addresses for -replace. */
  replace: string[]
  /** The exact release to install and run (bare, such as 1.11.4); undefined runs the binary on PATH. */
  terraformVersion?: string
}

const MODES: Record<string, Mode> = {
  create: 'create',
  destroy: 'destroy',
  plan: 'plan',
  'drift-check': 'drift-check',
  // A boolean workflow_dispatch toggle arrives as true/false.
  true: 'create',
  false: 'destroy',
}

export function parseMode(raw: string): Mode {
  const value = parseRequired('mode', raw.trim())
  const mode = MODES[value.toLowerCase()]
  if (!mode)
    throw new UserError(`Input 'mode' must be one of create, destroy, plan, drift-check, true (create) or false (destroy); got '${value}'.`)
  return mode
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/

export function parseBackendConfig(raw: string): Map<string, string> {
  const pairs = parseKeyValues('backend-config', raw)
  for (const key of pairs.keys()) {
    if (!IDENTIFIER.test(key)) throw invalidKey('backend-config', raw, key, 'names like bucket or use_lockfile')
  }
  return pairs
}

/**
 * The `variables` input: one JSON object (its values typed as JSON types), or
 * `name=value` lines that mean what `terraform -var name=value` means (see
 * variable-types.ts). Values never appear in an error: they may be secrets.
 */
export type TerraformVariables = { format: 'json'; values: Record<string, unknown> } | { format: 'lines'; values: Map<string, string> }

export function parseVariables(raw: string): TerraformVariables {
  const text = raw.trim()
  let variables: TerraformVariables
  if (text.startsWith('{')) {
    let values: unknown
    try {
      values = JSON.parse(text)
    } catch {
      throw new UserError("Input 'variables' looks like JSON but does not parse; give a JSON object or name=value lines.")
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new UserError("Input 'variables' must be a JSON object of variable names, or name=value lines.")
    }
    variables = { format: 'json', values: values as Record<string, unknown> }
  } else {
    variables = { format: 'lines', values: parseKeyValues('variables', text) }
  }
  const names = variables.format === 'json' ? Object.keys(variables.values) : [...variables.values.keys()]
  for (const name of names) {
    if (!IDENTIFIER.test(name)) throw invalidKey('variables', text, name, 'variable names')
  }
  return variables
}

/**
 * A key that is not a name is often a secret whose `key=` was forgotten (a
 * base64 secret ends in `=`), so the error gives its line, never its text.
 */
function invalidKey(input: string, raw: string, key: string, accepted: string): UserError {
  const index = raw.split(/\r?\n/).findIndex((line) => line.trim().startsWith(key))
  const where = index >= 0 ? `line ${index + 1} has a key` : 'has a key'
  return new UserError(
    `Input '${input}' ${where} that is not a name (keys are ${accepted}: letters, digits, '_' and '-'); it is not shown, as it may be a secret.`,
  )
}

export function parseWorkingDirectory(raw: string, base: string): { absolute: string; label: string } {
  const given = raw.trim() || '.'
  const absolute = resolveInWorkspace('working-directory', given, { workspace: base })
  let isDirectory = false
  try {
    isDirectory = statSync(absolute).isDirectory()
  } catch {
    // reported below, with the input's name
  }
  if (!isDirectory) throw new UserError(`Input 'working-directory' must be an existing directory; got '${given}'.`)
  return { absolute, label: relative(base, absolute) || '.' }
}

/**
 * Var files are named relative to the working directory, as Terraform
 * resolves them, and must stay in the workspace: Terraform quotes a file it
 * cannot parse in its error, so a var file outside would print any file of
 * the runner into the log.
 */
export function parseVarFiles(raw: string, workingDirectory: string, workspace: string): string[] {
  const files = parseList(raw)
  for (const file of files) {
    resolveInWorkspace('var-files', file, { workspace, from: workingDirectory })
    let isFile = false
    try {
      isFile = statSync(resolve(workingDirectory, file)).isFile()
    } catch {
      // reported below, with the input's name
    }
    if (!isFile) throw new UserError(`Input 'var-files' names '${file}', which is not a file in the working directory.`)
  }
  return files
}

// Terraform rejects these in workspace names, and a slash would change the state key layout.
const WORKSPACE = /^[A-Za-z0-9_.-]+$/

export function parseWorkspace(raw: string): string {
  const value = raw.trim()
  if (value !== '' && !WORKSPACE.test(value)) {
    throw new UserError(`Input 'workspace' must be a name of letters, digits, '-', '_' or '.'; got '${value}'.`)
  }
  return value
}

/**
 * A folder for providers, anywhere writable (it is usually outside the
 * workspace, to be shared), but not in the kernel's pseudo-filesystems:
 * creating folders there never ends.
 */
export function parsePluginCache(raw: string, cwd: string): string | undefined {
  if (raw === '') return undefined
  const absolute = resolve(cwd, raw)
  if (['/proc', '/sys', '/dev'].some((root) => isInside(absolute, root))) {
    throw new UserError(
      `Input 'plugin-cache' must be a folder Terraform can write providers to; ${quote(raw)} is in ${absolute.split('/')[1] ? `/${absolute.split('/')[1]}` : '/'}, a kernel pseudo-filesystem.`,
    )
  }
  return absolute
}

export function parseParallelism(raw: string): number | undefined {
  const value = raw.trim()
  return value === '' ? undefined : parseInteger('parallelism', value, 10, { min: 1, max: 256 })
}

/** save-plan belongs to a plan, reviewed-plan to a create; either with the other mode would silently do something else. */
export function parseReviewedPlanInputs(mode: Mode, read: ReadInput): Pick<Inputs, 'savePlan' | 'reviewedPlan' | 'planKmsKey'> {
  const savePlan = parseBoolean('save-plan', read('save-plan').trim(), false)
  const reviewedPlan = parseReviewedPlan(read('reviewed-plan'))
  const planKmsKey = read('plan-kms-key').trim()
  if (savePlan && mode !== 'plan')
    throw new UserError(`Input 'save-plan' works with mode plan only (the pull request's plan); mode is ${mode}.`)
  if (reviewedPlan && mode !== 'create') {
    throw new UserError(`Input 'reviewed-plan' works with mode create only (it applies the reviewed plan); mode is ${mode}.`)
  }
  if (
    planKmsKey &&
    !/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$/.test(planKmsKey)
  ) {
    throw new UserError(`Input 'plan-kms-key' must be a KMS key id, alias/<name> or a key or alias ARN; got '${planKmsKey}'.`)
  }
  return { savePlan, ...(reviewedPlan ? { reviewedPlan } : {}), ...(planKmsKey ? { planKmsKey } : {}) }
}

export function parseInputs(read: ReadInput, cwd: string): Inputs {
  const mode = parseMode(read('mode'))
  const reviewed = parseReviewedPlanInputs(mode, read)
  const directory = parseWorkingDirectory(read('working-directory'), cwd)
  const lockTimeoutMs = parseDuration('lock-timeout', read('lock-timeout').trim(), 5 * 60_000)
  const pluginCache = read('plugin-cache').trim()
  const targets = parseAddresses('targets', read('targets'))
  const replace = parseAddresses('replace', read('replace'))
  checkAddressesForMode(mode, targets, replace)
  if (reviewed.reviewedPlan && (targets.length > 0 || replace.length > 0)) {
    throw new UserError(
      "Input 'reviewed-plan' applies the pull request's saved plan as it is: 'targets' and 'replace' belong to that pull request's plan run.",
    )
  }
  const terraform = read('terraform').trim() || 'terraform'
  return {
    mode,
    workingDirectory: directory.absolute,
    directoryLabel: directory.label,
    backendConfig: parseBackendConfig(read('backend-config')),
    varFiles: parseVarFiles(read('var-files'), directory.absolute, cwd),
    variables: parseVariables(read('variables')),
    workspace: parseWorkspace(read('workspace')),
    lockTimeoutMs,
    parallelism: parseParallelism(read('parallelism')),
    terraform,
    confirmDestroy: read('confirm-destroy').trim(),
    pluginCache: parsePluginCache(pluginCache, cwd),
    githubToken: read('github-token').trim(),
    keepPlan: parseBoolean('keep-plan', read('keep-plan').trim(), false),
    ...reviewed,
    targets,
    replace,
    terraformVersion: parseTerraformVersion(read('terraform-version'), terraform),
  }
}
