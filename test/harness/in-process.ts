import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { captureStdout } from './capture'
import { type Annotation, parseFileCommands, type WorkflowCommands } from './commands'

/**
 * The in-process half of the test kit (test/harness/runner.ts runs the
 * committed bundles): an action's run() called in this process as a runner
 * would start it, with its inputs as INPUT_* variables and the file commands
 * in temp files, and what it told the runner read back. process.env is
 * restored afterwards, so one test's inputs never leak into the next.
 */

/** The variable the runner passes an input in: spaces as underscores, upper case (dashes kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

export interface InProcessOptions {
  inputs?: Record<string, string>
  /** Extra environment for the run; undefined removes a variable. */
  env?: Record<string, string | undefined>
  /** The job summary file, when the test keeps one across runs or makes it unwritable. */
  summaryFile?: string
}

export interface InProcessRun<T> {
  result: T
  exitCode: number
  stdout: string
  commands: WorkflowCommands
  outputs: Record<string, string>
  /** Variables exported through GITHUB_ENV. */
  env: Record<string, string>
  state: Record<string, string>
  summary: string
  /** The message setFailed reported (the error annotation not tied to a file), when the step failed. */
  failure?: string
  annotations: Annotation[]
  /** The run's scratch folder (RUNNER_TEMP), removed when the next run starts. */
  dir: string
}

let previousDir: string | undefined

export async function runInProcess<T>(run: () => Promise<T>, options: InProcessOptions = {}): Promise<InProcessRun<T>> {
  if (previousDir) await rm(previousDir, { recursive: true, force: true })
  const dir = await mkdtemp(join(tmpdir(), 'in-process-'))
  previousDir = dir
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: options.summaryFile ?? join(dir, 'summary'),
  }
  for (const [name, file] of Object.entries(files)) if (name !== 'GITHUB_STEP_SUMMARY' || !options.summaryFile) await writeFile(file, '')
  const saved = { ...process.env }
  try {
    for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
    for (const [name, value] of Object.entries(options.inputs ?? {})) process.env[inputVariable(name)] = value
    Object.assign(process.env, files, { RUNNER_TEMP: dir })
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    const captured = await captureStdout(run)
    const read = async (file: string) => (existsSync(file) ? readFile(file, 'utf8').catch(() => '') : '')
    return {
      ...captured,
      outputs: parseFileCommands(await read(files.GITHUB_OUTPUT)),
      env: parseFileCommands(await read(files.GITHUB_ENV)),
      state: parseFileCommands(await read(files.GITHUB_STATE)),
      summary: await read(files.GITHUB_STEP_SUMMARY),
      failure: captured.commands.annotations.find((annotation) => annotation.level === 'error' && !annotation.file)?.message,
      annotations: captured.commands.annotations,
      dir,
    }
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}

/**
 * The path of a tool the setup installs, or a reason to skip: `it.skipIf`
 * reads `skip`, and the reason names what to run. A test that needs a tool
 * says so once instead of failing with ENOENT on a machine without it.
 */
export function requireTool(name: string, path: string): { path: string; skip: boolean; reason: string } {
  const skip = !existsSync(path)
  return { path, skip, reason: skip ? `${name} is not installed at ${path}: run 'npm run setup -- bench'` : '' }
}
