import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../../actions/tf-apply-toggle/src/main'
import { type FakeGitHubApi, startFakeGitHubApi } from '../../bench/github-api'
import { type Moto, startMoto } from '../../bench/moto'
import { AWS_ENV, backendConfig, createBucket, readState } from '../../bench/terraform-state'
import { runInProcess } from '../../harness/in-process'
import { runAction } from '../../harness/runner'

/**
 * mode drift-check, in process, with real Terraform, its S3 backend on moto
 * and the issues API on the fake GitHub API. The "real infrastructure" is a
 * file outside the configuration that a terraform_data reads: changing it out
 * of band is a change the code did not make, which a full plan reports.
 */

const TOKEN = 'ghs_driftcheck0123456789abcdef'
const KEY = 'drift/terraform.tfstate'
const DECOY = 9000
const MARKER = '<!-- tf-apply-toggle drift directory="infra" workspace="default" -->'

let moto: Moto
let api: FakeGitHubApi
let workspace: string
let realFile: string

beforeAll(async () => {
  moto = await startMoto()
  await createBucket(moto.endpoint)
  api = await startFakeGitHubApi()
  workspace = await mkdtemp(join(tmpdir(), 'tf-drift-ws-'))
  await mkdir(join(workspace, 'infra'))
  await writeFile(
    join(workspace, 'infra', 'main.tf'),
    [
      'terraform {',
      '  backend "s3" {}',
      '}',
      'variable "real_file" {',
      '  type = string',
      '}',
      'resource "terraform_data" "bucket_tags" {',
      '  input = trimspace(file(var.real_file))',
      '}',
      'resource "terraform_data" "steady" {',
      '  input = "steady"',
      '}',
      '',
    ].join('\n'),
  )
  realFile = join(workspace, 'real-tags.txt')
  await writeFile(realFile, 'owner=data\n')
})

afterAll(async () => {
  await api?.stop()
  await moto?.stop()
  if (workspace) await rm(workspace, { recursive: true, force: true })
})

function toggle(inputs: Record<string, string>) {
  return runInProcess(() => run({ cwd: workspace }), {
    inputs: {
      'working-directory': 'infra',
      'backend-config': backendConfig(moto.endpoint, KEY),
      variables: `real_file=${realFile}`,
      'lock-timeout': '1m',
      terraform: 'terraform',
      'github-token': TOKEN,
      ...inputs,
    },
    env: {
      ...AWS_ENV,
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_REPOSITORY: 'example-org/data-pipeline',
      GITHUB_API_URL: api.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: 'abcdef0123456789',
    },
  })
}

const issueWrites = () => api.requests.filter((request) => request.method !== 'GET' && request.path.includes('/issues'))

describe('drift-check on a schedule', () => {
  it('creates the infrastructure first (mode create)', async () => {
    const result = await toggle({ mode: 'create' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs.changes).toBe('true')
    expect((await readState(moto.endpoint, KEY))?.resources.map((resource) => resource.name).sort()).toEqual(['bucket_tags', 'steady'])
  })

  it('finds no drift when nothing changed: drift=false, no issue written, nothing applied', async () => {
    const serial = (await readState(moto.endpoint, KEY))?.serial
    const result = await toggle({ mode: 'drift-check' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ drift: 'false', changes: 'false' })
    expect(result.summary).toContain('**Result:** no drift, the real infrastructure matches the code.')
    expect(issueWrites()).toEqual([])
    expect((await readState(moto.endpoint, KEY))?.serial).toBe(serial)
  })

  it('opens one issue, as the token identity, when the real object changed out of band; applies nothing', async () => {
    await writeFile(realFile, 'owner=someone-else\n')
    const serial = (await readState(moto.endpoint, KEY))?.serial
    const result = await toggle({ mode: 'drift-check' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ drift: 'true', changes: 'true', 'to-change': '1' })
    const issues = [...api.issues.values()]
    expect(issues).toHaveLength(1)
    const [issue] = issues
    expect(issue).toMatchObject({
      state: 'open',
      title: 'Terraform drift: infra (workspace default)',
      user: { login: 'github-actions[bot]' },
    })
    expect(issue?.body.startsWith(MARKER)).toBe(true)
    expect(issue?.body).toContain('| update | `terraform_data.bucket_tags` |')
    expect(issue?.body).toContain('someone-else')
    expect(issue?.body).toContain('[Run 4242](https://github.com/example-org/data-pipeline/actions/runs/4242)')
    expect(result.summary).toContain('**Result:** the real infrastructure differs from the code (drift); nothing applied.')
    expect((await readState(moto.endpoint, KEY))?.serial).toBe(serial)
  })

  it('updates its own issue on the next run, and never one someone else wrote with the same marker', async () => {
    const ours = [...api.issues.values()][0]
    // Anyone can open an issue that starts with the marker; a newer one is listed first.
    api.issues.set(DECOY, {
      number: DECOY,
      title: 'decoy',
      body: `${MARKER}\nnothing to see`,
      state: 'open',
      user: { login: 'mallory', type: 'User' },
    })
    await writeFile(realFile, 'owner=a-third-team\n')
    api.requests.length = 0
    const result = await toggle({ mode: 'drift-check' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs.drift).toBe('true')
    expect(issueWrites()).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/repos/example-org/data-pipeline/issues/${ours?.number}` }),
    ])
    expect(api.issues.get(ours?.number as number)?.body).toContain('a-third-team')
    expect(api.issues.get(DECOY)?.body).toBe(`${MARKER}\nnothing to see`)
    expect([...api.issues.values()].filter((issue) => issue.state === 'open')).toHaveLength(2)
  })

  it('closes the issue once a repair (mode create) removed the drift', async () => {
    const ours = [...api.issues.values()].find((issue) => issue.user?.login === 'github-actions[bot]')
    const repair = await toggle({ mode: 'create' })
    expect(repair.failure).toBeUndefined()
    expect(repair.outputs['to-change']).toBe('1')
    const result = await toggle({ mode: 'drift-check' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs.drift).toBe('false')
    expect(api.issues.get(ours?.number as number)).toMatchObject({ state: 'closed' })
    expect(api.issues.get(ours?.number as number)?.body).toContain('no drift')
    expect(api.issues.get(DECOY)?.state).toBe('open')
  })

  it('fails as drift-issue-failed, naming the permission, when the issue cannot be written', async () => {
    await writeFile(realFile, 'owner=drifted-again\n')
    api.failWith = 403
    try {
      const result = await toggle({ mode: 'drift-check' })
      expect(result.exitCode).toBe(1)
      expect(result.outputs).toMatchObject({ drift: 'true', 'failure-reason': 'drift-issue-failed' })
      expect(result.failure).toMatch(
        /^Could not write the drift issue of example-org\/data-pipeline: .+ Give the job `permissions: issues: write`\.$/,
      )
    } finally {
      api.failWith = undefined
    }
  })

  it("refuses 'replace' with drift-check before running anything", async () => {
    api.requests.length = 0
    const result = await toggle({ mode: 'drift-check', replace: 'terraform_data.steady' })
    expect(result.exitCode).toBe(1)
    expect(result.failure).toBe(
      "Input 'replace' is not accepted with mode drift-check: a drift check applies nothing. Replace with mode create (or plan to review it first).",
    )
    expect(result.stdout).not.toContain('Initializing the backend')
    expect(api.requests).toEqual([])
  })
})

describe('the committed bundle', () => {
  it('runs a drift check as a runner runs it: drift output, summary and the issue updated through the bundled Octokit', async () => {
    await writeFile(realFile, 'owner=changed-for-the-bundle\n')
    api.requests.length = 0
    const run = await runAction('tf-apply-toggle', {
      cwd: workspace,
      post: false,
      inputs: {
        mode: 'drift-check',
        'working-directory': 'infra',
        'backend-config': backendConfig(moto.endpoint, KEY),
        variables: `real_file=${realFile}`,
        'github-token': TOKEN,
      },
      env: {
        ...AWS_ENV,
        GITHUB_EVENT_NAME: 'schedule',
        GITHUB_REPOSITORY: 'example-org/data-pipeline',
        GITHUB_API_URL: api.url,
      },
    })
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toMatchObject({ drift: 'true', 'to-change': '1' })
    expect(run.summary).toContain('### Terraform drift-check: `infra` (workspace `default`)')
    const open = [...api.issues.values()].filter((issue) => issue.state === 'open' && issue.user?.login === 'github-actions[bot]')
    expect(open).toHaveLength(1)
    expect(open[0]?.body).toContain('changed-for-the-bundle')
    expect(api.requests.filter((request) => request.method === 'POST' || request.method === 'PATCH')).toHaveLength(1)
  })
})
