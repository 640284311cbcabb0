import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run as runToggle } from '../../../actions/tf-apply-toggle/src/main'
import { type FakeGitHubApi, startFakeGitHubApi } from '../../bench/github-api'
import { type Moto, startMoto } from '../../bench/moto'
import {
  AWS_ENV,
  BUCKET,
  backendConfig,
  createBucket,
  getObject,
  listKeys,
  putObject,
  readState,
  type State,
  workspaceWithFixture,
} from '../../bench/terraform-state'
import { type InProcessRun, runInProcess } from '../../harness/in-process'

/**
 * The reviewed-plan flow, in process, against real Terraform, its
 * S3 backend on moto and the GitHub API's pull request routes on loopback: a
 * pull request's plan is stored (save-plan), its merge applies exactly that
 * plan (reviewed-plan) from a checkout whose configuration differs, and a
 * plan whose state has moved is refused with its reason, nothing applied.
 */

const TOKEN = 'ghs_faketoken0123456789abcdef'
const SECRET = 'pa55-Reviewed-Plan-77'
const KEY = 'reviewed/terraform.tfstate'
const PREFIX = `plans/default/${KEY}`
const KMS_KEY = 'alias/tf-apply-toggle-state'

let moto: Moto
let api: FakeGitHubApi
let main: string
let events: string
const dirs: string[] = []

/** A checkout whose `notes` default is `notes`: the value a pull request changes. */
async function checkout(notes: string): Promise<string> {
  const dir = await workspaceWithFixture()
  dirs.push(dir)
  const file = join(dir, 'infra', 'main.tf')
  const text = await readFile(file, 'utf8')
  await writeFile(file, text.replace(/(variable "notes" \{\n\s+type\s+= string\n\s+default = )""/, `$1"${notes}"`))
  return dir
}

/** A commit id whose short form is the number, so messages are easy to read. */
function sha(n: number): string {
  return `${String(n).padStart(7, '0')}${'f'.repeat(33)}`
}

/** The pull_request event of pull request `number` at head `head`. */
async function pullRequestEvent(number: number, head: string): Promise<Record<string, string>> {
  const path = join(events, `pr-${number}-${head.slice(0, 7)}.json`)
  await writeFile(path, JSON.stringify({ action: 'synchronize', number, pull_request: { number, head: { sha: head } } }))
  return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path, GITHUB_SHA: sha(9000 + number) }
}

async function pushEvent(commit: string): Promise<Record<string, string>> {
  const path = join(events, `push-${commit.slice(0, 7)}.json`)
  await writeFile(path, JSON.stringify({ ref: 'refs/heads/main', after: commit }))
  return { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path, GITHUB_SHA: commit }
}

type ActionRun = InProcessRun<void>

/** The log as the runner shows it: the add-mask commands, which carry the values they hide, are not shown. */
const visible = (run: ActionRun) =>
  run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')

// In process, so coverage sees the flow's modules; the act rehearsal runs the committed bundle through the same flow.
function toggle(cwd: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  return runInProcess(() => runToggle({ cwd }), {
    env: {
      ...AWS_ENV,
      // What a runner sets and the flow reads (runAction sets the same for the bundle).
      GITHUB_REPOSITORY: 'example-org/data-pipeline',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_WORKSPACE: cwd,
      GITHUB_API_URL: api.url,
      ...env,
    },
    inputs: {
      'working-directory': 'infra',
      'backend-config': backendConfig(moto.endpoint, KEY),
      variables: `db_password=${SECRET}`,
      'github-token': TOKEN,
      ...inputs,
    },
  })
}

function notesOf(state: State | undefined): unknown {
  // terraform_data keeps its input with its type: { type, value }.
  const input = state?.resources.find((resource) => resource.name === 'notes')?.instances[0]?.attributes.input as
    | { value?: unknown }
    | undefined
  return input?.value
}

/** Saves pull request `number`'s plan from a checkout whose notes default is `notes`; the pull request is recorded as merged as `merge`. */
async function savePullRequestPlan(number: number, notes: string, merge: string): Promise<ActionRun> {
  const head = sha(number)
  api.pulls = api.pulls.filter((pull) => pull.number !== number)
  api.pulls.push({ number, head: { sha: head }, merged_at: '2026-12-06T10:00:00Z', merge_commit_sha: merge })
  return toggle(await checkout(notes), { mode: 'plan', 'save-plan': 'true', 'plan-kms-key': KMS_KEY }, await pullRequestEvent(number, head))
}

beforeAll(async () => {
  moto = await startMoto()
  await createBucket(moto.endpoint)
  api = await startFakeGitHubApi()
  events = await mkdtemp(join(tmpdir(), 'tf-reviewed-events-'))
  // The default branch's checkout: its notes differ from every pull request's.
  main = await checkout('from the main checkout')
  const first = await toggle(main, { mode: 'create' })
  expect(first.exitCode).toBe(0)
})

afterAll(async () => {
  await api?.stop()
  await moto?.stop()
  for (const dir of [...dirs, events]) if (dir) await rm(dir, { recursive: true, force: true })
})

describe('a pull request plan applied on merge', () => {
  const merge = sha(0x2100)
  let saved: ActionRun

  it('saves the plan encrypted in the state bucket with the state version it was made against', async () => {
    const before = await readState(moto.endpoint, KEY)
    saved = await savePullRequestPlan(21, 'reviewed in pull request 21', merge)
    expect(saved.failure).toBeUndefined()
    expect(saved.exitCode).toBe(0)
    expect(saved.outputs).toMatchObject({ changes: 'true', 'to-change': '1' })
    expect(await listKeys(moto.endpoint)).toEqual(expect.arrayContaining([`${PREFIX}/pr-21.tfplan`, `${PREFIX}/pr-21.json`]))
    const plan = await getObject(moto.endpoint, `${PREFIX}/pr-21.tfplan`)
    expect(plan?.headers.get('x-amz-server-side-encryption')).toBe('aws:kms')
    expect(plan?.headers.get('x-amz-server-side-encryption-aws-kms-key-id')).toContain(KMS_KEY)
    // A saved plan is a zip archive.
    expect(plan?.body.subarray(0, 2).toString()).toBe('PK')
    const metadata = JSON.parse((await getObject(moto.endpoint, `${PREFIX}/pr-21.json`))?.body.toString() ?? '{}')
    expect(metadata).toMatchObject({ format: 1, pullRequest: 21, headSha: sha(21), serial: before?.serial, changes: true, change: 1 })
    expect(metadata.lineage).toMatch(/^[0-9a-f-]{36}$/)
    expect(saved.summary).toContain('Saved for the merge of pull request #21 (commit 0000021')
    // Nothing was applied by the plan.
    expect(notesOf(await readState(moto.endpoint, KEY))).toBe('from the main checkout')
  })

  it('applies exactly that plan after the merge, from a checkout whose configuration differs', async () => {
    const run = await toggle(main, { mode: 'create', 'reviewed-plan': 'auto' }, await pushEvent(merge))
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    // The reviewed value, not the main checkout's: the configuration came from the saved plan.
    expect(notesOf(await readState(moto.endpoint, KEY))).toBe('reviewed in pull request 21')
    expect(run.outputs).toMatchObject({ changes: 'true', 'to-change': '1' })
    // No plan was made: the log shows the fetched plan and its apply, never Terraform planning.
    expect(visible(run)).not.toContain('terraform validate')
    expect(visible(run)).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.')
    expect(run.summary).toContain('Applies the reviewed plan of pull request #21 (commit 0000021')
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toContain(
      `GET /repos/example-org/data-pipeline/commits/${merge}/pulls`,
    )
    expect(visible(run)).not.toContain(SECRET)
  })

  it('refuses to apply it a second time: its state has moved', async () => {
    const before = await readState(moto.endpoint, KEY)
    const run = await toggle(main, { mode: 'create', 'reviewed-plan': 'pr-21' }, await pushEvent(merge))
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('plan-stale')
    expect(run.failure).toMatch(
      new RegExp(
        `^The reviewed plan of pull request #21 is stale: the state moved from serial ${(before?.serial ?? 0) - 1} to serial ${before?.serial} since it was planned \\(another apply wrote it\\)\\. Nothing was applied\\. Plan again against the current state`,
      ),
    )
    expect((await readState(moto.endpoint, KEY))?.serial).toBe(before?.serial)
  })
})

describe('a plan made stale by another apply', () => {
  const merge = sha(0x2200)

  it('is refused with its reason, nothing applied', async () => {
    const saved = await savePullRequestPlan(22, 'reviewed in pull request 22', merge)
    expect(saved.exitCode).toBe(0)
    // Another run applies first (a later merge, a manual run).
    const other = await toggle(await checkout('applied by another run'), { mode: 'create' })
    expect(other.exitCode).toBe(0)
    const before = await readState(moto.endpoint, KEY)

    const run = await toggle(main, { mode: 'create', 'reviewed-plan': 'auto' }, await pushEvent(merge))
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('plan-stale')
    expect(run.failure).toMatch(
      /^The reviewed plan of pull request #22 is stale: the state moved from serial \d+ to serial \d+ since it was planned \(another apply wrote it\)\. Nothing was applied\./,
    )
    expect(visible(run)).not.toContain('Apply complete!')
    const after = await readState(moto.endpoint, KEY)
    expect(after?.serial).toBe(before?.serial)
    expect(notesOf(after)).toBe('applied by another run')
  })

  it("turns Terraform's own refusal of a stale plan into the same one line", async () => {
    // Metadata that claims the current state (as when another apply lands between our check and Terraform's).
    const current = await readState(moto.endpoint, KEY)
    const raw = await getObject(moto.endpoint, `${PREFIX}/pr-22.json`)
    const metadata = JSON.parse(raw?.body.toString() ?? '{}')
    await putObject(moto.endpoint, BUCKET, `${PREFIX}/pr-22.json`, JSON.stringify({ ...metadata, serial: current?.serial }))

    const run = await toggle(main, { mode: 'create', 'reviewed-plan': 'pr-22' }, await pushEvent(merge))
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('plan-stale')
    expect(run.failure).toMatch(
      /^The reviewed plan of pull request #22 is stale: Terraform refused it, as the state changed after it was made\. Nothing was applied\./,
    )
    expect((await readState(moto.endpoint, KEY))?.serial).toBe(current?.serial)
  })
})

describe('no plan to apply: refused with the reason, nothing run', () => {
  it.each([
    [
      'a commit that is no pull request merge',
      async () => ({ inputs: { 'reviewed-plan': 'auto' }, env: await pushEvent(sha(0xdead)) }),
      /^No reviewed plan to apply: commit 0057005 is not the merge of a pull request \(reviewed-plan is auto\)\. Nothing was run\./,
    ],
    [
      'a pull request without a saved plan',
      async () => {
        api.pulls.push({ number: 23, head: { sha: sha(23) }, merged_at: null, merge_commit_sha: null })
        return { inputs: { 'reviewed-plan': 'pr-23' }, env: await pushEvent(sha(0x2300)) }
      },
      new RegExp(
        `^No reviewed plan to apply: pull request #23 has no saved plan at s3://${BUCKET}/${PREFIX}/pr-23\\.tfplan\\. Nothing was applied\\.`,
      ),
    ],
    [
      "a plan of another commit than the pull request's last",
      async () => {
        const pull = api.pulls.find((candidate) => candidate.number === 21)
        if (pull) pull.head.sha = sha(2121)
        return { inputs: { 'reviewed-plan': 'pr-21' }, env: await pushEvent(sha(0x2100)) }
      },
      /^No reviewed plan to apply: the saved plan of pull request #21 was made from commit 0000021, not from its last commit 0002121\. Nothing was applied\./,
    ],
  ])('%s', async (_name, setup, message) => {
    const before = await readState(moto.endpoint, KEY)
    const { inputs, env } = await setup()
    const run = await toggle(main, { mode: 'create', ...inputs }, env)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toBe('no-reviewed-plan')
    expect(run.failure).toMatch(message)
    expect(visible(run)).not.toContain('Initializing the backend')
    expect((await readState(moto.endpoint, KEY))?.serial).toBe(before?.serial)
  })
})

describe('bad inputs fail with one line, before Terraform runs', () => {
  it.each([
    [{ mode: 'create', 'save-plan': 'true' }, {}, "Input 'save-plan' works with mode plan only (the pull request's plan); mode is create."],
    [
      { mode: 'plan', 'reviewed-plan': 'auto' },
      {},
      "Input 'reviewed-plan' works with mode create only (it applies the reviewed plan); mode is plan.",
    ],
    [
      { mode: 'create', 'reviewed-plan': 'latest' },
      {},
      "Input 'reviewed-plan' must be auto, pr-<number> (such as pr-42) or empty; got 'latest'.",
    ],
    [{ mode: 'plan', 'save-plan': 'yes please' }, {}, /^Input 'save-plan' must be /],
    [
      { mode: 'plan', 'save-plan': 'true', 'plan-kms-key': 'my key' },
      {},
      "Input 'plan-kms-key' must be a KMS key id, alias/<name> or a key or alias ARN; got 'my key'.",
    ],
    [
      { mode: 'plan', 'save-plan': 'true' },
      {},
      "Input 'save-plan' saves a pull request's plan for its merge; this run is not for a pull request (no pull_request event with a head commit).",
    ],
    [
      { mode: 'plan', 'save-plan': 'true', 'backend-config': 'region=us-east-1' },
      'pr',
      "Input 'save-plan' keeps plans in the S3 state bucket: 'backend-config' must name its bucket and key (bucket=…, key=…).",
    ],
    [
      { mode: 'create', 'reviewed-plan': 'auto', targets: 'terraform_data.notes' },
      {},
      "Input 'reviewed-plan' applies the pull request's saved plan as it is: 'targets' and 'replace' belong to that pull request's plan run.",
    ],
    [
      { mode: 'create', 'reviewed-plan': 'pr-5', 'github-token': '' },
      {},
      "Input 'reviewed-plan' asks GitHub which pull request was reviewed: 'github-token' must not be empty (pull-requests: read).",
    ],
  ])('%o', async (inputs, env, message) => {
    const keysBefore = await listKeys(moto.endpoint)
    const run = await toggle(main, inputs, env === 'pr' ? await pullRequestEvent(5, sha(5)) : env)
    expect(run.exitCode).toBe(1)
    if (typeof message === 'string') expect(run.failure).toBe(message)
    else expect(run.failure).toMatch(message)
    expect(visible(run)).not.toMatch(/\n\s+at\s/)
    expect(visible(run)).not.toContain('Initializing the backend')
    expect(await listKeys(moto.endpoint)).toEqual(keysBefore)
  })
})

describe('the plan comment only when the plan changes something', () => {
  const marker = '<!-- tf-apply-toggle directory="infra" workspace="default" -->'

  it('writes no comment for a plan that changes nothing', async () => {
    // The state now holds what this checkout plans: nothing to change.
    const dir = await checkout('applied by another run')
    const run = await toggle(dir, { mode: 'plan' }, await pullRequestEvent(31, sha(31)))
    expect(run.exitCode).toBe(0)
    expect(run.outputs.changes).toBe('false')
    expect(api.comments.get(31)).toBeUndefined()
    expect(visible(run)).toContain(
      'No plan comment on pull request #31: the plan changes nothing and there is no earlier comment to update.',
    )
  })

  it('updates an earlier comment to one "no changes" line once the plan changes nothing', async () => {
    const changing = await toggle(await checkout('a change in pull request 32'), { mode: 'plan' }, await pullRequestEvent(32, sha(32)))
    expect(changing.exitCode).toBe(0)
    const comments = api.comments.get(32) ?? []
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('**Plan:** 0 to add, 1 to change, 0 to destroy.')

    const unchanged = await toggle(await checkout('applied by another run'), { mode: 'plan' }, await pullRequestEvent(32, sha(3232)))
    expect(unchanged.exitCode).toBe(0)
    const after = api.comments.get(32) ?? []
    expect(after.map((comment) => comment.id)).toEqual([comments[0]?.id])
    expect(after[0]?.body).toBe(
      [
        marker,
        '### Terraform plan: `infra` (workspace `default`)',
        '',
        '**No changes.** Terraform finds nothing to change.',
        '',
        `<sub>[Run 4242](https://github.com/example-org/data-pipeline/actions/runs/4242/attempts/1) · commit ${sha(9032).slice(0, 7)}</sub>`,
      ].join('\n'),
    )
  })
})
