import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { repoRoot } from '../harness/runner'
import { runWorkflow, type WorkflowRun } from './act'
import { type Consumer, makeConsumer, PIPELINE_ACTIONS_REF } from './consumer'

/**
 * A team on OpenTofu: validate.yml's Terraform checks run with `terraform-binary: tofu` through the
 * checks-only example's own pull-request workflow, under act, with the real tofu binary (the stand-in for
 * opentofu/setup-opentofu only puts the tool cache's tofu on PATH). Only the terraform job is asserted: the
 * others are the rehearsal's.
 */

const TOFU = VERSIONS.opentofu.slice(1)
let consumer: Consumer

beforeAll(async () => {
  consumer = await makeConsumer('checks-only')
})

afterAll(async () => {
  if (consumer) await rm(consumer.dir, { recursive: true, force: true })
})

async function checksWith(binary: string, version: string, terraform = ''): Promise<WorkflowRun> {
  const file = join(consumer.dir, '.github', 'workflows', 'pr-checks.yml')
  const original = await readFile(file, 'utf8')
  const edited = original.replace(
    '      terraform-directory: terraform\n',
    `      terraform-directory: terraform\n      terraform-binary: ${binary}\n      terraform-version: "${version}"\n`,
  )
  expect(edited).not.toBe(original)
  await writeFile(file, edited)
  if (terraform) await writeFile(join(consumer.dir, 'terraform', 'extra.tf'), terraform)
  try {
    return await runWorkflow({
      repository: consumer.dir,
      workflow: '.github/workflows/pr-checks.yml',
      event: 'pull_request',
      payload: {
        number: 5,
        pull_request: { number: 5, author_association: 'MEMBER', head: { ref: 'change', sha: '0'.repeat(40) } },
      },
      env: { STAND_IN_TOFU_DIRS: `${TOFU}=${dirname(toolPaths().tofu)}` },
      repositories: { [PIPELINE_ACTIONS_REF]: repoRoot },
    })
  } finally {
    await writeFile(file, original)
    if (terraform) await rm(join(consumer.dir, 'terraform', 'extra.tf'), { force: true })
  }
}

describe('validate.yml with terraform-binary: tofu', () => {
  it('sets up OpenTofu instead of Terraform and checks the root with tofu fmt and tofu validate', async () => {
    const run = await checksWith('tofu', TOFU)
    const job = run.job('terraform')
    const steps = Object.fromEntries((job?.steps ?? []).map((step) => [step.name, step.result]))
    expect(job?.result, run.log).toBe('success')
    expect(steps['tofu fmt']).toBe('success')
    expect(steps['tofu validate']).toBe('success')
    expect(run.log).toContain(`OpenTofu v${TOFU}`)
    expect(run.log).toContain('The configuration is valid.')
  })

  it('fails the check with tofu on a root OpenTofu finds invalid', async () => {
    const run = await checksWith('tofu', TOFU, 'output "broken" {\n  value = var.undeclared\n}\n')
    expect(run.job('terraform')?.result, JSON.stringify(run.job('terraform')?.steps) + run.log.slice(-3000)).toBe('failure')
    expect(run.log).toContain('Reference to undeclared input variable')
  })

  it('refuses a binary that is neither terraform nor tofu, in one line, before running it', async () => {
    const run = await checksWith('terragrunt', '0.1.0')
    const errors = run.annotations.filter((annotation) => annotation.level === 'error' && annotation.job.endsWith('terraform'))
    expect(run.job('terraform')?.result, JSON.stringify(run.job('terraform')?.steps) + run.log.slice(-3000)).toBe('failure')
    expect(
      errors.map((error) => error.message),
      JSON.stringify(run.annotations) + run.log.slice(-3000),
    ).toEqual(["Input 'terraform-binary' must be terraform or tofu; got 'terragrunt'."])
  })
})
