import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ActionRun, type RunOptions, repoRoot, runAction } from '../../harness/runner'

/**
 * Issue #16, through the committed bundle and real Terraform: what a pull
 * request's configuration gets from the step (its environment).
 */

const FIXTURE = join(repoRoot, 'test/fixtures/terraform/least-privilege')

const RUNNER_CREDENTIALS = {
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-7f3a',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example/idtoken?api-version=2.0',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-91b2',
  ACTIONS_RUNTIME_URL: 'https://pipelines.example/runtime/',
  ACTIONS_CACHE_URL: 'https://artifactcache.example/',
  ACTIONS_RESULTS_URL: 'https://results-receiver.example/',
  GITHUB_TOKEN: 'ghs_job_token_from_the_env_0123',
}

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
