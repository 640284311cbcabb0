import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import type { ProxiedCall } from '../../bench/fault-proxy'
import { MOTO_ACCOUNT } from '../../bench/moto'
import { DEFAULT_CLAIMS } from '../../bench/oidc-issuer'
import { useStsBench } from '../../bench/sts-bench'
import { type ActionRun, runAction, type StepResult } from '../../harness/runner'

/**
 * The committed bundle with `profile` (and `refresh-credentials`), run as a
 * runner runs it, with a later step in between that is boto3 itself: the
 * SDK reads the profile from the exported AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE and calls moto's STS through the fault proxy.
 */

const bench = useStsBench()
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/ci`
const execFileAsync = promisify(execFile)
let runnerTemp: string

beforeEach(async () => {
  bench.proxy.clear()
  bench.issuer.requests.length = 0
  bench.issuer.issued.length = 0
  bench.issuer.setClaims(DEFAULT_CLAIMS)
  bench.issuer.setTokenLifetime(300)
  // A RUNNER_TEMP of the test's own, so what the post step left behind can be seen after the run.
  runnerTemp = await mkdtemp(join(tmpdir(), 'oidc-auth-profile-'))
})
afterEach(async () => {
  await rm(runnerTemp, { recursive: true, force: true })
})

function oidcAuth(inputs: Record<string, string>, betweenSteps: (main: StepResult) => Promise<void>): Promise<ActionRun> {
  return runAction('oidc-auth', {
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs },
    env: { ...bench.issuer.env, AWS_ENDPOINT_URL_STS: bench.proxy.endpoint, RUNNER_TEMP: runnerTemp },
    betweenSteps,
  })
}

/**
 * A later step of the job: python with boto3 (moto's own environment), given
 * only what the action exported, as the runner would give it, and none of the
 * runner's token request variables.
 */
async function laterStep(main: StepResult, script: string, args: string[] = []): Promise<string[]> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: runnerTemp,
    AWS_ENDPOINT_URL_STS: bench.proxy.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...main.exportedEnv,
  }
  const { stdout } = await execFileAsync(toolPaths().python, ['-c', script, ...args], { env, timeout: 60_000 })
  return stdout.trim().split('\n')
}

const CALLER = `
import boto3
print(boto3.client("sts").get_caller_identity()["Arn"])
`

const stsCalls = (operation?: string) => bench.proxy.calls.filter((call) => operation === undefined || call.operation === operation)
const form = (call: ProxiedCall) => new URLSearchParams(call.body)
const signingKeyOf = (call: ProxiedCall) => /Credential=([^/]+)\//.exec(String(call.headers.authorization ?? ''))?.[1]
const modeOf = async (path: string) => (await stat(path)).mode & 0o777

describe('oidc-auth bundle: profile', () => {
  it('writes the credentials as a named profile in private files that boto3 reads, and the post step deletes them', async () => {
    let files: { config: string; credentials: string; dir: string } | undefined
    let keys: { id: string; secret: string } | undefined
    const run = await oidcAuth({ profile: 'deploy' }, async (main) => {
      expect(main.exitCode).toBe(0)
      const env = main.exportedEnv
      // The keys are in the file only: no AWS_ACCESS_KEY_ID for every later process to inherit.
      expect(Object.keys(env).sort()).toEqual([
        'AWS_CONFIG_FILE',
        'AWS_DEFAULT_REGION',
        'AWS_PROFILE',
        'AWS_REGION',
        'AWS_SHARED_CREDENTIALS_FILE',
      ])
      expect(env.AWS_PROFILE).toBe('deploy')
      const dir = dirname(env.AWS_CONFIG_FILE as string)
      expect(dirname(dir)).toBe(runnerTemp)
      expect(dirname(env.AWS_SHARED_CREDENTIALS_FILE as string)).toBe(dir)
      files = { config: env.AWS_CONFIG_FILE as string, credentials: env.AWS_SHARED_CREDENTIALS_FILE as string, dir }
      expect(await modeOf(dir)).toBe(0o700)
      expect(await modeOf(files.config)).toBe(0o600)
      expect(await modeOf(files.credentials)).toBe(0o600)
      expect(await readFile(files.config, 'utf8')).toBe('[profile deploy]\nregion = us-east-1\n')
      const credentials = await readFile(files.credentials, 'utf8')
      const field = (name: string) => new RegExp(`^${name} = (.+)$`, 'm').exec(credentials)?.[1] as string
      expect(credentials.split('\n')[0]).toBe('[deploy]')
      keys = { id: field('aws_access_key_id'), secret: field('aws_secret_access_key') }
      expect(keys.id).toMatch(/^ASIA/)
      expect(main.masks).toEqual(expect.arrayContaining([keys.id, keys.secret, field('aws_session_token')]))

      expect(await laterStep(main, CALLER)).toEqual([main.outputs['assumed-role-arn']])
      // boto3 signed with the profile's keys and assumed nothing itself.
      expect(signingKeyOf(stsCalls('GetCallerIdentity').at(-1) as ProxiedCall)).toBe(keys.id)
      expect(stsCalls('AssumeRoleWithWebIdentity')).toHaveLength(1)
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['assumed-role-arn']).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/ci/example-org.data-pipeline-4242`)
    expect(run.visibleLog).toContain(`as profile 'deploy' in ${files?.credentials}`)
    expect(run.post?.exitCode).toBe(0)
    expect(run.post?.stdout).toContain(`Deleted the AWS profile files in ${files?.dir}`)
    expect(existsSync(files?.dir as string)).toBe(false)
    expect(run.visibleLog).not.toContain(keys?.secret)
  })

  it("'default' is written as the config file's [default] section", async () => {
    const run = await oidcAuth({ profile: 'default' }, async (main) => {
      expect(await readFile(main.exportedEnv.AWS_CONFIG_FILE as string, 'utf8')).toBe('[default]\nregion = us-east-1\n')
      expect(await laterStep(main, CALLER)).toEqual([main.outputs['assumed-role-arn']])
    })
    expect(run.exitCode).toBe(0)
  })

  it('a bad profile name fails before any call, and the post step has nothing to delete', async () => {
    const run = await oidcAuth({ profile: 'ci deploy' }, async () => {})
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe("Input 'profile' must be 1 to 64 of letters, digits and _ . -; got 'ci deploy'.")
    expect(stsCalls()).toEqual([])
    expect(run.post?.exitCode).toBe(0)
    expect(run.post?.stdout).toBe('')
  })
})

/** What a process's /proc entry shows others on the machine: its environment and its arguments. */
function procText(pid: number, entry: 'environ' | 'cmdline'): string {
  return readFileSync(`/proc/${pid}/${entry}`, 'utf8').replace(/\0/g, '\n')
}

/** Gone, or a zombie nobody reaped yet (a container's init may not), is stopped. */
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/**
 * A later step that lives across a session's end: one boto3 client calls,
 * waits until the token file holds a new token and the session has entered
 * botocore's mandatory refresh window, then calls again.
 */
const LONG_STEP = `
import sys, time, boto3
token_file, session_ends_at = sys.argv[1], float(sys.argv[2])
sts = boto3.client("sts")
print(sts.get_caller_identity()["Arn"], flush=True)
first = open(token_file).read()
give_up = time.time() + 30
while (time.time() < session_ends_at or open(token_file).read() == first) and time.time() < give_up:
    time.sleep(0.2)
print("renewed" if open(token_file).read() != first else "not renewed", flush=True)
print(sts.get_caller_identity()["Arn"], flush=True)
`

/** botocore re-assumes, blocking, once fewer than this many seconds of a session are left: for it, the session has ended. */
const BOTOCORE_MANDATORY_REFRESH_S = 600

describe('oidc-auth bundle: refresh-credentials', () => {
  it('boto3 re-assumes the role by itself after its session ends, with a token the refresher renewed; the post step stops it', async () => {
    // Tokens that live 4 s: the refresher renews them every 2 s, so the test sees several renewals.
    bench.issuer.setTokenLifetime(4)
    const firstSessionLeft = 4
    // moto makes hour-long sessions and enforces no expiry: the proxy makes the first session boto3 gets
    // end (for botocore) 4 s after it is issued.
    bench.proxy.inject({
      match: (call) =>
        call.operation === 'AssumeRoleWithWebIdentity' && bench.proxy.calls.filter((c) => c.operation === call.operation).length === 2,
      fault: {
        type: 'edit-text',
        edit: (xml) =>
          xml.replace(
            /<Expiration>[^<]+<\/Expiration>/,
            `<Expiration>${new Date(Date.now() + (BOTOCORE_MANDATORY_REFRESH_S + firstSessionLeft) * 1000).toISOString()}</Expiration>`,
          ),
      },
    })
    let pid = 0
    let dir = ''
    let mainTokens = 0
    const mainEndedAt = 0
    const run = await oidcAuth({ profile: 'ci', 'refresh-credentials': 'true', 'role-duration-seconds': '900' }, async (main) => {
      expect(main.exitCode).toBe(0)
      const env = main.exportedEnv
      expect(Object.keys(env).sort()).toEqual([
        'AWS_CONFIG_FILE',
        'AWS_DEFAULT_REGION',
        'AWS_PROFILE',
        'AWS_REGION',
        'AWS_SHARED_CREDENTIALS_FILE',
      ])
      dir = dirname(env.AWS_CONFIG_FILE as string)
      const tokenFile = join(dir, 'web-identity-token')
      // No keys anywhere: the profile names the role and the token file, and the SDK assumes the role itself.
      expect(await readFile(env.AWS_CONFIG_FILE as string, 'utf8')).toBe(
        [
          '[profile ci]',
          `role_arn = ${ROLE}`,
          `web_identity_token_file = ${tokenFile}`,
          'role_session_name = example-org.data-pipeline-4242',
          'duration_seconds = 900',
          'region = us-east-1',
          '',
        ].join('\n'),
      )
      expect(await readFile(env.AWS_SHARED_CREDENTIALS_FILE as string, 'utf8')).toBe('')
      expect(await modeOf(tokenFile)).toBe(0o600)
      mainTokens = bench.issuer.issued.length

      // The refresher holds the runner's request token in memory only: not in its environment, not in its arguments.
      pid = Number(main.state['refresher-pid'])
      expect(isRunning(pid)).toBe(true)
      for (const entry of ['environ', 'cmdline'] as const) {
        expect(procText(pid, entry)).not.toContain(bench.issuer.requestToken)
        expect(procText(pid, entry)).not.toContain('ACTIONS_ID_TOKEN_REQUEST')
      }

      const output = await laterStep(main, LONG_STEP, [tokenFile, String(Date.now() / 1000 + firstSessionLeft + 1)])
      const arn = main.outputs['assumed-role-arn']
      expect(output).toEqual([arn, 'renewed', arn])
    })
    expect(run.exitCode).toBe(0)

    // The step's own call, then boto3's two: the second after its first session ended, with another token.
    const assumed = stsCalls('AssumeRoleWithWebIdentity')
    expect(assumed.map((call) => call.fault)).toEqual([undefined, 'edit-text', undefined])
    const [, first, second] = assumed.map((call) => form(call).get('WebIdentityToken')) as [string, string, string]
    expect(first).not.toBe(second)
    const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'))
    // The second token was minted by the refresher, after the step ended, for the same audience and subject.
    expect(bench.issuer.issued.length).toBeGreaterThan(mainTokens)
    expect(claimsOf(second).iat).toBeGreaterThanOrEqual(Math.floor(mainEndedAt))
    expect(claimsOf(second)).toMatchObject({ aud: 'sts.amazonaws.com', sub: DEFAULT_CLAIMS.sub })
    expect(claimsOf(second).iat).toBeGreaterThan(claimsOf(first).iat)
    expect(bench.issuer.requests.every((request) => request.authorized && request.audience === 'sts.amazonaws.com')).toBe(true)
    // The step verified its session; boto3 called once with each of its two.
    expect(stsCalls('GetCallerIdentity')).toHaveLength(3)

    expect(run.post?.stdout).toContain('Stopped the web identity token refresher')
    for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(isRunning(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    for (const token of [first, second]) expect(run.visibleLog).not.toContain(token)
    expect(run.post?.annotations).toEqual([])
  })

  it('a role chain becomes source_profile links that boto3 follows: web identity, then AssumeRole with the external id', async () => {
    const deploy = 'arn:aws:iam::444455556666:role/deploy'
    const run = await oidcAuth(
      { profile: 'ci', 'refresh-credentials': 'true', 'role-chain': deploy, 'role-external-id': 'ext-42' },
      async (main) => {
        expect(main.exitCode).toBe(0)
        const before = bench.proxy.calls.length
        expect(await laterStep(main, CALLER)).toEqual([main.outputs['assumed-role-arn']])
        const calls = bench.proxy.calls.slice(before)
        expect(calls.map((call) => call.operation)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'GetCallerIdentity'])
        const [web, chained] = calls as [ProxiedCall, ProxiedCall]
        expect(form(web).get('RoleArn')).toBe(ROLE)
        expect(form(chained).get('RoleArn')).toBe(deploy)
        expect(form(chained).get('ExternalId')).toBe('ext-42')
        expect(form(chained).get('DurationSeconds')).toBe('3600')
      },
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs['assumed-role-arn']).toMatch(/^arn:aws:sts::444455556666:assumed-role\/deploy\//)
    expect(run.post?.stdout).toContain('Stopped the web identity token refresher')
  })
})
