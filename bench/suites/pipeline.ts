import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { node24 } from '../../test/harness/runner'
import { formatNumber } from '../lib/format'
import { pipelineOverhead } from '../lib/overhead'
import { type Classification, commandLine, sampleTools } from '../lib/process-sampler'
import { RehearsalReader, unionMs } from '../lib/rehearsal-log'
import { checkGoal, measuredSuite, type Row, type SuiteResult } from '../lib/results'
import { summarize } from '../lib/stats'
import { repoRoot, type Suite } from '../lib/suite'

const ID = 'pipeline'
const TITLE = 'The pipeline: the rehearsal timed from act, and the suite’s own overhead'
const METHOD =
  "`scripts/rehearsal.ts` run once, unchanged: the example consumer repository's own workflows through act against the local bench (create from the toggle, the same create again, pull-request checks, refused and real destroys, a second create and destroy). Its jobs and steps are timed from act's JSON log as the rehearsal prints them; meanwhile the bench samples, every 200 ms, which tools run under the rehearsal's process (Terraform and its providers, Helm, the Docker CLI, buildah, kubectl, kustomize, kubeconform, the AWS CLI, pip), and what else runs when none does (our actions' bundles, Python scripts, git, sleep)."
const GOAL = { text: '≤ 10 % of the rehearsal’s workflow time', on: 'value', limit: 10, inclusive: true } as const
const INTERVAL_MS = 200

/** The tool a process's command name (at most 15 characters, as the kernel keeps it) belongs to. */
export function toolOf(comm: string): string | undefined {
  if (/^terraform/.test(comm) || /^tofu/.test(comm)) return 'terraform'
  if (comm === 'helm') return 'helm'
  if (comm === 'docker' || comm.startsWith('docker-buildx') || comm === 'buildctl') return 'docker'
  if (comm === 'buildah') return 'buildah'
  if (comm === 'kubectl' || comm === 'kustomize') return 'kubectl'
  if (comm === 'kubeconform') return 'kubeconform'
  if (comm === 'aws') return 'aws'
  if (comm === 'pip' || comm === 'pip3') return 'pip'
  return undefined
}

/**
 * A process of the rehearsal: a tool at work, or else what it is, so the time
 * without a tool can be told apart (our actions, Python scripts, the checkout
 * stand-in, sleeping in a polling loop). The bench's own services (moto and the
 * daemons) are neither: they are there the whole time.
 */
export function classifyProcess(comm: string, commandLine: () => string): Classification {
  const tool = toolOf(comm)
  if (tool) return { tool }
  if (comm === 'node' || comm.startsWith('node')) {
    const line = commandLine()
    const action = /actions\/([a-z0-9-]+)\/dist\//.exec(line)
    if (action) return { other: `our action ${action[1]}` }
    // act keeps a third-party action (here a stand-in, test/workflows/stand-ins) under act/actions/<owner>-<name>@<ref>.
    const thirdParty = /act\/actions\/([^@/\s]+)@/.exec(line)
    return thirdParty ? { other: `a third-party action's stand-in (${thirdParty[1]})` } : undefined
  }
  if (/^python/.test(comm)) {
    const line = commandLine()
    if (/moto|-m moto/.test(line)) return undefined
    // pip names itself python when run as `python -m pip`.
    if (/ -m pip |\/pip /.test(` ${line} `)) return { tool: 'pip' }
    return { other: 'Python (the workflows’ scripts, the DAG import)' }
  }
  if (comm === 'git') return { other: 'git (checkout stand-in)' }
  if (comm === 'sleep') return { other: 'sleep (polling in run steps)' }
  return undefined
}

export const pipeline: Suite = {
  id: ID,
  title: TITLE,
  async run(context): Promise<SuiteResult> {
    const reader = new RehearsalReader()
    const tail: string[] = []
    const started = Date.now()
    context.log('pipeline: running the rehearsal (scripts/rehearsal.ts) once')
    const child = spawn(node24(), ['--import', 'tsx', join(repoRoot, 'scripts/rehearsal.ts')], {
      cwd: repoRoot,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (child.pid === undefined) throw new Error('the rehearsal did not start')
    const sampler = sampleTools(child.pid, (comm, pid) => classifyProcess(comm, () => commandLine(pid)), INTERVAL_MS)
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        reader.line(line, Date.now())
        tail.push(line)
        if (tail.length > 40) tail.shift()
      })
    }
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code) => resolve(code))
    })
    const samples = sampler.stop()
    const wallS = (Date.now() - started) / 1000
    const { log } = reader
    if (exitCode !== 0 || !log.passed) throw new Error(`the rehearsal failed (exit ${exitCode}):\n${tail.join('\n')}`)
    if (log.runs.length === 0 || log.steps.length === 0)
      throw new Error(`no runs or steps read from the rehearsal's output:\n${tail.join('\n')}`)

    if (log.waits.length === 0)
      throw new Error(
        "no deliberate wait read from the rehearsal's output (lines '(waited on purpose <ms> ms: <what>)'): the overhead would be charged with them",
      )

    // The workflows' time: while any run of the rehearsal was under way (a pull request's checks run during a create).
    const during = (sample: { atMs: number }, intervals: readonly { startMs: number; endMs: number }[]) =>
      intervals.some((interval) => sample.atMs >= interval.startMs && sample.atMs <= interval.endMs)
    const inRun = samples.filter((sample) => during(sample, log.runs))
    const workflowS = unionMs(log.runs) / 1000
    const overhead = pipelineOverhead(samples, log.runs, log.waits)
    const share = (count: number) => `${((100 * count) / Math.max(1, inRun.length)).toFixed(1)} % of the workflow time`
    const seconds = (count: number) => summarize([(count * workflowS) / Math.max(1, inRun.length)])
    const perTool = new Map<string, number>()
    for (const sample of inRun) for (const tool of sample.tools) perTool.set(tool, (perTool.get(tool) ?? 0) + 1)
    // Where the time without a tool goes, the deliberate waits aside: what else ran in those samples (several things can run at once).
    const idleBy = new Map<string, number>()
    for (const sample of inRun.filter((candidate) => candidate.tools.length === 0 && !during(candidate, log.waits))) {
      for (const other of sample.others.length > 0 ? sample.others : ['only act and the steps’ shells']) {
        idleBy.set(other, (idleBy.get(other) ?? 0) + 1)
      }
    }
    const waitRows: Row[] = [...overhead.waited.entries()].map(([what, count]) => {
      const waits = log.waits.filter((wait) => wait.what === what)
      const lengthS = waits.reduce((sum, wait) => sum + wait.endMs - wait.startMs, 0) / 1000
      return {
        subject: `deliberate wait, left out of the overhead: ${what}`,
        unit: 's',
        value: seconds(count),
        note: `${share(count)}; ${waits.length} time${waits.length === 1 ? '' : 's'}, ${formatNumber(lengthS, 's')} in all, of which no tool was at work for the time shown`,
      }
    })

    // Steps by job and name over the whole rehearsal: what the time goes to.
    const steps = new Map<string, { seconds: number; count: number }>()
    for (const step of log.steps) {
      const key = `${step.job}: ${step.step}`
      const entry = steps.get(key) ?? { seconds: 0, count: 0 }
      steps.set(key, { seconds: entry.seconds + step.seconds, count: entry.count + 1 })
    }
    const stepRows: Row[] = [...steps.entries()]
      .sort((a, b) => b[1].seconds - a[1].seconds)
      .map(([name, entry]) => ({
        subject: `step ${name}`,
        unit: 's',
        value: summarize([entry.seconds]),
        note: `${entry.count} run${entry.count === 1 ? '' : 's'}, ${((100 * entry.seconds) / workflowS).toFixed(1)} % of the workflow time`,
      }))
    const jobs = new Map<string, { seconds: number; count: number }>()
    for (const job of log.jobs) {
      const entry = jobs.get(job.job) ?? { seconds: 0, count: 0 }
      jobs.set(job.job, { seconds: entry.seconds + job.seconds, count: entry.count + 1 })
    }
    const net = summarize([overhead.percent])
    const deliberate = [...overhead.waited.values()].reduce((sum, count) => sum + count, 0)
    const rows: Row[] = [
      {
        subject:
          'the suite’s own overhead: the workflow time in which none of the tools was at work, the rehearsal’s deliberate waits left out',
        unit: '%',
        value: net,
        goal: checkGoal(GOAL, net),
        whyMissed: `with no tool at work, the deliberate waits aside, the time went to ${[...idleBy.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([other, count]) => `${other} (${((100 * count) / Math.max(1, inRun.length - deliberate)).toFixed(0)} %)`)
          .join(
            ', ',
          )}; "only act and the steps’ shells" is act setting up each job and step, and the shell of each run step between its commands`,
      },
      {
        subject: 'the same, deliberate waits included',
        unit: '%',
        value: summarize([(100 * overhead.idle) / Math.max(1, overhead.inRun)]),
      },
      { subject: 'the workflows’ time (while a run was under way)', unit: 's', value: summarize([workflowS]) },
      ...waitRows,
      ...[...perTool.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([tool, count]): Row => ({ subject: `${tool} at work`, unit: 's', value: seconds(count), note: share(count) })),
      ...[...idleBy.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(
          ([other, count]): Row => ({
            subject: `no tool at work; running: ${other}`,
            unit: 's',
            value: seconds(count),
            note: share(count),
          }),
        ),
      ...[...jobs.entries()]
        .sort((a, b) => b[1].seconds - a[1].seconds)
        .map(
          ([job, entry]): Row => ({
            subject: `job ${job}`,
            unit: 's',
            value: summarize([entry.seconds]),
            note: `${entry.count} run${entry.count === 1 ? '' : 's'}, ${((100 * entry.seconds) / workflowS).toFixed(1)} % of the workflow time`,
          }),
        ),
      ...stepRows,
    ]
    return measuredSuite(
      { id: ID, title: TITLE, method: METHOD },
      {
        rows,
        notes: [
          `One rehearsal (${formatNumber(wallS, 's')} from start to exit, the bench's services started and stopped included; ${log.checks ?? '?'} checks passed; ${log.runs.length} workflow runs: ${log.runs.map((run) => `${run.label} ${run.seconds.toFixed(1)} s`).join(', ')}). It is one long run, so its figures have no range; quote a run made on a quiet machine.`,
          `The overhead is the share of ${inRun.length} samples taken while a run was under way in which no tool process was alive under the rehearsal, less the ${deliberate} such samples taken during a wait the rehearsal makes on purpose (it prints each as it ends: ${[...overhead.waited.keys()].join('; ')}), which leave both the overhead and the time it is a share of. A sample in which a tool was at work stays work, deliberate wait or not. The rehearsal's LoadBalancer addresses, handed out every second while a deploy waits on them, fall in Helm's own wait and are work by this rule. Only command-line tools count as work: the bench's long-running services (moto, dockerd, BuildKit, the registry, the control plane) are there in every sample, and the work they do for a tool is done while that tool waits on them. kubeconform and Helm are found by their process wherever the workflows install them from.`,
          'Jobs and steps add up to more than the workflow time: jobs of a run go in parallel (act runs up to 4 at once), and one pull request’s checks run during a create. A share is a step’s time over the workflow time. Steps are the Main stage of each step, as act reports them (pre and post stages and job set-up are left out).',
        ],
      },
    )
  },
}
