import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ActionRun, runAction } from '../../harness/runner'
import { expectNoForgery, expectNoSecret, workspaceWith } from './hostile'

/**
 * Secrets in inputs and files through the committed bundles: a malformed
 * line of a secret-bearing input, a var file out of the workspace that
 * Terraform would quote, the backend settings Terraform keeps in its data
 * folder. Not one of them may appear in the log, an output or the summary,
 * nor stay on disk after the step.
 */

const SECRET = 'Zq8-wJalrXUt-nFEMI'
const cleanup: string[] = []
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true })
})

async function inWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await workspaceWith(files)
  cleanup.push(dir)
  return dir
}

/** A secret file outside the checkout, written as Terraform cannot parse it, so Terraform would quote it. */
async function secretOutside(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hostile-outside-'))
  cleanup.push(dir)
  const file = join(dir, 'credentials')
  await writeFile(file, `aws_secret_access_key ${SECRET}\n`)
  return file
}

const MODULE = 'variable "note" {\n  default = "x"\n}\nresource "terraform_data" "note" {\n  input = var.note\n}\n'
const LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'

const terraform = (cwd: string, inputs: Record<string, string>) =>
  runAction('tf-apply-toggle', {
    cwd,
    post: false,
    inputs: { mode: 'plan', 'working-directory': 'infra', ...inputs },
    env: { CHECKPOINT_DISABLE: '1' },
  })

interface Case {
  name: string
  run: () => Promise<ActionRun>
  /** What the failure must say; undefined when the run succeeds. */
  failure?: string | RegExp
}

const CASES: Case[] = [
  ...[SECRET, SECRET.slice(0, 10)].map((secret) => ({
    name: `tf-apply-toggle: a backend-config line without a key (${secret.length} characters)`,
    run: async () => terraform(await inWorkspace({ 'infra/main.tf': MODULE }), { 'backend-config': `bucket=state\n${secret}` }),
    failure: "Input 'backend-config' line 2 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
  })),
  {
    name: 'tf-apply-toggle: a secret whose key= was forgotten (base64 ends in =)',
    run: async () => terraform(await inWorkspace({ 'infra/main.tf': MODULE }), { 'backend-config': `${SECRET}/x==` }),
    failure: /^Input 'backend-config' line 1 has a key that is not a name/,
  },
  {
    name: 'ecr-build-push: a build-args line without a key',
    run: () =>
      runAction('ecr-build-push', {
        post: false,
        inputs: { repository: 'app', 'aws-region': 'us-east-1', 'build-args': `VERSION=1\n${SECRET}` },
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      }),
    failure: "Input 'build-args' line 2 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
  },
  {
    name: 'ecr-build-push: a plain http:// registry beyond loopback (the ECR login would cross the network in clear)',
    run: () =>
      runAction('ecr-build-push', {
        post: false,
        inputs: { repository: 'app', 'aws-region': 'us-east-1', registry: 'http://registry.example.com:5000' },
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      }),
    failure:
      "Input 'registry' may use http:// only for a registry on this machine (loopback); registry.example.com:5000 would receive the ECR login in clear. Use https:// (or the host alone).",
  },
  {
    name: 'tf-apply-toggle: var-files naming a file out of the workspace',
    run: async () => terraform(await inWorkspace({ 'infra/main.tf': MODULE }), { 'var-files': await secretOutside() }),
    failure: /^Input 'var-files' must name a path inside the workspace; '.+' leads outside it\.$/,
  },
  {
    name: 'tf-apply-toggle: var-files through ..',
    run: async () => {
      const outside = await secretOutside()
      const cwd = await inWorkspace({ 'infra/main.tf': MODULE })
      return terraform(cwd, { 'var-files': join('..', '..', outside) })
    },
    failure: /^Input 'var-files' must name a path inside the workspace/,
  },
  {
    name: 'tf-apply-toggle: var-files naming a symlink out of the workspace',
    run: async () => {
      const cwd = await inWorkspace({ 'infra/main.tf': MODULE })
      await symlink(await secretOutside(), join(cwd, 'infra', 'prod.tfvars'))
      return terraform(cwd, { 'var-files': 'prod.tfvars' })
    },
    failure: /^Input 'var-files' must name a path inside the workspace; 'prod\.tfvars' leads outside it \(through a symlink or \.\.\)\.$/,
  },
]

describe('no secret in the log, the outputs or the summary', () => {
  it.each(CASES)('$name', async ({ run: start, failure }) => {
    const run = await start()
    expectNoSecret(run, [SECRET])
    expectNoForgery(run)
    if (failure === undefined) expect(run.exitCode).toBe(0)
    else
      expect({ exitCode: run.exitCode, failure: run.failure }).toEqual({
        exitCode: 1,
        failure: typeof failure === 'string' ? failure : expect.stringMatching(failure),
      })
  })
})

describe("no backend setting left in Terraform's data folder", () => {
  it('removes .terraform/terraform.tfstate, which holds the backend settings, and says so (real Terraform)', async () => {
    const cwd = await inWorkspace({ 'infra/main.tf': MODULE + LOCAL_BACKEND })
    // The local backend's path stands in for a secret setting: Terraform records every backend setting alike.
    const run = await terraform(cwd, { 'backend-config': `path=state-${SECRET}.tfstate` })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(`Removed ${join(cwd, 'infra', '.terraform', 'terraform.tfstate')}`)
    const data = join(cwd, 'infra', '.terraform')
    expect(existsSync(join(data, 'terraform.tfstate'))).toBe(false)
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
      )
    for (const file of existsSync(data) ? files(data) : []) {
      if (statSync(file).size < 1_000_000) expect(readFileSync(file, 'utf8')).not.toContain(SECRET)
    }
  })
})
