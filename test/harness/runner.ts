import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type Annotation, parseFileCommands, parseWorkflowCommands } from './commands'
import { inputVariable } from './in-process'

/**
 * Runs a committed action bundle the way a GitHub runner does: inputs as
 * INPUT_* variables (with action.yml's defaults filled in), temp files for
 * the file commands, Node 24, and the post step with the saved state when
 * action.yml declares one. Everything the action tells the runner is parsed
 * back so tests assert on what a user would see.
 */

export const repoRoot = new URL('../..', import.meta.url).pathname

export interface RunOptions {
  inputs?: Record<string, string>
  /** Extra environment; the runner's own variables are set by the harness. */
  env?: Record<string, string | undefined>
  /** Run the post step when action.yml declares one (default true). */
  post?: boolean
  /** Working directory and GITHUB_WORKSPACE (default: the repository root). */
  cwd?: string
  timeoutMs?: number
  /** Called once the main step starts, with its process and a view of its output so far. */
  control?: (child: ChildProcess, output: () => string) => void
  /** Called after the main step and before the post step, as the job's later steps run in between. */
  betweenSteps?: (main: StepResult) => Promise<void>
  /** A program (and its arguments) to start each step's node under, e.g. a resource meter for benchmarks. */
  launcher?: (step: 'main' | 'post') => string[]
}

export interface StepResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  exportedEnv: Record<string, string>
  path: string[]
  state: Record<string, string>
  masks: string[]
  annotations: Annotation[]
  summary: string
  /** The `::error::` message core.setFailed printed, when the step failed. */
  failure?: string
  /** Wall time from starting the step's process to its exit. */
  wallMs: number
}

export interface ActionRun extends StepResult {
  post?: StepResult
  /** Every line printed by main and post except the `::add-mask::` commands themselves. */
  visibleLog: string
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string | number | boolean }>
  runs: { using: string; main: string; post?: string }
}

export async function readActionMetadata(action: string): Promise<ActionMetadata> {
  return parseYaml(await readFile(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as ActionMetadata
}

export { inputVariable }

export function node24(): string {
  const path = toolPaths().node
  if (!existsSync(path)) throw new Error(`Node 24 is missing at ${path}: run 'npm test' (it runs scripts/setup.mjs first).`)
  return path
}

export async function runAction(action: string, options: RunOptions = {}): Promise<ActionRun> {
  const metadata = await readActionMetadata(action)
  if (metadata.runs.using !== 'node24') throw new Error(`${action}: runs.using is ${metadata.runs.using}, expected node24`)
  const workdir = await mkdtemp(join(tmpdir(), `runner-${action}-`))
  const temp = join(workdir, 'temp')
  await mkdir(temp)
  const eventPath = join(workdir, 'event.json')
  await writeFile(eventPath, '{}')
  const inputs: Record<string, string> = {}
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    if (spec?.default !== undefined) inputs[inputVariable(name)] = String(spec.default)
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) inputs[inputVariable(name)] = value

  const baseEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
    GITHUB_REPOSITORY: 'example-org/data-pipeline',
    GITHUB_REPOSITORY_OWNER: 'example-org',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_JOB: 'test',
    GITHUB_ACTOR: 'octocat',
    ...options.env,
  }
  try {
    const main = await runStep(join(repoRoot, 'actions', action, metadata.runs.main), workdir, 'main', { ...baseEnv, ...inputs }, options)
    let post: StepResult | undefined
    // The post step runs even when the checks in between fail, as a runner runs it after a failed step.
    const between = await options.betweenSteps?.(main).then(
      () => undefined,
      (error: unknown) => ({ error }),
    )
    if (metadata.runs.post && options.post !== false) {
      const stateEnv = Object.fromEntries(Object.entries(main.state).map(([key, value]) => [`STATE_${key}`, value]))
      post = await runStep(
        join(repoRoot, 'actions', action, metadata.runs.post),
        workdir,
        'post',
        { ...baseEnv, ...main.exportedEnv, ...inputs, ...stateEnv },
        {
          ...options,
          control: undefined,
        },
      )
    }
    if (between) throw between.error
    const everything = [main.stdout, main.stderr, post?.stdout ?? '', post?.stderr ?? ''].join('\n')
    const visibleLog = everything
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    return { ...main, post, visibleLog }
  } finally {
    await rm(workdir, { recursive: true, force: true })
  }
}

async function runStep(
  script: string,
  workdir: string,
  step: 'main' | 'post',
  env: Record<string, string | undefined>,
  options: RunOptions,
): Promise<StepResult> {
  const files = {
    GITHUB_OUTPUT: join(workdir, `${step}-output`),
    GITHUB_ENV: join(workdir, `${step}-env`),
    GITHUB_STATE: join(workdir, `${step}-state`),
    GITHUB_PATH: join(workdir, `${step}-path`),
    GITHUB_STEP_SUMMARY: join(workdir, `${step}-summary`),
  }
  for (const file of Object.values(files)) await writeFile(file, '')
  const [program = node24(), ...args] = [...(options.launcher?.(step) ?? []), node24(), script]
  const started = process.hrtime.bigint()
  const child = spawn(program, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...definedOnly(env), ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  if (step === 'main') options.control?.(child, () => stdout + stderr)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  )
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  clearTimeout(timeout)
  const commands = parseWorkflowCommands(stdout)
  const read = (file: string) => readFile(file, 'utf8')
  const failure = commands.annotations.find((annotation) => annotation.level === 'error' && !annotation.file)?.message
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommands(await read(files.GITHUB_OUTPUT)),
    exportedEnv: parseFileCommands(await read(files.GITHUB_ENV)),
    state: parseFileCommands(await read(files.GITHUB_STATE)),
    path: (await read(files.GITHUB_PATH)).split('\n').filter(Boolean),
    summary: await read(files.GITHUB_STEP_SUMMARY),
    masks: commands.masks,
    annotations: commands.annotations,
    failure,
    wallMs,
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}
