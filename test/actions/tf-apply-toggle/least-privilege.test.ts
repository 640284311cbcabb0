import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pullRequestOnFakeApi } from '../../bench/github-api'
import { type ActionRun, type RunOptions, repoRoot, runAction } from '../../harness/runner'
import { RUNNER_CREDENTIALS } from '../../harness/runner-credentials'

/**
 * Issue #16, through the committed bundle and real Terraform: what a pull
 * request's configuration gets from the step (its environment), what the
 * step leaves behind (the saved plan), and what the plan comment shows and
 * whose comment it edits.
 */

const FIXTURE = join(repoRoot, 'test/fixtures/terraform/least-privilege')

let workspace: string
let temp: string

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'tf-least-privilege-ws-'))
  await cp(FIXTURE, join(workspace, 'infra'), { recursive: true })
  // The runner's temp folder, outside the harness's own (which it deletes), so what the step left there can be read.
  temp = await mkdtemp(join(tmpdir(), 'tf-least-privilege-temp-'))
})
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true })
  await rm(temp, { recursive: true, force: true })
})

function toggle(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  return runAction('tf-apply-toggle', {
    cwd: workspace,
    post: false,
    ...options,
    env: { RUNNER_TEMP: temp, ...options.env },
    inputs: { 'working-directory': 'infra', ...inputs },
  })
}

describe("Terraform's environment", () => {
  it("has none of the runner's OIDC, runtime and cache credentials nor GITHUB_TOKEN: a local-exec provisioner records what it got", async () => {
    const dump = join(temp, 'provisioner-env.txt')
    const run = await toggle(
      { mode: 'create', variables: `env_dump=${dump}`, 'github-token': 'ghs_input_token_4567' },
      { env: { ...RUNNER_CREDENTIALS, PIPELINE_PROBE: 'reaches-terraform' } },
    )
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    const names = (await readFile(dump, 'utf8')).split('\n').map((line) => line.split('=')[0] ?? '')
    // The probe proves the file is the provisioner's environment, not an empty one.
    expect(names).toContain('PIPELINE_PROBE')
    expect(names).toContain('TF_IN_AUTOMATION')
    for (const name of Object.keys(RUNNER_CREDENTIALS)) expect(names, name).not.toContain(name)
    expect(names.filter((name) => name.startsWith('INPUT_'))).toEqual([])
    const text = await readFile(dump, 'utf8')
    for (const value of [...Object.values(RUNNER_CREDENTIALS), 'ghs_input_token_4567']) expect(text).not.toContain(value)
  })
})

describe('the saved plan', () => {
  it('is gone when the step ends, and the log says so', async () => {
    const run = await toggle({ mode: 'create', variables: 'api_key=plan-file-secret-1234' })
    expect(run.exitCode).toBe(0)
    const planPath = run.outputs['plan-path'] as string
    expect(planPath.startsWith(`${temp}/tf-plan-`)).toBe(true)
    expect(existsSync(planPath)).toBe(false)
    expect(run.visibleLog).toContain('The saved plan file was deleted: it holds variable values in clear. Set keep-plan: true to keep it.')
  })

  it('stays, readable by its owner only, when keep-plan is true', async () => {
    const run = await toggle({ mode: 'create', variables: 'api_key=plan-file-secret-1234', 'keep-plan': 'true' })
    expect(run.exitCode).toBe(0)
    const planPath = run.outputs['plan-path'] as string
    expect((await stat(planPath)).mode & 0o777).toBe(0o600)
    expect(run.visibleLog).toContain(`The saved plan is kept at ${planPath} (mode 0600, keep-plan is true)`)
  })
})

describe('the plan comment', () => {
  const API_KEY = 'sk-live-Orchid-Falcon-5521'
  const marker = '<!-- tf-apply-toggle directory="infra" workspace="default" -->'
  const pr = pullRequestOnFakeApi({ number: 9, pull_request: { number: 9 } })
  beforeEach(() => {
    pr.api().comments.clear()
    pr.api().requests.length = 0
  })

  const onPullRequest = (inputs: Record<string, string>) => toggle({ mode: 'plan', ...inputs }, { env: pr.env() })

  it('shows no value of variables, even one the configuration prints, and fences a plan full of backticks', async () => {
    // A var file is how values reviewers should read reach the plan; its backticks would end a three-backtick fence.
    await writeFile(join(workspace, 'infra', 'notes.tfvars'), 'notes = "see ``````` here"\n')
    const run = await onPullRequest({ variables: `api_key=${API_KEY}`, 'var-files': 'notes.tfvars', 'github-token': 'ghs_pr_token_0001' })
    expect(run.exitCode).toBe(0)
    const body = pr.api().comments.get(9)?.[0]?.body ?? ''
    expect(body.startsWith(marker)).toBe(true)
    expect(body).not.toContain(API_KEY)
    expect(body).toMatch(/api_key = "\*\*\*"/)
    expect(body).toContain('notes   = "see ``````` here"')
    // The plan's own fence is longer than the seven-backtick run inside it.
    expect(body).toContain('<details><summary>Plan</summary>\n\n````````\n')
  })

  it('never takes over a comment someone else posted with the marker; edits its own on the next run', async () => {
    pr.api().comments.set(9, [{ id: 1, body: `${marker}\nLooks good, merge it`, user: { login: 'mallory', type: 'User' } }])
    const first = await onPullRequest({ 'github-token': 'ghs_pr_token_0001' })
    expect(first.exitCode).toBe(0)
    const afterFirst = pr.api().comments.get(9) ?? []
    expect(afterFirst).toHaveLength(2)
    expect(afterFirst[0]?.body).toBe(`${marker}\nLooks good, merge it`)
    expect(afterFirst[1]?.user?.login).toBe('github-actions[bot]')
    const ours = afterFirst[1]?.id

    const second = await onPullRequest({ 'github-token': 'ghs_pr_token_0001' })
    expect(second.exitCode).toBe(0)
    const afterSecond = pr.api().comments.get(9) ?? []
    expect(afterSecond.map((comment) => comment.id)).toEqual([1, ours])
    expect(afterSecond[0]?.body).toBe(`${marker}\nLooks good, merge it`)
    // An installation token cannot read /user, so it is never asked.
    expect(pr.api().requests.map((request) => `${request.method} ${request.path}`)).not.toContain('GET /user')
    expect(
      pr
        .api()
        .requests.filter((request) => request.method === 'PATCH')
        .map((request) => request.path),
    ).toEqual([`/repos/example-org/data-pipeline/issues/comments/${ours}`])
  })

  it('with a personal token, edits only the comment of the user /user names', async () => {
    pr.api().userLogin = 'release-bot-user'
    pr.api().comments.set(9, [
      { id: 1, body: `${marker}\nforged`, user: { login: 'github-actions[bot]', type: 'Bot' } },
      { id: 2, body: `${marker}\nold plan`, user: { login: 'release-bot-user', type: 'User' } },
    ])
    const run = await onPullRequest({ 'github-token': 'github_pat_0123456789abcdef' })
    expect(run.exitCode).toBe(0)
    const comments = pr.api().comments.get(9) ?? []
    expect(comments.map((comment) => comment.id)).toEqual([1, 2])
    expect(comments[0]?.body).toBe(`${marker}\nforged`)
    expect(comments[1]?.body.startsWith(`${marker}\n### Terraform plan`)).toBe(true)
    expect(pr.api().requests.map((request) => `${request.method} ${request.path}`)).toContain('GET /user')
  })
})
