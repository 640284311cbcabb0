import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { backendConfig } from '../../bench/terraform-state'
import { type ActionRun, runAction } from '../../harness/runner'
import {
  CONFIG_MAP,
  expectNoForgery,
  expectNoSecret,
  logOf,
  type Origin,
  startOrigin,
  toolCacheWithKubeconform,
  workspaceWith,
} from './hostile'

/**
 * Every action, waiting on a server that takes the request and never
 * answers, then cancelled with SIGTERM as the runner cancels a job, through
 * the committed bundles: the step ends, failed, with one line saying so,
 * no tool it started is left running and no file holding a secret is left.
 * The signal is sent once the hanging server has the request, never after a
 * wait of our own.
 */

const SECRET = 'Zq8-cancel-nFEMI-42'

let hang: Origin
const cleanup: string[] = []
beforeAll(async () => {
  hang = await startOrigin(() => {
    // Takes the request, never answers.
  })
})
afterAll(async () => {
  await hang?.stop()
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  hang.requests.length = 0
})

/** SIGTERM once the hanging server has received a request. */
function terminateWhenWaiting(child: ChildProcess): void {
  const poll = setInterval(() => {
    if (hang.requests.length === 0) return
    clearInterval(poll)
    child.kill('SIGTERM')
  }, 50)
  child.once('close', () => clearInterval(poll))
}

async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanup.push(dir)
  return dir
}

/** Processes whose working folder or command line lies in `dir`: what a cancelled step left running. */
function processesIn(dir: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`)
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push(`${pid}: ${cmdline}`)
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

const AWS = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1' }

interface Case {
  name: string
  start: () => Promise<{ run: ActionRun; workspace: string; runnerTemp: string }>
}

async function started(
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  files: Record<string, string> = {},
): Promise<{ run: ActionRun; workspace: string; runnerTemp: string }> {
  const workspace = await workspaceWith(files)
  cleanup.push(workspace)
  const runnerTemp = await folder('hostile-temp-')
  const run = await runAction(action, {
    cwd: workspace,
    post: false,
    inputs,
    env: { RUNNER_TEMP: runnerTemp, ...env },
    control: terminateWhenWaiting,
  })
  return { run, workspace, runnerTemp }
}

const MODULE = 'terraform {\n  backend "s3" {}\n}\nresource "terraform_data" "x" {}\n'

const CASES: Case[] = [
  {
    name: 'oidc-auth: STS never answers',
    start: () =>
      started(
        'oidc-auth',
        { 'role-to-assume': 'arn:aws:iam::123456789012:role/ci', 'aws-region': 'us-east-1', 'web-identity-token-file': 'token' },
        { AWS_ENDPOINT_URL_STS: hang.url },
        { token: 'header.payload.signature' },
      ),
  },
  {
    name: 'ecr-build-push: ECR never answers',
    start: () =>
      started('ecr-build-push', { repository: 'app' }, { ...AWS, AWS_ENDPOINT_URL_ECR: hang.url }, { Dockerfile: 'FROM scratch\n' }),
  },
  {
    name: 'eks-wait-and-helm: EKS never answers',
    start: () => started('eks-wait-and-helm', { 'cluster-name': 'data' }, { ...AWS, AWS_ENDPOINT_URL_EKS: hang.url }),
  },
  {
    name: 'kubeconform-validate: the schema host never answers',
    start: async () => {
      const cache = await toolCacheWithKubeconform()
      cleanup.push(cache)
      return started(
        'kubeconform-validate',
        { paths: 'manifests', 'schema-locations': `${hang.url}/k8s/` },
        { PIPELINE_ACTIONS_TOOL_CACHE: cache },
        { 'manifests/config.yaml': CONFIG_MAP },
      )
    },
  },
  {
    name: "tf-apply-toggle: terraform init on an S3 backend that never answers (real Terraform), the backend's secret in backend-config",
    start: () =>
      started(
        'tf-apply-toggle',
        {
          mode: 'plan',
          'working-directory': 'infra',
          'backend-config': `${backendConfig(hang.url, 'cancel/terraform.tfstate')}\naccess_key=AKIAEXAMPLEEXAMPLE\nsecret_key=${SECRET}`,
        },
        { CHECKPOINT_DISABLE: '1', AWS_EC2_METADATA_DISABLED: 'true' },
        { 'infra/main.tf': MODULE },
      ),
  },
]

describe('SIGTERM while a server never answers', () => {
  it.each(CASES)('$name', async ({ start }) => {
    const { run, workspace, runnerTemp } = await start()
    expect(hang.requests.length).toBeGreaterThan(0)
    expect(run.signal).toBeNull()
    expect(run.exitCode).toBe(1)
    // One line says the step was cancelled and by what.
    expect(
      logOf(run)
        .split(/\r?\n/)
        .filter((line) => /SIGTERM/.test(line)),
    ).toHaveLength(1)
    expect(run.failure).toMatch(/SIGTERM|Cancelled/)
    expect(run.failure).not.toContain('This is a bug')
    expectNoForgery(run)
    expectNoSecret(run, [SECRET])
    expect(processesIn(workspace)).toEqual([])
    // No file the step wrote with a secret is left: not in the runner's temp folder, not in Terraform's data folder.
    const left = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
            entry.isDirectory() ? left(join(dir, entry.name)) : [join(dir, entry.name)],
          )
        : []
    for (const file of [...left(runnerTemp), ...left(join(workspace, 'infra', '.terraform'))]) {
      if (!file.includes('/providers/')) expect(readFileSync(file, 'utf8'), file).not.toContain(SECRET)
    }
  })
})
