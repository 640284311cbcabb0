import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { annotateError, annotateWarning } from '../../../lib/annotations'
import { withChildEnv } from '../../../lib/child-env'
import { type Clock, systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { runWithDeps } from '../../../lib/entry'
import { UserError } from '../../../lib/errors'
import { exec as defaultExec, type Exec } from '../../../lib/exec'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { type Logger, runnerLog } from '../../../lib/log'
import { appendSummary } from '../../../lib/summary'
import { describe, type Finding, isFailure, resultsJson, title } from './findings'
import { type FailOn, type Inputs, parseInputs } from './inputs'
import { junitReport } from './report/junit'
import { sarifReport } from './report/sarif'
import { summaryMarkdown } from './report/summary'
import { type Validation, validate } from './validate'

/** Everything that touches tools, the network, time or the log, so tests can replace it. */
export interface Deps {
  exec: Exec
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  env: NodeJS.ProcessEnv
  log: Logger
  read: ReadInput
}

export function defaultDeps(): Deps {
  return { exec: withChildEnv(defaultExec), fetch, clock: systemClock, env: process.env, log: runnerLog, read: readRaw }
}

export function run(overrides: Partial<Deps> = {}): Promise<void> {
  return runWithDeps(defaultDeps, overrides, async (deps) => {
    const inputs = parseInputs(deps.read)
    const workspace = deps.env.GITHUB_WORKSPACE || process.cwd()
    const validation = await validate(inputs, { ...deps, workspace, tempDir: deps.env.RUNNER_TEMP || tmpdir() })
    await deps.log.group('Report', () => report(validation, inputs, workspace))
    const failing = validation.findings.filter((finding) => fails(finding, inputs.failOn))
    if (failing.length > 0) throw new UserError(failureMessage(validation, inputs.failOn))
    if (validation.fileCount === 0) {
      throw new UserError(
        'Nothing was validated: the inputs selected no manifest.',
        "The job summary lists each file 'paths' left out and why.",
      )
    }
  })
}

/** Whether a finding fails the step under `fail-on`; one that does not is still annotated, as a warning. */
export function fails(finding: Finding, failOn: FailOn): boolean {
  if (failOn === 'never') return false
  if (failOn === 'error') return finding.status === 'error'
  return isFailure(finding)
}

async function report(validation: Validation, inputs: Inputs, workspace: string): Promise<void> {
  for (const finding of validation.findings.filter(isFailure)) {
    const annotate = fails(finding, inputs.failOn) ? annotateError : annotateWarning
    annotate(describe(finding), { file: finding.file, line: finding.line, title: title(finding) })
  }
  const { counts } = validation
  core.setOutput('valid', counts.valid)
  core.setOutput('invalid', counts.invalid)
  core.setOutput('errors', counts.errors)
  core.setOutput('skipped', counts.skipped)
  core.setOutput('results-json', resultsJson(validation.findings, counts))
  for (const path of inputs.report.junit) await writeReport(workspace, path, junitReport(validation.findings))
  for (const path of inputs.report.sarif) {
    const failing = (finding: Finding) => fails(finding, inputs.failOn)
    await writeReport(workspace, path, sarifReport(validation.findings, { kubeconformVersion: inputs.kubeconformVersion, failing }))
  }
  await appendSummary(summaryMarkdown(validation, inputs))
  core.info(`valid ${counts.valid}, invalid ${counts.invalid}, errors ${counts.errors}, skipped ${counts.skipped}`)
}

async function writeReport(workspace: string, path: string, content: string): Promise<void> {
  const target = isAbsolute(path) ? path : join(workspace, path)
  await mkdir(dirname(target), { recursive: true })
  await writeFile(target, content)
  core.info(`Wrote ${path}.`)
}

function failureMessage(validation: Validation, failOn: FailOn): string {
  const { invalid, errors } = validation.counts
  const parts = []
  if (failOn === 'invalid' && invalid > 0) parts.push(`${invalid} resource${invalid === 1 ? ' is' : 's are'} invalid`)
  if (errors > 0) parts.push(`${errors} could not be validated`)
  return `${parts.join(' and ')}; see the annotations and the job summary.`
}
