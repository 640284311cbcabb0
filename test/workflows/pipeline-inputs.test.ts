import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../harness/runner'
import { runWorkflow, type WorkflowRun } from './act'
import { type Consumer, makeConsumer, PIPELINE_ACTIONS_REF, UNAVAILABLE_WORKFLOW_REPOSITORY } from './consumer'

/**
 * The example repository's create-destroy workflow, run by act, with inputs a user gets wrong: each
 * ends in check-inputs, the job with no AWS rights, with one line naming the input, and no job that
 * touches AWS starts. No bench is needed: nothing past check-inputs may run. (Errors only Terraform can
 * know, such as a variable of the wrong type or a missing state bucket, are rehearsed in
 * scripts/rehearsal.ts against the bench.)
 */

const VARS = {
  PIPELINE_APPLY_ROLE_ARN: 'arn:aws:iam::123456789012:role/datapipe-dev-apply',
  PIPELINE_IMAGE_ROLE_ARN: 'arn:aws:iam::123456789012:role/datapipe-dev-image',
  PIPELINE_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/datapipe-dev-deploy',
  TF_STATE_BUCKET: 'datapipe-tfstate-123456789012',
  EKS_PUBLIC_ACCESS_CIDRS: '["203.0.113.0/24"]',
  AIRFLOW_UI_SOURCE_RANGES: '203.0.113.0/24',
}

let consumer: Consumer

beforeAll(async () => {
  consumer = await makeConsumer('airflow-data-lake')
})

afterAll(async () => {
  if (consumer) await rm(consumer.dir, { recursive: true, force: true })
})

function dispatch(inputs: Record<string, string>, vars: Record<string, string> = VARS): Promise<WorkflowRun> {
  return runWorkflow({
    repository: consumer.dir,
    workflow: '.github/workflows/create-destroy.yml',
    event: 'workflow_dispatch',
    payload: { inputs },
    inputs,
    vars,
    env: { STAND_IN_REPOSITORIES: JSON.stringify({ [UNAVAILABLE_WORKFLOW_REPOSITORY]: repoRoot }) },
    repositories: { [PIPELINE_ACTIONS_REF]: repoRoot },
  })
}

describe('bad input through the workflows stops in check-inputs, before anything touches AWS', () => {
  it.each([
    [
      'an unknown mode',
      { action: 'deploy' },
      VARS,
      "Input 'mode' must be create, destroy or plan (or a toggle's true or false); got 'deploy'.",
    ],
    [
      'no role for the image job',
      { action: 'create' },
      { ...VARS, PIPELINE_IMAGE_ROLE_ARN: '' },
      "Input 'image-role' (or 'role-to-assume' for every job) is required for mode create: the ARN of the role the job assumes.",
    ],
    [
      'no state bucket',
      { action: 'plan' },
      { ...VARS, TF_STATE_BUCKET: '' },
      "Input 'backend-config' needs a line bucket=… (the S3 backend's bucket).",
    ],
    [
      'a UI open to the internet in two halves',
      { action: 'create' },
      { ...VARS, AIRFLOW_UI_SOURCE_RANGES: '0.0.0.0/1,128.0.0.0/1' },
      "Input 'ui-source-ranges' has '0.0.0.0/1', which opens the UI to a large part of the internet",
    ],
    [
      'a destroy confirmed with the wrong name',
      { action: 'destroy', confirm: 'dev' },
      VARS,
      "Input 'confirm-destroy' must be the Terraform workspace name, default, for destroy (got 'dev'); nothing was uninstalled or destroyed.",
    ],
    [
      'a reviewed plan that names no pull request',
      { action: 'create', 'reviewed-plan': 'latest' },
      VARS,
      "Input 'reviewed-plan' must be auto, pr-<number> (such as pr-42) or empty; got 'latest'.",
    ],
    [
      'a reviewed plan with a plan run',
      { action: 'plan', 'reviewed-plan': 'auto' },
      VARS,
      "Input 'reviewed-plan' applies a pull request's reviewed plan: it works with mode create only; mode is plan.",
    ],
  ])(
    '%s',
    async (_name, inputs, vars, message) => {
      const run = await dispatch(inputs, vars)
      expect(run.exitCode, run.log).not.toBe(0)
      expect(run.jobs.map((job) => [job.id, job.result])).toEqual([['check-inputs', 'failure']])
      const errors = run.annotations.filter((annotation) => annotation.level === 'error')
      expect(errors.length).toBeGreaterThan(0)
      expect(errors.map((error) => error.message).join('\n')).toContain(message)
      expect(errors.every((error) => error.job === 'check-inputs' && error.title === 'pipeline inputs')).toBe(true)
    },
    120_000,
  )
})

describe('an endpoint the runners cannot reach stops in check-inputs', () => {
  it("refuses the example's CIDR-limited API on a runner that says it is GitHub's, naming the choices", async () => {
    const inputs = { action: 'create' }
    const run = await runWorkflow({
      repository: consumer.dir,
      workflow: '.github/workflows/create-destroy.yml',
      event: 'workflow_dispatch',
      payload: { inputs },
      inputs,
      vars: VARS,
      // What GitHub's own runners set; act's runner, on this machine, otherwise says self-hosted.
      env: { STAND_IN_REPOSITORIES: JSON.stringify({ [UNAVAILABLE_WORKFLOW_REPOSITORY]: repoRoot }), RUNNER_ENVIRONMENT: 'github-hosted' },
      repositories: { [PIPELINE_ACTIONS_REF]: repoRoot },
    })
    expect(run.exitCode, run.log).not.toBe(0)
    expect(run.jobs.map((job) => [job.id, job.result])).toEqual([['check-inputs', 'failure']])
    const errors = run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(
      "Input 'terraform-variables' limits the public cluster API to eks_public_access_cidrs, but the jobs run on GitHub-hosted runners",
    )
    expect(errors[0]).toContain('set public_api_open_to_all=true')
  }, 120_000)
})

describe('a deployments list that names an image no job builds stops in check-inputs', () => {
  let streaming: Consumer

  beforeAll(async () => {
    streaming = await makeConsumer('streaming')
    // A typo a user makes: the api release's values name an image the images list does not build.
    const workflow = join(streaming.dir, '.github/workflows/create-destroy.yml')
    await writeFile(workflow, (await readFile(workflow, 'utf8')).replace('((image.api.repository))', '((image.frontend.repository))'))
  })

  afterAll(async () => {
    if (streaming) await rm(streaming.dir, { recursive: true, force: true })
  })

  it('names the deployment and the images that are built, and nothing else runs', async () => {
    const inputs = { create: 'true' }
    const run = await runWorkflow({
      repository: streaming.dir,
      workflow: '.github/workflows/create-destroy.yml',
      event: 'workflow_dispatch',
      payload: { inputs },
      inputs,
      vars: VARS,
      env: { STAND_IN_REPOSITORIES: JSON.stringify({ [UNAVAILABLE_WORKFLOW_REPOSITORY]: repoRoot }) },
      repositories: { [PIPELINE_ACTIONS_REF]: repoRoot },
    })
    expect(run.exitCode, run.log).not.toBe(0)
    expect(run.jobs.map((job) => [job.id, job.result])).toEqual([['check-inputs', 'failure']])
    expect(run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message)).toEqual([
      "Deployment 'api' uses ((image.frontend.repository)), but no job builds an image named 'frontend'; the images are api, spark.",
    ])
  }, 120_000)
})
