import { existsSync, mkdtempSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { run } from '../../../actions/tf-apply-toggle/src/main'
import type { IssueComments, PullRequest } from '../../../actions/tf-apply-toggle/src/pr-comment'
import { runInProcess } from '../../harness/in-process'
import { RUNNER_CREDENTIALS } from '../../harness/runner-credentials'
import { type Call, diagnostic, fakeTerraform, jsonLines, message, PLAN_JSON, type Step } from './fake-terraform'

/**
 * run() in process with a scripted Terraform: the order of commands, their
 * arguments and environment, the failure reasons, cancellation and the
 * comment, without waiting for real Terraform.
 */

class FakeSignals {
  handlers: ((signal: NodeJS.Signals) => void)[] = []
  subscribe(handler: (signal: NodeJS.Signals) => void) {
    this.handlers.push(handler)
    return () => {
      this.handlers = this.handlers.filter((candidate) => candidate !== handler)
    }
  }
  emit(signal: NodeJS.Signals) {
    for (const handler of this.handlers) handler(signal)
  }
}

class FakeComments implements IssueComments {
  bodies = new Map<number, string>()
  calls: string[] = []
  async find(_pr: PullRequest, marker: string) {
    this.calls.push('find')
    for (const [id, body] of this.bodies) if (body.includes(marker)) return id
    return undefined
  }
  async create(_pr: PullRequest, body: string) {
    this.calls.push('create')
    const id = this.bodies.size + 1
    this.bodies.set(id, body)
    return id
  }
  async update(_pr: PullRequest, id: number, body: string) {
    this.calls.push(`update ${id}`)
    this.bodies.set(id, body)
  }
}

let root: string
let workspace: string
// Every test writes the same summary file.
const summaryPath = join(mkdtempSync(join(tmpdir(), 'tf-toggle-summary-')), 'summary.md')

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tf-toggle-unit-'))
  workspace = join(root, 'ws')
  await mkdir(join(workspace, 'infra'), { recursive: true })
  await writeFile(join(workspace, 'infra', 'prod.tfvars'), 'environment = "prod"\n')
  await mkdir(join(root, 'temp'))
})

afterEach(async () => {
  vi.unstubAllEnvs()
  await rm(root, { recursive: true, force: true })
})

interface Options {
  steps?: Record<string, Step>
  env?: Record<string, string>
  comments?: FakeComments
  signals?: FakeSignals
  /** Make the job summary path a folder, so writing it fails. */
  unwritableSummary?: boolean
}

async function runToggle(inputs: Record<string, string>, options: Options = {}) {
  if (options.unwritableSummary) {
    await rm(summaryPath, { recursive: true, force: true })
    await mkdir(summaryPath)
  }
  const defaults = { 'working-directory': 'infra', 'lock-timeout': '5m', terraform: 'terraform', 'github-token': '' }
  const fake = fakeTerraform(options.steps)
  const signals = options.signals ?? new FakeSignals()
  const log: string[] = []
  const env = {
    PATH: '/usr/bin',
    RUNNER_TEMP: join(root, 'temp'),
    'INPUT_GITHUB-TOKEN': 'ghs_should_not_reach_terraform',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'example-org/data-pipeline',
    GITHUB_RUN_ID: '99',
    GITHUB_SHA: 'abcdef0123456789',
    ...options.env,
  }
  const comments = options.comments ?? new FakeComments()
  const captured = await runInProcess(
    () => run({ exec: fake.exec, env, cwd: workspace, signals, write: (text) => log.push(text), comments: async () => comments }),
    { inputs: { ...defaults, ...inputs }, ...(options.unwritableSummary ? { summaryFile: summaryPath } : {}) },
  )
  if (options.unwritableSummary) await rm(summaryPath, { recursive: true })
  return { ...captured, fake, log: log.join(''), signals }
}

const argsOf = (calls: Call[], command: string) => calls.find((call) => call.args[0] === command)?.args ?? []

describe("Terraform's record of the backend settings", () => {
  it('is readable by this user only while the run needs it, and removed when it ends, saying so', async () => {
    const record = () => join(workspace, 'infra', '.terraform', 'terraform.tfstate')
    let modeDuringRun: number | undefined
    const result = await runToggle(
      { mode: 'create', 'backend-config': 'bucket=state\nsecret_key=s3cr3t-value' },
      {
        steps: {
          // As Terraform does: the settings, secret_key among them, in a world-readable file.
          init: async () => {
            await mkdir(join(workspace, 'infra', '.terraform'), { recursive: true })
            await writeFile(record(), '{"backend":{"config":{"secret_key":"s3cr3t-value"}}}', { mode: 0o644 })
            return {}
          },
          plan: async () => {
            modeDuringRun = (await stat(record())).mode & 0o777
            return { exitCode: 2, stdout: jsonLines(message('Plan: 1 to add, 1 to change, 1 to destroy.')) }
          },
        },
      },
    )
    expect(result.failure).toBeUndefined()
    expect(modeDuringRun).toBe(0o600)
    expect(existsSync(record())).toBe(false)
    expect(result.log).toContain(`Removed ${record()}: Terraform keeps the backend settings there`)
  })
})

describe('the create flow', () => {
  it('runs init, a saved plan (which validates), show, apply of that plan, then outputs, with locking always on', async () => {
    const result = await runToggle({
      mode: 'create',
      'backend-config': 'bucket=state\nuse_lockfile=true\nendpoints={ s3 = "http://127.0.0.1:9" }',
      'var-files': 'prod.tfvars',
      variables: 'password=p@ss"word\nreplicas=3',
      workspace: 'prod',
      'lock-timeout': '90s',
      parallelism: '4',
      'plugin-cache': 'plugins',
    })
    expect(result.failure).toBeUndefined()
    const { calls } = result.fake
    expect(result.fake.commands()).toEqual(['init', 'plan', 'show', 'show', 'apply', 'output'])
    for (const call of calls) {
      expect(call.args).not.toContain('-lock=false')
      expect(call.options.cwd).toBe(join(workspace, 'infra'))
      expect(call.options.detached).toBe(true)
      expect(call.options.env).toMatchObject({
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        CHECKPOINT_DISABLE: '1',
        TF_WORKSPACE: 'prod',
        TF_PLUGIN_CACHE_DIR: join(workspace, 'plugins'),
      })
      expect(call.options.env?.['INPUT_GITHUB-TOKEN']).toBeUndefined()
    }
    expect((await stat(join(workspace, 'plugins'))).isDirectory()).toBe(true)

    const init = calls[0] as Call
    const backendFile = init.args[2]?.replace('-backend-config=', '') as string
    expect(init.args).toEqual(['init', '-input=false', `-backend-config=${backendFile}`])
    expect(init.files[backendFile]).toBe('bucket = "state"\nuse_lockfile = "true"\nendpoints = { s3 = "http://127.0.0.1:9" }\n')

    const plan = argsOf(calls, 'plan')
    const planPath = result.outputs['plan-path'] as string
    const variablesFile = plan.at(-1)?.replace('-var-file=', '') as string
    expect(plan).toEqual([
      'plan',
      '-input=false',
      '-json',
      '-detailed-exitcode',
      `-out=${planPath}`,
      '-lock-timeout=90000ms',
      '-parallelism=4',
      '-var-file=prod.tfvars',
      `-var-file=${variablesFile}`,
    ])
    const planCall = calls.find((call) => call.args[0] === 'plan') as Call
    // name=value lines are written as -var reads them: these two are not list or map variables, so quoted strings.
    expect(planCall.files[variablesFile]).toBe('password = "p@ss\\"word"\nreplicas = "3"\n')
    // The secrets' files are gone once the plan is saved.
    expect(existsSync(backendFile)).toBe(false)
    expect(existsSync(variablesFile)).toBe(false)
    expect(argsOf(calls, 'apply')).toEqual(['apply', '-input=false', '-json', '-lock-timeout=90000ms', '-parallelism=4', planPath])

    expect(result.outputs).toMatchObject({
      changes: 'true',
      'to-add': '1',
      'to-change': '1',
      'to-destroy': '1',
      cluster_name: 'dev-cluster',
      password: 'hunter2-hunter2',
    })
    expect(result.commands.masks).toContain('hunter2-hunter2')
    expect(result.log).toContain('Apply complete!')
    expect(result.summary).toContain('### Terraform create: `infra` (workspace `prod`)')
    expect(result.summary).toContain('| update | `terraform_data.cluster` |')
  })

  it('installs exactly what a committed lock file names (-lockfile=readonly), and resolves as usual without one', async () => {
    await writeFile(join(workspace, 'infra', '.terraform.lock.hcl'), '# the lock file Terraform wrote\n')
    const locked = await runToggle({ mode: 'plan' })
    expect(locked.failure).toBeUndefined()
    expect(argsOf(locked.fake.calls, 'init')).toEqual(['init', '-input=false', '-lockfile=readonly'])
    await rm(join(workspace, 'infra', '.terraform.lock.hcl'))
    const unlocked = await runToggle({ mode: 'plan' })
    expect(argsOf(unlocked.fake.calls, 'init')).toEqual(['init', '-input=false'])
  })

  it('skips show and apply when the plan changes nothing, and still publishes the outputs', async () => {
    const result = await runToggle(
      { mode: 'true' },
      { steps: { plan: () => ({ exitCode: 0, stdout: jsonLines(message('No changes.')) }) } },
    )
    expect(result.fake.commands()).toEqual(['init', 'plan', 'output'])
    expect(result.outputs).toMatchObject({ changes: 'false', 'to-add': '0', cluster_name: 'dev-cluster' })
    expect(argsOf(result.fake.calls, 'init')).toEqual(['init', '-input=false'])
    expect(result.log).toContain('No changes: the apply is skipped.')
    expect(result.summary).toContain('no changes, apply skipped')
  })

  it('refuses TF_CLI_ARGS that would turn locking off', async () => {
    const result = await runToggle({ mode: 'create' }, { env: { TF_CLI_ARGS_apply: '-lock=false' } })
    expect(result.failure).toBe(
      'TF_CLI_ARGS_apply contains -lock=false; this action never runs Terraform without the state lock. Remove it from TF_CLI_ARGS_apply.',
    )
    expect(result.fake.calls).toHaveLength(0)
  })
})

describe('destroy confirmation', () => {
  it.each([
    ['the input workspace', { workspace: 'prod', 'confirm-destroy': 'prod' }, {}, true],
    ['TF_WORKSPACE', { 'confirm-destroy': 'staging' }, { TF_WORKSPACE: 'staging' }, true],
    ['the default workspace', { 'confirm-destroy': 'default' }, {}, true],
    ['a mismatch', { workspace: 'prod', 'confirm-destroy': 'default' }, {}, false],
  ])('against %s', async (_name, inputs, env, allowed) => {
    const result = await runToggle({ mode: 'destroy', ...inputs }, { env })
    if (allowed) {
      expect(result.failure).toBeUndefined()
      expect(argsOf(result.fake.calls, 'plan')).toContain('-destroy')
    } else {
      expect(result.outputs['failure-reason']).toBe('destroy-not-confirmed')
      expect(result.fake.calls).toHaveLength(0)
      expect(result.summary).toContain('**destroy-not-confirmed**: Destroy refused')
    }
  })

  it('reads the workspace a previous `terraform workspace select` saved', async () => {
    await mkdir(join(workspace, 'infra', '.terraform'))
    await writeFile(join(workspace, 'infra', '.terraform', 'environment'), 'blue\n')
    const refused = await runToggle({ mode: 'destroy', 'confirm-destroy': 'default' })
    expect(refused.failure).toMatch(/workspace name 'blue'; got 'default'/)
    const confirmed = await runToggle({ mode: 'destroy', 'confirm-destroy': 'blue' })
    expect(confirmed.failure).toBeUndefined()
  })
})

const LOCK_DETAIL = [
  'Error message: operation error S3: PutObject, StatusCode: 412, api error PreconditionFailed',
  'Lock Info:',
  '  ID:        0a1b2c3d-0000-1111-2222-333344445555',
  '  Path:      state/main/terraform.tfstate',
  '  Operation: OperationTypeApply',
  '  Who:       runner@fv-az123',
  '  Version:   1.11.4',
  '  Created:   2026-11-24 02:19:21.598852191 +0000 UTC',
  '  Info:      ',
  '',
  'Terraform acquires a state lock to protect the state from being written',
].join('\n')

describe('failure reasons', () => {
  const locked: Step = () => ({ exitCode: 1, stdout: jsonLines(diagnostic('Error acquiring the state lock', LOCK_DETAIL)) })

  it.each([
    ['a lock during plan', { plan: locked }, 'state-locked'],
    ['a lock during apply', { apply: locked }, 'state-locked'],
  ])('%s is state-locked, naming the holder', async (_name, steps, reason) => {
    const result = await runToggle({ mode: 'create' }, { steps })
    expect(result.outputs['failure-reason']).toBe(reason)
    expect(result.failure).toBe(
      'The Terraform state is locked, held by runner@fv-az123 since 2026-11-24 02:19:21.598852191 +0000 UTC for apply (lock ID 0a1b2c3d-0000-1111-2222-333344445555). Wait for that run to finish, then run again; this action never forces a lock open. If the holder is gone for good, run terraform force-unlock with the lock ID yourself.',
    )
    expect(result.log).toContain('Lock Info:')
  })

  it('an apply error is apply-failed, annotated on its file and line', async () => {
    const range = { filename: 'main.tf', start: { line: 45, column: 3 } }
    const snippet = { context: 'resource "terraform_data" "bootstrap"', code: '  provisioner "local-exec" {', start_line: 45 }
    const result = await runToggle(
      { mode: 'create' },
      {
        steps: {
          apply: () => ({
            exitCode: 1,
            stdout: jsonLines(diagnostic('local-exec provisioner error', 'exit status 3', { range, snippet })),
          }),
        },
      },
    )
    expect(result.outputs['failure-reason']).toBe('apply-failed')
    expect(result.failure).toBe(
      "terraform apply failed: local-exec provisioner error (main.tf line 45). Terraform's full output is in the log above.",
    )
    expect(result.commands.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: 'infra/main.tf',
        line: 45,
        column: 3,
        title: 'local-exec provisioner error',
        message: 'exit status 3',
      }),
    )
    expect(result.log).toContain('  on main.tf line 45, in resource "terraform_data" "bootstrap":\n    45:   provisioner "local-exec" {')
    expect(result.summary).toContain('**Result:** failed.')
  })

  it('an init error is plan-failed, quoting its Error line', async () => {
    const stderr = '\u001b[31m╷\n│ \u001b[1mError: \u001b[0mBackend configuration changed\n│\n'
    const result = await runToggle({ mode: 'create' }, { steps: { init: () => ({ exitCode: 1, stderr }) } })
    expect(result.outputs['failure-reason']).toBe('plan-failed')
    expect(result.failure).toBe("terraform init failed: Backend configuration changed. Terraform's full output is in the log above.")
  })

  it('an invalid configuration is plan-failed, with the diagnostics in the log, and nothing after the plan runs', async () => {
    const invalid: Step = () => ({
      exitCode: 1,
      stdout: jsonLines(
        {
          '@level': 'warn',
          '@message': 'Warning: Deprecated attribute',
          type: 'diagnostic',
          diagnostic: { severity: 'warning', summary: 'Deprecated attribute' },
        },
        diagnostic('Unsupported argument', 'An argument named "foo" is not expected here.'),
      ),
    })
    const result = await runToggle({ mode: 'create' }, { steps: { plan: invalid } })
    expect(result.failure).toBe("terraform plan failed: Unsupported argument. Terraform's full output is in the log above.")
    expect(result.log).toContain('Warning: Deprecated attribute')
    expect(result.fake.commands()).toEqual(['init', 'plan'])
  })

  it('a failure with no diagnostic and no Error line names the exit code', async () => {
    const result = await runToggle({ mode: 'create' }, { steps: { plan: () => ({ exitCode: 11, stdout: 'panic: runtime error\n' }) } })
    expect(result.failure).toBe("terraform plan failed: exit code 11. Terraform's full output is in the log above.")
    expect(result.log).toContain('panic: runtime error')
  })

  it('JSON that is not what Terraform prints is reported as a bug', async () => {
    const result = await runToggle({ mode: 'create' }, { steps: { output: () => ({ stdout: 'null' }) } })
    expect(result.failure).toBe(
      'Unexpected error: terraform output -json printed no JSON object. This is a bug in pipeline-actions; please report it.',
    )
    expect(result.outputs['failure-reason']).toBeUndefined()
  })

  it('a job summary that cannot be written is a warning, not the failure', async () => {
    const result = await runToggle({ mode: 'create' }, { unwritableSummary: true })
    expect(result.failure).toBeUndefined()
    expect(result.commands.annotations).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringMatching(/^Could not write the job summary: /) }),
    )
  })
})

describe('cancellation', () => {
  it('sends exactly one SIGINT to the running Terraform and starts nothing after it', async () => {
    const signals = new FakeSignals()
    const steps: Record<string, Step> = {
      apply: ({ child }) => {
        signals.emit('SIGINT')
        signals.emit('SIGTERM')
        signals.emit('SIGINT')
        expect(child.signals).toEqual(['SIGINT'])
        return { exitCode: 1, stdout: jsonLines(message('Interrupt received.'), diagnostic('execution halted')) }
      },
    }
    const result = await runToggle({ mode: 'create' }, { steps, signals })
    expect(result.outputs['failure-reason']).toBe('cancelled')
    expect(result.failure).toBe(
      'Cancelled during terraform apply: Terraform got one interrupt, which lets it save state and release the lock, and exited with code 1.',
    )
    expect(result.fake.commands()).toEqual(['init', 'plan', 'show', 'show', 'apply'])
    expect(result.fake.calls.flatMap((call) => call.child.signals)).toEqual(['SIGINT'])
    expect(result.log).toContain('Received SIGINT: asking Terraform to stop (one interrupt)')
    expect(result.log.match(/again; ignoring it/g)).toHaveLength(2)
    // No annotation blames the configuration for the interrupt's own errors.
    expect(result.commands.annotations.filter((annotation) => annotation.file)).toEqual([])
    expect(signals.handlers).toHaveLength(0)
  })

  it('a signal while no Terraform runs stops the run before the next command', async () => {
    const signals = new FakeSignals()
    const steps: Record<string, Step> = {
      show: ({ child }) => {
        signals.emit('SIGTERM')
        expect(child.signals).toEqual(['SIGINT'])
        return { stdout: '  # terraform_data.network will be created\n' }
      },
    }
    const result = await runToggle({ mode: 'create' }, { steps, signals })
    expect(result.failure).toMatch(/^Cancelled during terraform show: .* exited with code 0\.$/)
    expect(result.fake.commands()).toEqual(['init', 'plan', 'show'])
  })
})

/** A pull_request event (number 12) written before each test; prEnv() is the environment that names it. */
function pullRequestEvent(): () => Record<string, string> {
  let eventPath = ''
  beforeEach(async () => {
    eventPath = join(root, 'event.json')
    await writeFile(eventPath, JSON.stringify({ pull_request: { number: 12 } }))
  })
  return () => ({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_API_URL: 'http://127.0.0.1:9' })
}

describe('the pull request comment in plan mode', () => {
  const prEnv = pullRequestEvent()

  it('creates one comment, then updates it, and applies nothing', async () => {
    const comments = new FakeComments()
    const first = await runToggle({ mode: 'plan', 'github-token': 'ghs_token_1234567890' }, { env: prEnv(), comments })
    expect(first.fake.commands()).toEqual(['init', 'plan', 'show', 'show'])
    expect(first.commands.masks).toContain('ghs_token_1234567890')
    await runToggle({ mode: 'plan', 'github-token': 'ghs_token_1234567890' }, { env: prEnv(), comments })
    expect(comments.calls).toEqual(['find', 'create', 'find', 'update 1'])
    const body = comments.bodies.get(1) as string
    expect(body).toMatch(/^<!-- tf-apply-toggle directory="infra" workspace="default" -->\n### Terraform plan:/)
    expect(body).toContain('<sub>[Run 99](https://github.com/example-org/data-pipeline/actions/runs/99) · commit abcdef0</sub>')
  })

  it('comments a failed plan too', async () => {
    const comments = new FakeComments()
    const steps = { plan: () => ({ exitCode: 1, stdout: jsonLines(diagnostic('Invalid reference')) }) }
    await runToggle({ mode: 'plan', 'github-token': 'ghs_token_1234567890' }, { env: prEnv(), comments, steps })
    expect(comments.bodies.get(1)).toContain('**plan-failed**: terraform plan failed: Invalid reference.')
  })

  it.each([
    ['outside a pull request', 'plan', 'ghs_token_1234567890', { GITHUB_EVENT_NAME: 'push' }],
    ['in create mode', 'create', 'ghs_token_1234567890', {}],
    ['without a token', 'plan', '', {}],
  ])('is not written %s', async (_name, mode, token, env) => {
    const comments = new FakeComments()
    const result = await runToggle({ mode, 'github-token': token }, { env: { ...prEnv(), ...env }, comments })
    expect(comments.calls).toEqual([])
    expect(result.failure).toBeUndefined()
    if (!token)
      expect(result.commands.annotations.map((annotation) => annotation.message)).toContain(
        "No 'github-token': the plan is not commented on the pull request.",
      )
  })
})

describe('least privilege', () => {
  it("keeps the runner's OIDC, runtime and cache credentials and GITHUB_TOKEN out of every Terraform command's environment", async () => {
    const result = await runToggle({ mode: 'create' }, { env: { ...RUNNER_CREDENTIALS, AWS_REGION: 'eu-west-1' } })
    expect(result.failure).toBeUndefined()
    expect(result.fake.calls.length).toBeGreaterThan(0)
    for (const call of result.fake.calls) {
      for (const name of Object.keys(RUNNER_CREDENTIALS)) expect(call.options.env?.[name], name).toBeUndefined()
      // What Terraform does need is still there.
      expect(call.options.env).toMatchObject({ AWS_REGION: 'eu-west-1', PATH: '/usr/bin' })
    }
  })

  it('deletes the saved plan when the step ends, and says so', async () => {
    const result = await runToggle({ mode: 'create' }, { steps: { plan: writePlan } })
    const planPath = result.outputs['plan-path'] as string
    expect(planPath).toMatch(/\/tf-plan-[^/]+\/plan\.tfplan$/)
    expect(existsSync(planPath)).toBe(false)
    expect(existsSync(join(planPath, '..'))).toBe(false)
    expect(result.log).toContain('The saved plan file was deleted: it holds variable values in clear. Set keep-plan: true to keep it.')
  })

  it('deletes it when the apply fails too', async () => {
    const steps = { plan: writePlan, apply: () => ({ exitCode: 1, stdout: jsonLines(diagnostic('Boom')) }) }
    const result = await runToggle({ mode: 'create' }, { steps })
    expect(result.outputs['failure-reason']).toBe('apply-failed')
    expect(existsSync(result.outputs['plan-path'] as string)).toBe(false)
  })

  it('keeps it, readable by its owner only, with keep-plan: true', async () => {
    const result = await runToggle({ mode: 'create', 'keep-plan': 'true' }, { steps: { plan: writePlan } })
    const planPath = result.outputs['plan-path'] as string
    expect((await stat(planPath)).mode & 0o777).toBe(0o600)
    expect(result.log).toContain(`The saved plan is kept at ${planPath} (mode 0600, keep-plan is true)`)
  })

  it('refuses a keep-plan that is not a boolean, naming the input', async () => {
    const result = await runToggle({ mode: 'create', 'keep-plan': 'sometimes' })
    expect(result.failure).toMatch(/^Input 'keep-plan' /)
    expect(result.fake.calls).toEqual([])
  })
})

/** A plan step that writes the file Terraform would, world-readable as Terraform leaves it under a 022 umask. */
async function writePlan(call: Call) {
  const out = call.args.find((arg) => arg.startsWith('-out='))?.slice('-out='.length) as string
  await writeFile(out, 'plan with variable values', { mode: 0o644 })
  return { exitCode: 2, stdout: jsonLines(message('Plan: 1 to add, 1 to change, 1 to destroy.')) }
}

describe('the pull request comment shows no secret', () => {
  const prEnv = pullRequestEvent()
  const API_KEY = 'sk-live-Zebra-Quartz-9917'
  const ACCESS_KEY = 'AKIAEXAMPLEBACKEND42'
  const MULTILINE = 'line-one-Secret\nline-two-Secret'

  it('redacts every value of variables and backend-config and every mask, wherever the plan or a failure prints it', async () => {
    const comments = new FakeComments()
    const steps = {
      show: ({ args }: Call) =>
        args.includes('-json')
          ? { stdout: JSON.stringify(PLAN_JSON) }
          : {
              stdout: [
                '  # terraform_data.leak will be created',
                `      + api_key = "${API_KEY}"`,
                `      + quoted  = "${JSON.stringify('say "hi" p@ss"word').slice(1, -1)}"`,
                '      + notes   = <<-EOT',
                '            line-one-Secret',
                '            line-two-Secret',
                '        EOT',
                `      + backend = "${ACCESS_KEY}"`,
                '      + region  = "dev" # short values stay',
                '',
              ].join('\n'),
            },
    }
    const result = await runToggle(
      {
        mode: 'plan',
        'github-token': 'ghs_token_1234567890',
        'backend-config': `bucket=state\naccess_key=${ACCESS_KEY}\nuse_lockfile=true`,
        variables: JSON.stringify({ api_key: API_KEY, quoted: 'say "hi" p@ss"word', notes: MULTILINE, region: 'dev', replicas: 3 }),
      },
      { env: prEnv(), comments, steps },
    )
    expect(result.failure).toBeUndefined()
    const body = comments.bodies.get(1) as string
    for (const secret of [API_KEY, ACCESS_KEY, 'line-one-Secret', 'line-two-Secret', 'p@ss', 'ghs_token_1234567890'])
      expect(body).not.toContain(secret)
    expect(body).toContain('      + api_key = "***"')
    expect(body).toContain('      + backend = "***"')
    expect(body).toContain('      + quoted  = "***"')
    expect(body).toContain('      + region  = "dev" # short values stay')
  })

  it('redacts a failure message that echoes a value', async () => {
    const comments = new FakeComments()
    const steps = { plan: () => ({ exitCode: 1, stdout: jsonLines(diagnostic(`Invalid value ${API_KEY}`)) }) }
    await runToggle(
      { mode: 'plan', 'github-token': 'ghs_token_1234567890', variables: `api_key=${API_KEY}` },
      { env: prEnv(), comments, steps },
    )
    const body = comments.bodies.get(1) as string
    expect(body).toContain('**plan-failed**: terraform plan failed: Invalid value ***.')
    expect(body).not.toContain(API_KEY)
  })

  it('fences the plan with more backticks than its longest run, so plan text cannot close the block', async () => {
    const comments = new FakeComments()
    const plan = '      + input = "``````` not the end"\n'
    const steps = { show: ({ args }: Call) => (args.includes('-json') ? { stdout: JSON.stringify(PLAN_JSON) } : { stdout: plan }) }
    await runToggle({ mode: 'plan', 'github-token': 'ghs_token_1234567890' }, { env: prEnv(), comments, steps })
    const body = comments.bodies.get(1) as string
    expect(body).toContain(`\`\`\`\`\`\`\`\`\n${plan}\n\`\`\`\`\`\`\`\`\n`)
  })
})
