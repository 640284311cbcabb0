import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { annotateError } from '../../../lib/annotations'
import type { Exec, ExecResult } from '../../../lib/exec'
import type { Cancellation } from './cancellation'
import { type Diagnostic, describeLock, isLockError, locationOf, parseLockInfo } from './diagnostics'
import { type FailureReason, ToggleFailure } from './failure'
import type { Product } from './product'
import { JsonUiStream } from './ui-stream'

export interface TerraformCliOptions {
  /** `terraform`, `tofu`, or a path to either. */
  binary: string
  /** Names the program in messages. */
  product: Product
  /** The root module; every command runs there. */
  cwd: string
  env: NodeJS.ProcessEnv
  exec: Exec
  cancellation: Cancellation
  /** The working directory relative to the repository, so annotations land on the right file. */
  directoryLabel: string
  /** The step log. */
  write: (text: string) => void
  /** Folds lines in the log; without it, groups are written to the log as they are. */
  group?: LogGroup
}

export interface LogGroup {
  start(name: string): void
  end(): void
}

export interface PlanOptions {
  planPath: string
  destroy: boolean
  varFiles: readonly string[]
  lockTimeoutMs: number
  parallelism?: number
  /** -target addresses: the plan (and the apply of it) covers only these and what they depend on. */
  targets?: readonly string[]
  /** -replace addresses: planned as replaced even when unchanged. */
  replace?: readonly string[]
}

export interface ApplyOptions {
  lockTimeoutMs: number
  parallelism?: number
}

/** A state snapshot's identity: Terraform refuses a saved plan made against another. */
export interface StateVersion {
  lineage: string
  serial: number
}

/** One entry of `terraform output -json`. */
export interface TerraformOutput {
  sensitive: boolean
  type?: unknown
  value: unknown
}

/**
 * Init only reaches the backend and downloads providers; on a backend that
 * never answers it waits forever (Terraform's S3 client retries without end).
 */
export const INIT_TIMEOUT_MS = 10 * 60_000

type Step = 'init' | 'plan' | 'show' | 'apply' | 'output' | 'state push' | 'state pull'

// Anything before a saved plan exists is a plan failure; anything after the apply started is an apply failure.
const REASON: Record<Step, FailureReason> = {
  init: 'plan-failed',
  plan: 'plan-failed',
  show: 'plan-failed',
  apply: 'apply-failed',
  output: 'apply-failed',
  'state push': 'apply-failed',
  'state pull': 'plan-failed',
}

/** How a command's output reaches the log: rendered from JSON events, streamed as is, or not at all. */
type Streaming = 'json' | 'text' | 'silent'

interface StepResult extends ExecResult {
  diagnostics: Diagnostic[]
}

/**
 * The Terraform commands this action runs, each with an argument array.
 * Locking is always on (never `-lock=false`); a lock held elsewhere is waited
 * for up to the lock timeout and then reported with its holder.
 */
export class TerraformCli {
  constructor(private readonly options: TerraformCliOptions) {}

  async init(backendConfigFile?: string): Promise<void> {
    const args = ['init', '-input=false']
    if (backendConfigFile) args.push(`-backend-config=${backendConfigFile}`)
    // A committed lock file is what was reviewed: init must install exactly the providers and checksums it
    // names, and fail rather than record others (a changed constraint, a package from another source).
    // Without one, init resolves and writes it as usual.
    if (existsSync(join(this.options.cwd, '.terraform.lock.hcl'))) args.push('-lockfile=readonly')
    // Init's output is long and rarely interesting; a log group folds it.
    const group = this.options.group ?? {
      start: (name: string) => this.options.write(`::group::${name}\n`),
      end: () => this.options.write('::endgroup::\n'),
    }
    group.start(`${this.options.product.command} init`)
    try {
      await this.run('init', args, 'text')
    } finally {
      group.end()
    }
  }

  /** Saves the plan; true when it changes anything (`-detailed-exitcode` 2). */
  async plan(options: PlanOptions): Promise<boolean> {
    const args = ['plan', '-input=false', '-json', '-detailed-exitcode', `-out=${options.planPath}`, lockTimeout(options.lockTimeoutMs)]
    if (options.destroy) args.push('-destroy')
    if (options.parallelism !== undefined) args.push(`-parallelism=${options.parallelism}`)
    for (const file of options.varFiles) args.push(`-var-file=${file}`)
    // One argument each, never split: addresses were checked (addresses.ts) and may hold a quoted key.
    for (const address of options.targets ?? []) args.push(`-target=${address}`)
    for (const address of options.replace ?? []) args.push(`-replace=${address}`)
    const result = await this.run('plan', args, 'json', undefined, [0, 2])
    return result.exitCode === 2
  }

  /** The saved plan as Terraform renders it for people; sensitive values show as `(sensitive value)`. */
  async showText(planPath: string): Promise<string> {
    return (await this.run('show', ['show', '-no-color', planPath], 'text')).stdout
  }

  /** The saved plan as JSON. It holds variable values, so it never reaches the log. */
  async showJson(planPath: string): Promise<unknown> {
    const result = await this.run('show', ['show', '-json', planPath], 'silent')
    return requireJson(`${this.options.product.command} show -json`, result.stdout)
  }

  /** Applies exactly the saved plan: no new plan, no variables, no approval prompt. */
  async apply(planPath: string, options: ApplyOptions): Promise<void> {
    const args = ['apply', '-input=false', '-json', lockTimeout(options.lockTimeoutMs)]
    if (options.parallelism !== undefined) args.push(`-parallelism=${options.parallelism}`)
    args.push(planPath)
    await this.run('apply', args, 'json')
  }

  /**
   * Writes a state file to the backend (`state push`, with the lock): how the state of an apply whose
   * final write failed (Terraform leaves it in errored.tfstate) gets back where it belongs.
   */
  async pushState(file: string, options: { lockTimeoutMs: number }): Promise<void> {
    await this.run('state push', ['state', 'push', lockTimeout(options.lockTimeoutMs), file], 'text')
  }

  /**
   * Which state the backend holds now, by lineage and serial: what a saved plan records it was made against.
   * The state itself holds secrets, so it never reaches the log. An empty backend has neither.
   */
  async stateVersion(): Promise<StateVersion> {
    const result = await this.run('state pull', ['state', 'pull'], 'silent')
    if (result.stdout.trim() === '') return { lineage: '', serial: 0 }
    const state = requireJson(`${this.options.product.command} state pull`, result.stdout) as { lineage?: unknown; serial?: unknown }
    return { lineage: typeof state.lineage === 'string' ? state.lineage : '', serial: typeof state.serial === 'number' ? state.serial : 0 }
  }

  async outputs(): Promise<Record<string, TerraformOutput>> {
    const result = await this.run('output', ['output', '-json'], 'silent')
    return requireJson(`${this.options.product.command} output -json`, result.stdout) as Record<string, TerraformOutput>
  }

  private async run(
    step: Step,
    args: string[],
    streaming: Streaming,
    inspect?: (result: StepResult) => void,
    successCodes: readonly number[] = [0],
  ): Promise<StepResult> {
    const { cancellation, write, product } = this.options
    if (cancellation.requested) {
      throw new ToggleFailure('cancelled', `Cancelled before ${product.command} ${step} started; nothing more was run.`)
    }
    const ui = streaming === 'json' ? new JsonUiStream(write) : undefined
    let raw: ExecResult
    try {
      raw = await this.options.exec(this.options.binary, args, {
        cwd: this.options.cwd,
        env: this.options.env,
        silent: streaming !== 'text',
        // Our own process group: a signal to ours must not reach Terraform besides the one we forward.
        detached: true,
        ...(step === 'init' ? { timeoutMs: INIT_TIMEOUT_MS } : {}),
        onSpawn: (child) => {
          cancellation.attach(child, step === 'init')
          if (ui) {
            child.stdout?.on('data', (chunk: Buffer) => ui.push(chunk))
            const stderr = new StringDecoder('utf8')
            child.stderr?.on('data', (chunk: Buffer) => write(stderr.write(chunk)))
          }
        },
      })
    } finally {
      cancellation.detach()
    }
    ui?.end()
    if (raw.timedOut) {
      throw new ToggleFailure(
        REASON[step],
        `${product.command} ${step} did not finish within ${INIT_TIMEOUT_MS / 60_000} minutes and was stopped: the backend or the provider registry does not answer.`,
        "Check the backend's endpoint in 'backend-config' (and the network to it).",
      )
    }
    const result: StepResult = { ...raw, diagnostics: ui ? [...ui.diagnostics] : [] }
    inspect?.(result)
    if (cancellation.requested) {
      throw new ToggleFailure(
        'cancelled',
        `Cancelled during ${product.command} ${step}: ${product.name} got one interrupt, which lets it save state and release the lock, and exited with code ${result.exitCode}.`,
      )
    }
    // After a cancellation the errors are the interrupt's own; annotating them would blame the configuration.
    this.annotate(result.diagnostics)
    if (!successCodes.includes(result.exitCode)) throw this.failure(step, result)
    return result
  }

  private failure(step: Step, result: StepResult): ToggleFailure {
    const { name, command } = this.options.product
    const lockError = result.diagnostics.find(isLockError)
    if (lockError) {
      const lock = parseLockInfo(lockError.detail)
      return new ToggleFailure(
        'state-locked',
        `The ${name} state is locked, ${describeLock(lock)}.`,
        `Wait for that run to finish, then run again; this action never forces a lock open. If the holder is gone for good, run ${command} force-unlock with the lock ID yourself.`,
        lock,
      )
    }
    const error = result.diagnostics.find((diagnostic) => diagnostic.severity === 'error')
    const location = error && locationOf(error)
    const why = error
      ? `${error.summary}${location ? ` (${location})` : ''}`
      : (firstErrorLine(result.stderr) ?? `exit code ${result.exitCode}`)
    return new ToggleFailure(REASON[step], `${command} ${step} failed: ${why}.`, `${name}'s full output is in the log above.`)
  }

  private annotate(diagnostics: readonly Diagnostic[]): void {
    for (const diagnostic of diagnostics) {
      if (diagnostic.severity !== 'error' || !diagnostic.range) continue
      annotateError(diagnostic.detail || diagnostic.summary, {
        file: join(this.options.directoryLabel, diagnostic.range.filename),
        line: diagnostic.range.start.line,
        column: diagnostic.range.start.column,
        title: diagnostic.summary,
      })
    }
  }
}

function lockTimeout(ms: number): string {
  return `-lock-timeout=${Math.round(ms)}ms`
}

function parseJsonObject(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function requireJson(command: string, text: string): unknown {
  // OpenTofu prints some warnings (a TF_CLI_CONFIG_FILE that does not exist) on stdout before the JSON document.
  const start = text.search(/^\{/m)
  const parsed = parseJsonObject(text) ?? (start > 0 ? parseJsonObject(text.slice(start)) : undefined)
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${command} printed no JSON object`)
  return parsed
}

/** The first `Error: …` line of a command run without -json (init, show), for a one-line message. */
function firstErrorLine(stderr: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const plain = stderr.replace(/\u001b\[[0-9;]*m/g, '')
  const match = /Error: (.+)/.exec(plain)
  return match?.[1]?.trim()
}
