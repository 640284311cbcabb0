import { UserError } from '../../../lib/errors'
import { type Exec, tail } from '../../../lib/exec'

/** One entry of kubeconform's `-output json`, exactly as it prints it. */
export interface KubeconformResult {
  filename: string
  kind: string
  name: string
  version: string
  /** Empty for an empty document (printed only with -verbose). */
  status: '' | 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped'
  msg: string
  validationErrors?: { path: string; msg: string }[]
}

export interface Counts {
  valid: number
  invalid: number
  errors: number
  skipped: number
}

export interface KubeconformOutput {
  resources: KubeconformResult[]
  summary: Counts
}

export interface KubeconformOptions {
  binary: string
  kubernetesVersion: string
  strict: boolean
  ignoreMissingSchemas: boolean
  skip: readonly string[]
  reject: readonly string[]
  /** Local folders only: the action resolves schemas before kubeconform runs. */
  schemaLocations: readonly string[]
  /** Print every resource, valid ones and empty documents included. */
  verbose: boolean
  /** kubeconform's -n; 1 keeps results in file and document order. */
  workers?: number
  cwd: string
}

// Linux limits a command line to about 2 MB; far more files than that go in several runs.
const MAX_ARGUMENT_CHARS = 500_000

export function kubeconformArgs(options: KubeconformOptions): string[] {
  const args = ['-output', 'json', '-summary', '-kubernetes-version', options.kubernetesVersion]
  if (options.verbose) args.push('-verbose')
  if (options.strict) args.push('-strict')
  if (options.ignoreMissingSchemas) args.push('-ignore-missing-schemas')
  if (options.skip.length > 0) args.push('-skip', options.skip.join(','))
  if (options.reject.length > 0) args.push('-reject', options.reject.join(','))
  for (const location of options.schemaLocations) args.push('-schema-location', location)
  if (options.workers !== undefined) args.push('-n', String(options.workers))
  return args
}

/** Runs one kubeconform process over all files (more only when the command line would be too long). */
export async function runKubeconform(files: readonly string[], options: KubeconformOptions, exec: Exec): Promise<KubeconformOutput> {
  const merged: KubeconformOutput = { resources: [], summary: { valid: 0, invalid: 0, errors: 0, skipped: 0 } }
  for (const batch of batches(files)) {
    const output = await runOnce(batch, options, exec)
    merged.resources.push(...output.resources)
    for (const key of Object.keys(merged.summary) as (keyof Counts)[]) merged.summary[key] += output.summary[key]
  }
  return merged
}

export function batches(files: readonly string[], limit = MAX_ARGUMENT_CHARS): string[][] {
  const result: string[][] = []
  let current: string[] = []
  let size = 0
  for (const file of files) {
    if (current.length > 0 && size + file.length + 1 > limit) {
      result.push(current)
      current = []
      size = 0
    }
    current.push(file)
    size += file.length + 1
  }
  if (current.length > 0) result.push(current)
  return result
}

async function runOnce(files: readonly string[], options: KubeconformOptions, exec: Exec): Promise<KubeconformOutput> {
  const result = await exec(options.binary, [...kubeconformArgs(options), '--', ...files], { cwd: options.cwd, silent: true })
  if (result.exitCode === 0 || result.exitCode === 1) {
    const parsed = parseOutput(result.stdout)
    if (parsed) return parsed
  }
  throw new UserError(
    `kubeconform failed (exit ${result.exitCode}${result.signal ? `, ${result.signal}` : ''}): ${tail(result.stderr || result.stdout, 5)}`,
  )
}

function parseOutput(stdout: string): KubeconformOutput | undefined {
  try {
    const parsed = JSON.parse(stdout) as Partial<KubeconformOutput>
    if (!Array.isArray(parsed.resources) || typeof parsed.summary !== 'object') return undefined
    return parsed as KubeconformOutput
  } catch {
    return undefined
  }
}
