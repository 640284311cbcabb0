import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { repoRoot } from '../harness/runner'

/**
 * Runs workflow files with act (nektos/act) on the host, as a GitHub-hosted
 * runner would run them: `runs-on: ubuntu-24.04` maps to this machine, Node 24
 * runs the JavaScript actions, and the environment is only what a runner gives
 * plus what the caller passes (the host's own variables stay out).
 *
 * act reads its JSON log (`--json`) line by line; each line is one event of a
 * job or step. The run is summarised as jobs with their steps, results and
 * times, the workflow commands the steps printed (annotations, outputs) and the
 * steps' own output, so tests assert on what a user would see in the Actions tab.
 */

/** The third-party actions our workflows pin, each mapped to its stand-in (see stand-ins/README.md). */
export const STAND_INS: Record<string, string> = {
  'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8': 'checkout',
  'hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd': 'setup-terraform',
  'opentofu/setup-opentofu@a1320f892987e89d278cc92dc5adc984fb93aca4': 'setup-opentofu',
  'actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c': 'setup-python',
  'actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00': 'setup-go',
  'azure/setup-helm@1a275c3b69536ee54be43f2070a358922e12c8d4': 'setup-helm',
  'docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435': 'setup-buildx',
  'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02': 'upload-artifact',
  'actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093': 'download-artifact',
}

export const STAND_INS_DIR = join(repoRoot, 'test', 'workflows', 'stand-ins')

export interface StepRecord {
  job: string
  name: string
  /** Pre, Main or Post: an action's stages are reported as separate steps. */
  stage: string
  result: 'success' | 'failure' | 'skipped' | string
  seconds: number
}

export interface JobRecord {
  /** The job's id path, e.g. `pipeline/infrastructure` for a job of a called workflow. */
  id: string
  name: string
  result: 'success' | 'failure' | 'skipped' | string
  /** From the job's first event to its last. */
  seconds: number
  steps: StepRecord[]
}

export interface WorkflowAnnotation {
  job: string
  step: string
  level: 'error' | 'warning' | 'notice'
  title?: string
  message: string
}

export interface WorkflowRun {
  exitCode: number
  jobs: JobRecord[]
  annotations: WorkflowAnnotation[]
  /** Step outputs by job id, then output name (a later step's output of the same name wins). */
  outputs: Record<string, Record<string, string>>
  /** Everything the steps printed, each line prefixed with `[job] `. */
  log: string
  seconds: number
  job(id: string): JobRecord | undefined
}

export interface ActEvent {
  job?: string
  jobID?: string
  step?: string
  stepResult?: string
  jobResult?: string
  executionTime?: number
  msg?: string
  raw_output?: boolean
  command?: string
  arg?: string
  kvPairs?: Record<string, string>
  name?: string
  stage?: string
  level?: string
  time?: string
}

export interface WorkflowOptions {
  /** The consumer repository (a git repository with a remote named origin). */
  repository: string
  /** Workflow file, relative to the repository. */
  workflow: string
  event: 'workflow_dispatch' | 'pull_request' | 'push'
  /** The event payload (written to a file for act's --eventpath). */
  payload?: Record<string, unknown>
  inputs?: Record<string, string>
  vars?: Record<string, string>
  secrets?: Record<string, string>
  /** The steps' environment on top of a runner's own (PATH, HOME, RUNNER_*). */
  env?: Record<string, string>
  /** Folders put on PATH before the machine's own: the tools a runner image has. */
  path?: string[]
  /** `owner/name@ref` → folder, for `uses:` of workflows and actions that are not stand-ins. */
  repositories?: Record<string, string>
  /** Variables act sets in every job's environment (`--env`), e.g. GITHUB_API_URL for a local API. */
  jobEnv?: Record<string, string>
  /** Called for every event as it arrives, e.g. to act on the bench when a step starts. */
  onEvent?: (event: ActEvent) => void
}

export async function runWorkflow(options: WorkflowOptions): Promise<WorkflowRun> {
  const paths = toolPaths()
  const work = await mkdtemp(join(tmpdir(), 'pa-act-'))
  const eventPath = join(work, 'event.json')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(eventPath, JSON.stringify(options.payload ?? {}))
  const localRepositories = {
    ...Object.fromEntries(Object.entries(STAND_INS).map(([uses, dir]) => [uses, join(STAND_INS_DIR, dir)])),
    ...options.repositories,
  }
  const args = [
    options.event,
    '--workflows',
    options.workflow,
    '--eventpath',
    eventPath,
    '--platform',
    'ubuntu-24.04=-self-hosted',
    '--json',
    '--action-cache-path',
    join(work, 'cache'),
    '--cache-server-path',
    join(work, 'cache-server'),
    '--no-cache-server',
    '--concurrent-jobs',
    '4',
    ...Object.entries(localRepositories).flatMap(([uses, dir]) => ['--local-repository', `${uses}=${dir}`]),
    ...Object.entries(options.inputs ?? {}).flatMap(([name, value]) => ['--input', `${name}=${value}`]),
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}=${value}`]),
    ...Object.entries(options.secrets ?? {}).flatMap(([name, value]) => ['--secret', `${name}=${value}`]),
    ...Object.entries(options.jobEnv ?? {}).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
  ]
  // A runner's environment, not the host's: the tools on PATH (Node 24 first, as the runner's
  // node24 actions get it), a home, and what the caller adds.
  const env: Record<string, string> = {
    PATH: [dirname(paths.node), ...(options.path ?? []), ...(process.env.PATH ?? '').split(delimiter)].join(delimiter),
    HOME: process.env.HOME ?? work,
    LANG: 'C.UTF-8',
    // act asks for a Docker daemon even on the host; there is none to ask.
    DOCKER_HOST: 'unix:///nonexistent',
    // What a runner says it is, as GitHub's runner sets it: act runs the jobs on this machine, a self-hosted runner
    // whatever its ubuntu-24.04 label (check-inputs judges whether the runners reach the cluster's API by it).
    RUNNER_ENVIRONMENT: 'self-hosted',
    // The run's artifacts (the upload/download-artifact stand-ins), gone with the run.
    STAND_IN_ARTIFACTS: join(work, 'artifacts'),
    ...options.env,
  }
  const started = Date.now()
  const events: ActEvent[] = []
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(paths.act, args, { cwd: options.repository, env, stdio: ['ignore', 'pipe', 'pipe'] })
    // Each stream read line by line on its own, so a line split across chunks of one is never mixed with the other's.
    const take = (line: string) => {
      if (!line.startsWith('{')) {
        events.push({ msg: `${line}\n`, raw_output: true, job: 'act' })
        return
      }
      try {
        const event = JSON.parse(line) as ActEvent
        events.push(event)
        options.onEvent?.(event)
      } catch {
        events.push({ msg: `${line}\n`, raw_output: true, job: 'act' })
      }
    }
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', take)
    child.once('error', reject)
    child.once('close', (code) => resolve(code ?? 1))
  })
  await rm(work, { recursive: true, force: true })
  return summarise(events, exitCode, (Date.now() - started) / 1000)
}

export function summarise(events: ActEvent[], exitCode: number, seconds: number): WorkflowRun {
  const jobs = new Map<string, JobRecord & { first: number; last: number }>()
  const annotations: WorkflowAnnotation[] = []
  const outputs: Record<string, Record<string, string>> = {}
  let log = ''
  for (const event of events) {
    const jobName = event.job ?? 'act'
    const at = event.time ? Date.parse(event.time) : 0
    let job = jobs.get(jobName)
    if (!job && event.jobID) {
      job = { id: event.jobID, name: jobName, result: 'running', seconds: 0, steps: [], first: at, last: at }
      jobs.set(jobName, job)
    }
    if (job) job.last = Math.max(job.last, at)
    if (event.raw_output) log += prefixLines(jobName, event.msg ?? '')
    if (job && event.stepResult && event.step && !event.step.startsWith('Set up job') && event.step !== 'Complete job') {
      job.steps.push({
        job: job.id,
        name: event.step,
        stage: event.stage ?? 'Main',
        result: event.stepResult,
        seconds: (event.executionTime ?? 0) / 1e9,
      })
    }
    if (job && event.jobResult) job.result = event.jobResult
    if (event.command === 'set-output' && job && event.name) {
      outputs[job.id] = { ...outputs[job.id], [event.name]: event.arg ?? '' }
    }
    if (event.command === 'error' || event.command === 'warning' || event.command === 'notice') {
      annotations.push({
        job: job?.id ?? jobName,
        step: event.step ?? '',
        level: event.command,
        title: event.kvPairs?.title,
        message: event.arg ?? '',
      })
      log += prefixLines(jobName, `::${event.command}::${event.arg ?? ''}\n`)
    } else if (event.level === 'error' && event.msg && !event.raw_output) {
      log += prefixLines(jobName, `(act) ${event.msg}\n`)
    }
  }
  // A caller's job that only calls a reusable workflow has no steps and no result of its own.
  const records = [...jobs.values()]
    .filter((job) => job.result !== 'running' || job.steps.length > 0)
    .map(({ first, last, ...job }) => ({ ...job, seconds: (last - first) / 1000 }))
  return { exitCode, jobs: records, annotations, outputs, log, seconds, job: (id) => records.find((job) => job.id === id) }
}

function prefixLines(job: string, text: string): string {
  return text
    .split('\n')
    .filter((line, index, lines) => line !== '' || index < lines.length - 1)
    .map((line) => `[${job}] ${line}\n`)
    .join('')
}
