import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../lib/exec'
import { repoRoot } from '../harness/runner'

/**
 * The module's variables and trust condition, evaluated by the real
 * terraform. The AWS provider cannot be downloaded here, so the resources
 * are left out: the variables and trust.tf are copied into a scratch
 * configuration without providers, whose outputs expose the trust condition.
 */

const moduleDir = join(repoRoot, 'terraform', 'modules', 'github-oidc-role')
let scratch: string

const terraform = (args: string[], cwd: string) =>
  exec('terraform', args, { cwd, silent: true, env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' } })

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'github-oidc-role-'))
  for (const file of ['variables.tf', 'trust.tf']) await copyFile(join(moduleDir, file), join(scratch, file))
  await writeFile(
    join(scratch, 'probe.tf'),
    'output "subject" {\n  value = local.subject\n}\n\noutput "trust_condition" {\n  value = local.trust_condition\n}\n',
  )
  const init = await terraform(['init', '-input=false', '-backend=false', '-no-color'], scratch)
  if (init.exitCode !== 0) throw new Error(`terraform init failed: ${init.stderr}`)
})
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

async function evaluate(variables: Record<string, string>) {
  const vars = Object.entries({ repository: 'example-org/data-pipeline', role_name: 'ci', ...variables }).flatMap(([name, value]) => [
    '-var',
    `${name}=${value}`,
  ])
  const apply = await terraform(['apply', '-auto-approve', '-input=false', '-no-color', ...vars], scratch)
  if (apply.exitCode !== 0) return { error: apply.stderr.replace(/\s+/g, ' ') }
  const output = await terraform(['output', '-json'], scratch)
  const values = JSON.parse(output.stdout) as Record<string, { value: unknown }>
  return { subject: values.subject?.value, condition: values.trust_condition?.value }
}

describe('terraform/modules/github-oidc-role', () => {
  it('is formatted', async () => {
    const fmt = await terraform(['fmt', '-check', '-recursive', '-no-color'], moduleDir)
    expect(fmt.stdout).toBe('')
    expect(fmt.exitCode).toBe(0)
  })

  const PIPELINE = 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1'

  it.each([
    [
      'an environment and the reusable workflow',
      { environment: 'prod', job_workflow_ref: PIPELINE },
      `repo:example-org/data-pipeline:environment:prod:job_workflow_ref:${PIPELINE}`,
      'token.actions.githubusercontent.com',
      'sts.amazonaws.com',
    ],
    [
      'a branch and the reusable workflow at a commit',
      {
        branch: 'main',
        job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/validate.yml@0123456789abcdef0123456789abcdef01234567',
      },
      'repo:example-org/data-pipeline:ref:refs/heads/main:job_workflow_ref:example-org/pipeline-actions/.github/workflows/validate.yml@0123456789abcdef0123456789abcdef01234567',
      'token.actions.githubusercontent.com',
      'sts.amazonaws.com',
    ],
    // GitHub's default subject, any workflow of the repository: only when chosen by name (use_default_subject).
    [
      'an environment, with the default subject chosen',
      { environment: 'prod', use_default_subject: 'true' },
      'repo:example-org/data-pipeline:environment:prod',
      'token.actions.githubusercontent.com',
      'sts.amazonaws.com',
    ],
    [
      'a branch, with the default subject chosen',
      { branch: 'main', use_default_subject: 'true' },
      'repo:example-org/data-pipeline:ref:refs/heads/main',
      'token.actions.githubusercontent.com',
      'sts.amazonaws.com',
    ],
    [
      'an enterprise issuer and another audience',
      {
        branch: 'release/v1',
        issuer_url: 'https://token.actions.githubusercontent.com/acme',
        audience: 'api://ci',
        use_default_subject: 'true',
      },
      'repo:example-org/data-pipeline:ref:refs/heads/release/v1',
      'token.actions.githubusercontent.com/acme',
      'api://ci',
    ],
  ])('pins aud and sub exactly for %s', async (_name, variables, subject, issuer, audience) => {
    const result = await evaluate(variables)
    expect(result).toEqual({
      subject,
      condition: { StringEquals: { [`${issuer}:aud`]: audience, [`${issuer}:sub`]: subject } },
    })
  })

  it('matches a ref that ends in * with StringLike, and only the sub', async () => {
    const ref = 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1.*'
    const result = await evaluate({ environment: 'prod', job_workflow_ref: ref })
    const subject = `repo:example-org/data-pipeline:environment:prod:job_workflow_ref:${ref}`
    expect(result).toEqual({
      subject,
      condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': subject },
      },
    })
  })

  it.each([
    [
      'a * in the environment',
      { environment: 'prod*', use_default_subject: 'true' },
      "a '*' in the subject would let other environments assume the role",
    ],
    ['a * in the branch', { branch: '*', use_default_subject: 'true' }, "a '*' in the subject would let other branches assume the role"],
    [
      'a * in the repository',
      { repository: 'example-org/*', branch: 'main', use_default_subject: 'true' },
      'repository must be owner/name with no wildcards',
    ],
    ['a * in the audience', { branch: 'main', audience: '*', use_default_subject: 'true' }, "audience must be an exact value, without '*'"],
    ['an empty environment', { environment: '', use_default_subject: 'true' }, 'environment must be an exact environment name'],
    [
      'a full ref as the branch',
      { branch: 'refs/heads/main', use_default_subject: 'true' },
      'branch must be an exact branch name without refs/heads/',
    ],
    [
      'both an environment and a branch',
      { environment: 'prod', branch: 'main', use_default_subject: 'true' },
      'Set exactly one of environment and branch',
    ],
    ['neither an environment nor a branch', { use_default_subject: 'true' }, 'Set exactly one of environment and branch'],
    [
      'an existing provider without its ARN',
      { branch: 'main', create_oidc_provider: 'false', use_default_subject: 'true' },
      'oidc_provider_arn is required when create_oidc_provider is false',
    ],
    [
      'an issuer without https',
      { branch: 'main', issuer_url: 'http://token.example', use_default_subject: 'true' },
      'issuer_url must start with https://',
    ],
    [
      'a session cap out of range',
      { branch: 'main', max_session_duration: '60', use_default_subject: 'true' },
      'max_session_duration must be from 3600 to 43200 seconds',
    ],
    ['neither a workflow nor the default subject', { environment: 'prod' }, 'Set exactly one of job_workflow_ref'],
    [
      'both a workflow and the default subject',
      { environment: 'prod', job_workflow_ref: PIPELINE, use_default_subject: 'true' },
      'Set exactly one of job_workflow_ref',
    ],
    [
      'a * in the workflow repository',
      { environment: 'prod', job_workflow_ref: 'example-org/*/.github/workflows/pipeline.yml@refs/tags/v1' },
      'job_workflow_ref must be',
    ],
    [
      'a * in the workflow file',
      { environment: 'prod', job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/*.yml@refs/tags/v1' },
      'job_workflow_ref must be',
    ],
    [
      'a * inside the ref',
      { environment: 'prod', job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/*/v1' },
      'job_workflow_ref must be',
    ],
    [
      'a workflow without a ref',
      { environment: 'prod', job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/pipeline.yml' },
      'job_workflow_ref must be',
    ],
  ])('rejects %s', async (_name, variables, message) => {
    const result = await evaluate(variables)
    expect(result.error).toContain('Invalid value for variable')
    expect(result.error).toContain(message)
  })
})
