import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ActionRun, runAction } from '../../harness/runner'
import {
  CONFIG_MAP,
  expectNoForgery,
  expectNoSecret,
  type Origin,
  schemaHandler,
  startOrigin,
  toolCacheWithKubeconform,
  workspaceWith,
} from './hostile'

/**
 * Inputs that name files in the checkout, given paths out of it: absolute,
 * through `..`, or through a symlink committed in the repository. Through
 * the committed bundles each is refused with one line naming the input,
 * before anything is read or sent; the file's content never shows.
 */

const SECRET = 'eyJhbGciOi-outside-SECRET-77'
let outside: string
let secretFile: string
let sts: Origin
let schemas: Origin
const cleanup: string[] = []

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'hostile-outside-'))
  cleanup.push(outside)
  secretFile = join(outside, 'shadow')
  await writeFile(secretFile, `root:${SECRET}:19000:0:99999:7:::\n`)
  await mkdir(join(outside, 'manifests'))
  await writeFile(join(outside, 'manifests', 'secret.yaml'), `apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  ${SECRET}: [\n`)
  sts = await startOrigin((_request, response) => response.writeHead(500).end())
  schemas = await startOrigin(schemaHandler)
})
afterAll(async () => {
  await Promise.all([sts?.stop(), schemas?.stop()])
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true })
})

async function inWorkspace(files: Record<string, string> = {}, links: Record<string, string> = {}): Promise<string> {
  const dir = await workspaceWith(files)
  cleanup.push(dir)
  for (const [path, target] of Object.entries(links)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await symlink(target, join(dir, path))
  }
  return dir
}

const oidc = (cwd: string, file: string) =>
  runAction('oidc-auth', {
    cwd,
    inputs: { 'role-to-assume': 'arn:aws:iam::123456789012:role/ci', 'aws-region': 'us-east-1', 'web-identity-token-file': file },
    env: { AWS_ENDPOINT_URL_STS: sts.url },
  })

const terraform = (cwd: string, inputs: Record<string, string>) =>
  runAction('tf-apply-toggle', { cwd, post: false, inputs: { mode: 'plan', ...inputs }, env: { CHECKPOINT_DISABLE: '1' } })

const ecr = (cwd: string, inputs: Record<string, string>) =>
  runAction('ecr-build-push', {
    cwd,
    post: false,
    inputs: { repository: 'app', 'aws-region': 'us-east-1', ...inputs },
    env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
  })

async function kubeconform(cwd: string, inputs: Record<string, string>): Promise<ActionRun> {
  const cache = await toolCacheWithKubeconform()
  cleanup.push(cache)
  return runAction('kubeconform-validate', {
    cwd,
    inputs: { 'schema-locations': `${schemas.url}/k8s/`, ...inputs },
    env: { PIPELINE_ACTIONS_TOOL_CACHE: cache },
  })
}

interface Case {
  name: string
  run: () => Promise<ActionRun>
  input: string
}

const CASES: Case[] = [
  { name: 'oidc-auth: an absolute token file', input: 'web-identity-token-file', run: async () => oidc(await inWorkspace(), secretFile) },
  {
    name: 'oidc-auth: a token file through ..',
    input: 'web-identity-token-file',
    run: async () => {
      const cwd = await inWorkspace()
      return oidc(cwd, relative(cwd, secretFile))
    },
  },
  {
    name: 'oidc-auth: a token file that is a symlink out',
    input: 'web-identity-token-file',
    run: async () => oidc(await inWorkspace({}, { 'ci/token': secretFile }), 'ci/token'),
  },
  {
    name: 'tf-apply-toggle: a working directory through ..',
    input: 'working-directory',
    run: async () => terraform(await inWorkspace({ 'infra/main.tf': '' }), { 'working-directory': '../..' }),
  },
  {
    name: 'tf-apply-toggle: a working directory that is a symlink out',
    input: 'working-directory',
    run: async () => terraform(await inWorkspace({}, { infra: outside }), { 'working-directory': 'infra' }),
  },
  {
    name: 'ecr-build-push: an absolute build context',
    input: 'context',
    run: async () => ecr(await inWorkspace({ Dockerfile: 'FROM scratch\n' }), { context: outside }),
  },
  {
    name: 'ecr-build-push: a Dockerfile that is a symlink out',
    input: 'file',
    run: async () => ecr(await inWorkspace({}, { Dockerfile: secretFile }), { file: 'Dockerfile' }),
  },
  {
    name: 'kubeconform-validate: paths through ..',
    input: 'paths',
    run: async () => {
      const cwd = await inWorkspace({ 'manifests/config.yaml': CONFIG_MAP })
      return kubeconform(cwd, { paths: relative(cwd, join(outside, 'manifests')) })
    },
  },
  {
    name: 'kubeconform-validate: a chart values file out of the workspace',
    input: 'charts',
    run: async () =>
      kubeconform(await inWorkspace({ 'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n' }), {
        charts: `chart -f ${secretFile}`,
      }),
  },
]

describe('paths out of the workspace are refused, naming the input', () => {
  it.each(CASES)('$name', async ({ run: start, input }) => {
    const run = await start()
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(new RegExp(`^Input '${input}' must name a path inside the workspace`))
    expect(sts.requests).toEqual([])
    expectNoSecret(run, [SECRET])
    expectNoForgery(run)
  })

  it('kubeconform-validate: a manifest symlinked out of a folder it walks is not read', async () => {
    const cwd = await inWorkspace(
      { 'manifests/config.yaml': CONFIG_MAP },
      { 'manifests/stolen.yaml': join(outside, 'manifests', 'secret.yaml') },
    )
    const run = await kubeconform(cwd, { paths: 'manifests' })
    expectNoSecret(run, [SECRET])
    expect(run.outputs.valid).toBe('1')
    expect(run.exitCode).toBe(0)
  })

  it('tf-apply-toggle: plugin-cache in /proc is refused (creating folders there never ends)', async () => {
    const run = await terraform(await inWorkspace({ 'infra/main.tf': '' }), {
      'working-directory': 'infra',
      'plugin-cache': '/proc/self/cwd/x',
    })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(
      /^Input 'plugin-cache' must be a folder Terraform can write providers to; '\/proc\/self\/cwd\/x' is in \/proc/,
    )
  })
})
