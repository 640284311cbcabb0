import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { repoRoot } from '../harness/runner'
import { runWorkflow, type WorkflowRun } from './act'
import { type Consumer, makeConsumer, PIPELINE_ACTIONS_REF, UNAVAILABLE_WORKFLOW_REPOSITORY } from './consumer'

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
      // The other jobs' checkout of pipeline-actions is mapped too: a job failing early makes act stop the run,
      // and the terraform job's own error line could be lost with it.
      env: {
        STAND_IN_TOFU_DIRS: `${TOFU}=${dirname(toolPaths().tofu)}`,
        STAND_IN_REPOSITORIES: JSON.stringify({ [UNAVAILABLE_WORKFLOW_REPOSITORY]: repoRoot }),
      },
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
    const steps = Object.fromEntries((run.job('terraform')?.steps ?? []).map((step) => [step.name, step.result]))
    expect(run.job('terraform')?.result, run.log.slice(-3000)).toBe('failure')
    expect(steps['terragrunt fmt'], JSON.stringify(steps)).toBe('failure')
    expect(steps['terragrunt validate']).not.toBe('success')
    // The refusal's line, from the step's own script. act sometimes drops the last line of a step that exits
    // at once (the job fails, the line is gone), so the line is checked by running the script itself.
    const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'validate.yml'), 'utf8'))
    const fmt = workflow.jobs.terraform.steps.find((step: { name?: string }) => step.name?.endsWith(' fmt'))
    const script = spawnSync('bash', ['-e', '-c', fmt.run], { env: { PATH: process.env.PATH, TERRAFORM: 'terragrunt' }, encoding: 'utf8' })
    expect(script.status).toBe(1)
    expect(script.stdout).toBe("::error title=terraform-binary::Input 'terraform-binary' must be terraform or tofu; got 'terragrunt'.\n")
  })
})
