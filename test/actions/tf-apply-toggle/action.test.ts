import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { type FaultProxy, startFaultProxy } from '../../bench/fault-proxy'
import { pullRequestOnFakeApi } from '../../bench/github-api'
import { type Moto, startMoto } from '../../bench/moto'
import {
  AWS_ENV,
  BUCKET,
  backendConfig,
  createBucket,
  FIXTURE,
  listKeys,
  readState,
  resourceNames,
  workspaceWithFixture,
} from '../../bench/terraform-state'
import { type ActionRun, type RunOptions, runAction } from '../../harness/runner'

/**
 * The committed bundle, run as a runner runs it, against real Terraform and
 * its S3 backend on moto. Each describe block has its own runner workspace
 * (a fresh checkout, as on a hosted runner) and its own state key.
 */

const SECRET = 'pa55-Wh1te-Rabbit-42'
const TOKEN = 'ghs_faketoken0123456789abcdef'
const ALL_RESOURCES = ['terraform_data.bootstrap', 'terraform_data.cluster', 'terraform_data.network', 'terraform_data.notes']

let moto: Moto
let workspace: string
const workspaces: string[] = []

beforeAll(async () => {
  moto = await startMoto()
  await createBucket(moto.endpoint)
})

afterAll(async () => {
  await moto?.stop()
  for (const dir of workspaces) await rm(dir, { recursive: true, force: true })
})

/** Each describe block starts from a fresh checkout. */
function freshWorkspace(): void {
  beforeAll(async () => {
    workspace = await workspaceWithFixture()
    workspaces.push(workspace)
  })
}

function toggle(key: string, inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  return runAction('tf-apply-toggle', {
    cwd: workspace,
    post: false,
    ...options,
    env: { ...AWS_ENV, ...options.env },
    inputs: { 'working-directory': 'infra', 'backend-config': backendConfig(moto.endpoint, key), ...inputs },
  })
}

describe('create, rerun, refused destroy, confirmed destroy', () => {
  freshWorkspace()
  const key = 'main/terraform.tfstate'
  const variables = `db_password=${SECRET}\nenvironment=dev`

  it('fails a plan with a missing required variable as plan-failed, pointing at the variable', async () => {
    const run = await toggle(key, { mode: 'create' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('plan-failed')
    expect(run.failure).toMatch(/^terraform plan failed: No value for required variable \(main\.tf line \d+\)\. /)
    expect(run.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', file: 'infra/main.tf', title: 'No value for required variable' }),
    )
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual([])
  })

  it('creates: applies the saved plan, sets every output, masks the sensitive ones, summarises', async () => {
    const run = await toggle(key, { mode: 'create', variables })
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ changes: 'true', 'to-add': '4', 'to-change': '0', 'to-destroy': '0', cluster_name: 'dev-cluster' })
    expect(run.outputs['plan-path']).toMatch(/\/tf-plan-[^/]+\/plan\.tfplan$/)
    expect(run.outputs['failure-reason']).toBeUndefined()
    const network = JSON.parse(run.outputs.network as string)
    expect(network).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'dev-network' })
    expect(run.outputs.db_password).toBe(SECRET)
    expect(run.outputs.database_url).toBe(`postgres://app:${SECRET}@db.internal:5432/app`)
    expect(JSON.parse(run.outputs['outputs-json'] as string)).toEqual({
      cluster_name: 'dev-cluster',
      network,
      db_password: SECRET,
      database_url: `postgres://app:${SECRET}@db.internal:5432/app`,
    })
    expect(run.masks).toEqual(expect.arrayContaining([SECRET, `postgres://app:${SECRET}@db.internal:5432/app`]))
    expect(run.visibleLog).not.toContain(SECRET)
    // Terraform's own output streamed to the log: the human plan, then the apply's progress.
    expect(run.visibleLog).toContain('# terraform_data.cluster will be created')
    expect(run.visibleLog).toContain('terraform_data.bootstrap: (local-exec): bootstrap started')
    expect(run.visibleLog).toContain('Apply complete! Resources: 4 added, 0 changed, 0 destroyed.')
    expect(run.summary).toContain('### Terraform create: `infra` (workspace `default`)')
    expect(run.summary).toContain('**Plan:** 4 to add, 0 to change, 0 to destroy. **Result:** applied the saved plan.')
    expect(run.summary).toContain('| create | `terraform_data.network` |')
    expect(run.summary).not.toContain(SECRET)

    const state = await readState(moto.endpoint, key)
    expect(resourceNames(state)).toEqual(ALL_RESOURCES)
    expect(await listKeys(moto.endpoint)).not.toContain(`${key}.tflock`)
  })

  it('reruns with no changes: skips the apply, still sets the outputs', async () => {
    const before = await readState(moto.endpoint, key)
    const run = await toggle(key, { mode: 'create', variables })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ changes: 'false', 'to-add': '0', 'to-change': '0', 'to-destroy': '0', cluster_name: 'dev-cluster' })
    expect(run.visibleLog).toContain('No changes: the apply is skipped.')
    expect(run.visibleLog).not.toContain('Apply complete!')
    expect(run.masks).toContain(SECRET)
    expect(run.summary).toContain('**Result:** no changes, apply skipped.')
    expect((await readState(moto.endpoint, key))?.serial).toBe(before?.serial)
  })

  it('refuses a destroy (the false of a boolean toggle) without confirm-destroy, running nothing', async () => {
    const run = await toggle(key, { mode: 'false', variables })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('destroy-not-confirmed')
    expect(run.failure).toBe(
      "Destroy refused: input 'confirm-destroy' must equal the Terraform workspace name 'default'; got ''. Nothing was run.",
    )
    expect(run.visibleLog).not.toContain('Initializing the backend')
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual(ALL_RESOURCES)
  })

  it('destroys once confirm-destroy names the workspace', async () => {
    const run = await toggle(key, { mode: 'destroy', 'confirm-destroy': 'default', variables })
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toMatchObject({ changes: 'true', 'to-add': '0', 'to-change': '0', 'to-destroy': '4', 'outputs-json': '{}' })
    expect(run.summary).toContain('| delete | `terraform_data.cluster` |')
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual([])
    expect(await listKeys(moto.endpoint)).not.toContain(`${key}.tflock`)
  })
})

describe('an apply whose final state write fails (credentials expired during a long create)', () => {
  freshWorkspace()
  const key = 'errored/terraform.tfstate'
  const variables = `db_password=${SECRET}\nenvironment=dev`
  let s3: FaultProxy

  beforeAll(async () => {
    s3 = await startFaultProxy(moto.endpoint)
  })
  afterAll(() => s3?.stop())

  it('pushes errored.tfstate back to the backend, so no resource is left without state, and says so', async () => {
    // The first write of the state object (the one at the end of the apply) is refused as AWS refuses an expired session.
    s3.inject({
      match: (call) => call.method === 'PUT' && call.path.split('?')[0] === `/${BUCKET}/${key}`,
      times: 1,
      fault: { type: 'aws-error', status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' },
    })
    const run = await toggle(key, { mode: 'create', variables, 'backend-config': backendConfig(s3.endpoint, key) })
    expect(s3.calls.some((call) => call.fault === 'aws-error')).toBe(true)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('apply-failed')
    expect(run.visibleLog).toContain(
      'Terraform could not save the state after the apply; it left it in errored.tfstate. Pushing it to the backend now.',
    )
    expect(run.visibleLog).toContain('The state Terraform could not save is in the backend again (errored.tfstate was pushed and removed).')
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual(ALL_RESOURCES)
    expect(existsSync(join(workspace, 'infra', 'errored.tfstate'))).toBe(false)
    expect(run.visibleLog).not.toContain(SECRET)
  })

  it('then finds nothing to change: the resources and their state agree', async () => {
    const run = await toggle(key, { mode: 'create', variables, 'backend-config': backendConfig(s3.endpoint, key) })
    expect(run.failure).toBeUndefined()
    expect(run.outputs.changes).toBe('false')
  })
})

describe('the same toggle with OpenTofu (terraform: tofu)', () => {
  freshWorkspace()
  const key = 'opentofu/terraform.tfstate'
  const variables = `db_password=${SECRET}\nenvironment=dev`
  const tofu = { terraform: toolPaths().tofu }

  it('creates from a saved plan, sets and masks the outputs, with the state and lock file in S3', async () => {
    const run = await toggle(key, { mode: 'create', variables, ...tofu })
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toMatchObject({
      changes: 'true',
      'to-add': '4',
      'to-destroy': '0',
      cluster_name: 'dev-cluster',
      db_password: SECRET,
    })
    expect(run.masks).toContain(SECRET)
    expect(run.visibleLog).not.toContain(SECRET)
    expect(run.visibleLog).toContain('OpenTofu has been successfully initialized!')
    // The action's own words name the program that ran (its failures too: see the lock test below).
    expect(run.summary).toContain('### OpenTofu create: ')
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual(ALL_RESOURCES)
    expect(await listKeys(moto.endpoint)).not.toContain(`${key}.tflock`)
  })

  it('skips the apply when nothing changed, then destroys once confirmed', async () => {
    const rerun = await toggle(key, { mode: 'create', variables, ...tofu })
    expect(rerun.outputs).toMatchObject({ changes: 'false', cluster_name: 'dev-cluster' })
    expect(rerun.visibleLog).toContain('No changes: the apply is skipped.')
    const destroy = await toggle(key, { mode: 'destroy', 'confirm-destroy': 'default', variables, ...tofu })
    expect(destroy.failure).toBeUndefined()
    expect(destroy.outputs).toMatchObject({ 'to-destroy': '4', 'outputs-json': '{}' })
    expect(resourceNames(await readState(moto.endpoint, key))).toEqual([])
  })
})

describe('a state lock held by another OpenTofu process', () => {
  freshWorkspace()
  const variables = `db_password=${SECRET}`
  const tofu = { terraform: toolPaths().tofu }

  it("reads OpenTofu's lock error: state-locked with the holder, the lock left alone", async () => {
    const lockedKey = 'opentofu-locked/terraform.tfstate'
    await whileLockHeld(lockedKey, toolPaths().tofu, async () => {
      const run = await toggle(lockedKey, { mode: 'create', variables, 'lock-timeout': '2s', ...tofu })
      expect(run.outputs['failure-reason']).toBe('state-locked')
      expect(run.failure).toMatch(
        new RegExp(
          `^The OpenTofu state is locked, held by ${`${userInfo().username}@${hostname()}`.replace(/[.]/g, '\\.')} since .+ for apply \\(lock ID [0-9a-f-]{36}\\)\\.`,
        ),
      )
      expect(run.failure).toContain('run tofu force-unlock with the lock ID yourself.')
      expect(await listKeys(moto.endpoint)).toContain(`${lockedKey}.tflock`)
    })
  })
})

/** Runs `check` while a plain apply of the fixture holds the state lock, then lets that apply finish and release it. */
async function whileLockHeld(key: string, binary: string, check: () => Promise<void>): Promise<void> {
  const holder = await startLockHolder(key, binary)
  try {
    await check()
  } finally {
    holder.child.kill('SIGINT')
    await new Promise((resolve) => holder.child.on('close', resolve))
    await rm(holder.dir, { recursive: true, force: true })
  }
}

/** A plain `terraform apply` (or `tofu apply`) of the fixture, paused in its slow provisioner while it holds the state lock. */
async function startLockHolder(key: string, binary: string): Promise<{ child: ChildProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tf-lock-holder-'))
  await cp(FIXTURE, dir, { recursive: true })
  const backendFile = join(dir, 'backend.tfbackend')
  const lines = backendConfig(moto.endpoint, key)
    .split('\n')
    .map((line) => {
      const [name, ...rest] = line.split('=')
      const value = rest.join('=')
      return `${name} = ${value.startsWith('{') ? value : JSON.stringify(value)}`
    })
  await writeFile(backendFile, `${lines.join('\n')}\n`)
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...AWS_ENV, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }
  const init = spawn(binary, ['init', '-input=false', `-backend-config=${backendFile}`], { cwd: dir, env, stdio: 'ignore' })
  await new Promise((resolve) => init.on('close', resolve))
  const child = spawn(binary, ['apply', '-auto-approve', '-input=false', '-var=db_password=x', '-var=slow_seconds=120'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const deadline = Date.now() + 60_000
  while (!output.includes('bootstrap started')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the lock holder did not start its slow apply:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, dir }
}

describe('a state lock held by another Terraform process', () => {
  freshWorkspace()
  const key = 'locked/terraform.tfstate'

  it('fails with failure-reason state-locked, naming the holder and since when, and leaves the lock alone', async () => {
    await whileLockHeld(key, 'terraform', async () => {
      const run = await toggle(key, { mode: 'create', variables: `db_password=${SECRET}`, 'lock-timeout': '2s' })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['failure-reason']).toBe('state-locked')
      const who = `${userInfo().username}@${hostname()}`
      expect(run.failure).toMatch(
        new RegExp(
          `^The Terraform state is locked, held by ${who.replace(/[.]/g, '\\.')} since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\S* \\+0000 UTC for apply \\(lock ID [0-9a-f-]{36}\\)\\. Wait for that run to finish`,
        ),
      )
      expect(run.summary).toContain('**state-locked**: The Terraform state is locked, held by')
      // Never forced open: the holder's lock is still there.
      expect(await listKeys(moto.endpoint)).toContain(`${key}.tflock`)
    })
    expect(await listKeys(moto.endpoint)).not.toContain(`${key}.tflock`)
  })
})

describe.each([
  ['Terraform', 'terraform', 'terraform'],
  ['OpenTofu', 'tofu', toolPaths().tofu],
])('cancellation in the middle of a slow apply (%s)', (name, command, binary) => {
  freshWorkspace()
  const key = `cancelled-${name}/terraform.tfstate`

  it('forwards one interrupt, ignores the next signal, and the apply saves state and releases the lock', async () => {
    const run = await toggle(
      key,
      { mode: 'create', variables: `db_password=${SECRET}\nslow_seconds=120`, terraform: binary },
      {
        control: (child) => {
          // React to the action's output as it arrives, not by polling: the second signal must land while
          // Terraform is still shutting down, as GitHub's SIGINT-then-SIGTERM does.
          let seen = ''
          let stage = 0
          child.stdout?.on('data', (chunk: Buffer) => {
            seen += chunk.toString()
            if (stage === 0 && seen.includes('bootstrap started')) {
              stage = 1
              child.kill('SIGTERM')
            } else if (stage === 1 && seen.includes('Interrupt received')) {
              stage = 2
              child.kill('SIGINT')
            }
          })
        },
      },
    )
    expect(run.signal).toBeNull()
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('cancelled')
    expect(run.failure).toMatch(new RegExp(`^Cancelled during ${command} apply: ${name} got one interrupt`))
    expect(run.visibleLog).toContain(`Received SIGTERM: asking ${name} to stop (one interrupt)`)
    expect(run.visibleLog).toContain('Received SIGINT again; ignoring it')
    expect(run.visibleLog).toContain('Interrupt received.')
    expect(run.visibleLog).not.toContain('Two interrupts received')
    expect(run.visibleLog).toContain(`${name} has been successfully initialized!`)

    const state = await readState(moto.endpoint, key)
    // What was created before the interrupt is in the saved state; the interrupted resource is tainted if recorded at all.
    expect(resourceNames(state)).toEqual(expect.arrayContaining(['terraform_data.cluster', 'terraform_data.network']))
    const bootstrap = state?.resources.find((resource) => resource.name === 'bootstrap')
    for (const instance of bootstrap?.instances ?? []) expect(instance.status).toBe('tainted')
    expect(await listKeys(moto.endpoint)).not.toContain(`${key}.tflock`)
  })
})

describe('plan mode on a pull request', () => {
  freshWorkspace()
  const key = 'review/terraform.tfstate'
  const pr = pullRequestOnFakeApi({ action: 'synchronize', number: 7, pull_request: { number: 7 } })

  // The comment redacts every value of the `variables` input (issue #16), so what reviewers should read comes from a var file.
  const onPullRequest = async (variables: Record<string, string>, reviewable: Record<string, string>) => {
    await writeFile(join(workspace, 'infra', 'review.tfvars.json'), JSON.stringify(reviewable))
    return toggle(
      key,
      { mode: 'plan', workspace: 'pr-7', variables: JSON.stringify(variables), 'var-files': 'review.tfvars.json', 'github-token': TOKEN },
      {
        env: pr.env(),
      },
    )
  }
  const marker = '<!-- tf-apply-toggle directory="infra" workspace="pr-7" -->'

  it('comments the plan once, applies nothing', async () => {
    const run = await onPullRequest({ db_password: SECRET }, { environment: 'review' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ changes: 'true', 'to-add': '4' })
    expect(run.outputs.cluster_name).toBeUndefined()
    const comments = pr.api().comments.get(7) ?? []
    expect(comments).toHaveLength(1)
    const body = comments[0]?.body ?? ''
    expect(body.startsWith(`${marker}\n### Terraform plan: \`infra\` (workspace \`pr-7\`)`)).toBe(true)
    expect(body).toContain('**Plan:** 4 to add, 0 to change, 0 to destroy. **Result:** planned only, nothing applied.')
    expect(body).toContain('<details><summary>Plan</summary>')
    expect(body).toContain('+ name    = "review-cluster"')
    expect(body).not.toContain(SECRET)
    expect(pr.api().requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /repos/example-org/data-pipeline/issues/7/comments',
      'POST /repos/example-org/data-pipeline/issues/7/comments',
    ])
    expect(pr.api().requests[0]?.authorization).toBe(`token ${TOKEN}`)
    expect(run.masks).toContain(TOKEN)
    expect(run.visibleLog).not.toContain(TOKEN)
    expect(resourceNames(await readState(moto.endpoint, `env:/pr-7/${key}`))).toEqual([])
  })

  it('updates the same comment on the next run, cutting a plan too long for GitHub with a link to the run', async () => {
    const first = pr.api().comments.get(7)?.[0]?.id
    pr.api().requests.length = 0
    const run = await onPullRequest({ db_password: SECRET }, { environment: 'review', notes: 'lorem ipsum '.repeat(7000) })
    expect(run.exitCode).toBe(0)
    const comments = pr.api().comments.get(7) ?? []
    expect(comments.map((comment) => comment.id)).toEqual([first])
    const body = comments[0]?.body ?? ''
    expect(body.length).toBeLessThanOrEqual(65_536)
    expect(body.length).toBeGreaterThan(60_000)
    expect(body).toContain(
      'The plan was cut to fit; the whole plan is in the [job summary and log](https://github.com/example-org/data-pipeline/actions/runs/4242/attempts/1).',
    )
    expect(pr.api().requests.map((request) => request.method)).toEqual(['GET', 'PATCH'])
    // The job summary keeps the whole plan.
    expect(run.summary).toContain('lorem ipsum '.repeat(7000).trim())
  })
})

describe('bad inputs fail with one line, before Terraform runs', () => {
  freshWorkspace()
  it.each([
    [{ mode: 'apply' }, "Input 'mode' must be one of create, destroy, plan, drift-check, true (create) or false (destroy); got 'apply'."],
    [{ mode: 'create', 'working-directory': 'nowhere' }, "Input 'working-directory' must be an existing directory; got 'nowhere'."],
    [
      { mode: 'create', 'backend-config': 'bucket=state\nregion' },
      "Input 'backend-config' line 2 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
    ],
  ])('%o', async (inputs, message) => {
    const run = await runAction('tf-apply-toggle', { cwd: workspace, post: false, inputs: { 'working-directory': 'infra', ...inputs } })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe(message)
    expect(run.outputs['failure-reason']).toBeUndefined()
    expect(run.visibleLog).not.toMatch(/\n\s+at\s/)
    expect(run.visibleLog).not.toContain('Initializing the backend')
  })
})
