import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { run } from '../../../actions/oidc-auth/src/main'
import { ATTEMPT_TIMEOUT_MS } from '../../../actions/oidc-auth/src/session'
import { ManualClock } from '../../../lib/clock'
import { IdTokenRequestError } from '../../../lib/id-token'
import { runInProcess } from '../../harness/in-process'
import { type FakeSts, fakeSts } from './fake-sts'

/**
 * run() in-process with a fake STS, a manual clock and a controllable timer:
 * retries, backoff, deadlines and time limits are checked exactly, without
 * waiting for any real time.
 */

const ROLE = 'arn:aws:iam::111122223333:role/ci'
const jwt = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`
const CLAIMS = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:example-org/data-pipeline:environment:prod',
  aud: 'sts.amazonaws.com',
  repository: 'example-org/data-pipeline',
  ref: 'refs/heads/main',
  environment: 'prod',
  job_workflow_ref: 'example-org/data-pipeline/.github/workflows/deploy.yml@refs/heads/main',
}

/** A timer whose signals abort only when the test (or a hung call) fires them. */
class FakeTimers {
  readonly limits: number[] = []
  private pending: { ms: number; controller: AbortController }[] = []
  constructor(private readonly clock: ManualClock) {}
  signal = (ms: number): AbortSignal => {
    const controller = new AbortController()
    this.limits.push(ms)
    this.pending.push({ ms, controller })
    return controller.signal
  }
  /** The time limit of the newest attempt passes. */
  fireLatest(): void {
    const timer = this.pending.pop()
    if (!timer) throw new Error('no timer to fire')
    this.clock.advance(timer.ms)
    timer.controller.abort(new DOMException('timed out', 'TimeoutError'))
  }
}

let dir: string
let saved: NodeJS.ProcessEnv
let sts: FakeSts
let clock: ManualClock
let timers: FakeTimers
let tokenRequests: string[]
let tokenFailures: Error[]
let tokenSignals: (AbortSignal | undefined)[]

beforeEach(async () => {
  saved = { ...process.env }
  dir = await mkdtemp(join(tmpdir(), 'oidc-auth-run-'))
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_') || key.startsWith('AWS_')) delete process.env[key]
  Object.assign(process.env, {
    GITHUB_REPOSITORY: 'example-org/data-pipeline',
    GITHUB_RUN_ID: '777',
    GITHUB_WORKSPACE: dir,
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?api-version=2.0',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
  })
  sts = fakeSts()
  clock = new ManualClock(Date.UTC(2026, 0, 1))
  timers = new FakeTimers(clock)
  tokenRequests = []
  tokenFailures = []
  tokenSignals = []
})
afterEach(async () => {
  process.env = saved
  await rm(dir, { recursive: true, force: true })
})

async function runWith(inputs: Record<string, string>, hooks: { onToken?: () => void; hangToken?: () => boolean } = {}) {
  let tokens = 0
  const captured = await runInProcess(
    () =>
      run({
        clock,
        random: () => 0.5,
        fetch: sts.fetch,
        timeoutSignal: timers.signal,
        readFile: (path) => readFile(path, 'utf8'),
        getIdToken: async (audience, signal) => {
          tokenRequests.push(audience)
          tokenSignals.push(signal)
          hooks.onToken?.()
          if (hooks.hangToken?.()) {
            return new Promise<string>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
          }
          const failure = tokenFailures.shift()
          if (failure) throw failure
          tokens += 1
          return jwt({ ...CLAIMS, aud: audience, jti: `token-${tokens}` })
        },
      }),
    { inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...inputs } },
  )
  return { ...captured, actions: () => sts.calls.map((call) => call.action) }
}

describe('run: success', () => {
  it('assumes the role unsigned, verifies signed, exports, sets outputs, and masks before printing', async () => {
    const result = await runWith({})
    expect(result.exitCode).toBe(0)
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity', 'GetCallerIdentity'])
    const [assume, verify] = sts.calls
    expect(assume?.url).toBe('https://sts.eu-west-1.amazonaws.com/')
    expect(assume?.headers.authorization).toBeUndefined()
    expect(assume?.headers['user-agent']).toBe('pipeline-actions/oidc-auth')
    expect(Object.fromEntries(assume?.params ?? [])).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'example-org.data-pipeline-777',
      WebIdentityToken: jwt({ ...CLAIMS, jti: 'token-1' }),
      DurationSeconds: '3600',
    })
    expect(verify?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAFAKE1\/20260101\/eu-west-1\/sts\/aws4_request/)
    expect(result.env).toEqual({
      AWS_ACCESS_KEY_ID: 'ASIAFAKE1',
      AWS_SECRET_ACCESS_KEY: 'secret/1+key',
      AWS_SESSION_TOKEN: 'session-token-1',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    })
    expect(result.outputs).toEqual({
      'aws-account-id': '111122223333',
      'assumed-role-arn': 'arn:aws:sts::111122223333:assumed-role/ci/example-org.data-pipeline-777',
      expiration: '2026-01-01T01:00:00.000Z',
    })
    expect(result.commands.masks).toEqual(['ASIAFAKE1', 'secret/1+key', 'session-token-1'])
    expect(result.stdout.indexOf('::add-mask::session-token-1')).toBeLessThan(result.stdout.indexOf('Assumed '))
    const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    for (const secret of ['secret/1+key', 'session-token-1', 'eyJhbGciOiJSUzI1NiJ9']) expect(printed.join('\n')).not.toContain(secret)
    expect(tokenRequests).toEqual(['sts.amazonaws.com'])
    expect(clock.sleeps).toEqual([])
  })

  it('chains roles with the previous credentials, session policies on the last, and masks every set of credentials', async () => {
    const result = await runWith({
      'role-chain': 'arn:aws:iam::444455556666:role/hop\narn:aws:iam::777788889999:role/deploy',
      'role-duration-seconds': '1800',
      'inline-session-policy': '{\n  "Version": "2012-10-17",\n  "Statement": []\n}',
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::777788889999:policy/extra',
      'output-credentials': 'true',
      'mask-account-id': 'true',
      'allowed-account-ids': '777788889999',
    })
    expect(result.exitCode).toBe(0)
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'AssumeRole', 'GetCallerIdentity'])
    const [first, hop, last, verify] = sts.calls as [
      (typeof sts.calls)[0],
      (typeof sts.calls)[0],
      (typeof sts.calls)[0],
      (typeof sts.calls)[0],
    ]
    expect(first.params.get('DurationSeconds')).toBe('900')
    expect(first.params.get('Policy')).toBeNull()
    expect(hop.headers.authorization).toContain('Credential=ASIAFAKE1/')
    expect(hop.headers['x-amz-security-token']).toBe('session-token-1')
    expect(hop.params.get('DurationSeconds')).toBe('900')
    expect(last.headers.authorization).toContain('Credential=ASIAFAKE2/')
    expect(Object.fromEntries(last.params)).toMatchObject({
      RoleArn: 'arn:aws:iam::777788889999:role/deploy',
      DurationSeconds: '1800',
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'PolicyArns.member.2.arn': 'arn:aws:iam::777788889999:policy/extra',
    })
    expect(verify.headers.authorization).toContain('Credential=ASIAFAKE3/')
    expect(result.outputs).toMatchObject({
      'aws-account-id': '777788889999',
      'aws-access-key-id': 'ASIAFAKE3',
      'aws-secret-access-key': 'secret/3+key',
      'aws-session-token': 'session-token-3',
    })
    // Account ids first, before the line that names the roles; then each set of credentials as it arrives.
    expect(result.commands.masks.slice(0, 3)).toEqual(['111122223333', '444455556666', '777788889999'])
    expect(result.commands.masks).toEqual(expect.arrayContaining(['secret/1+key', 'secret/2+key', 'secret/3+key', 'session-token-2']))
    expect(result.stdout.indexOf('::add-mask::111122223333')).toBeLessThan(result.stdout.indexOf('Assuming'))
  })

  it('reads a token file anew on every attempt and masks it', async () => {
    await writeFile(join(dir, 'token'), 'file-token\n')
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
    sts.script('AssumeRoleWithWebIdentity', { error: { status: 400, code: 'IDPCommunicationError' } })
    const result = await runWith({ 'web-identity-token-file': 'token' })
    expect(result.exitCode).toBe(0)
    expect(
      sts.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity').map((call) => call.params.get('WebIdentityToken')),
    ).toEqual(['file-token', 'file-token'])
    expect(result.commands.masks.filter((mask) => mask === 'file-token')).toHaveLength(2)
    expect(tokenRequests).toEqual([])
  })

  // Issue #16: this was a warning, and the token still went out in clear; now nothing is sent.
  it('refuses an sts-endpoint input that is plain HTTP beyond this machine, before any request', async () => {
    const result = await runWith({ 'sts-endpoint': 'http://sts.internal.example:8080' })
    expect(result.exitCode).toBe(1)
    expect(sts.calls).toEqual([])
    expect(tokenRequests).toEqual([])
    expect(result.commands.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        message:
          "Input 'sts-endpoint' must be an https:// URL (plain http:// only on a loopback address such as 127.0.0.1): the token and the credentials would cross the network unencrypted; got 'http://sts.internal.example:8080'.",
      }),
    ])
  })
})

describe('run: retries', () => {
  it('retries throttling with jittered exponential backoff and a fresh token every attempt', async () => {
    sts.script('AssumeRoleWithWebIdentity', { error: { status: 400, code: 'Throttling' } }, { reset: true })
    const result = await runWith({})
    expect(result.exitCode).toBe(0)
    expect(result.actions()).toEqual([
      'AssumeRoleWithWebIdentity',
      'AssumeRoleWithWebIdentity',
      'AssumeRoleWithWebIdentity',
      'GetCallerIdentity',
    ])
    // random() = 0.5 of a ceiling that doubles from 500 ms.
    expect(clock.sleeps).toEqual([250, 500])
    expect(tokenRequests).toHaveLength(3)
    const tokens = sts.calls.slice(0, 3).map((call) => call.params.get('WebIdentityToken'))
    expect(new Set(tokens).size).toBe(3)
    expect(result.stdout).toContain(
      'AssumeRoleWithWebIdentity attempt 1 of 6 failed (Throttling: Throttling from the fake); retrying in 0.3 s',
    )
    expect(result.stdout).toContain('AssumeRoleWithWebIdentity attempt 2 of 6 failed (fetch failed (read ECONNRESET)); retrying in 0.5 s')
  })

  it('does not sleep after the last attempt', async () => {
    sts.script('AssumeRoleWithWebIdentity', ...Array(5).fill({ error: { status: 503, code: 'ServiceUnavailable' } }))
    const result = await runWith({ 'retry-max-attempts': '3' })
    expect(result.exitCode).toBe(1)
    expect(result.actions()).toHaveLength(3)
    expect(clock.sleeps).toEqual([250, 500])
    expect(result.failure).toBe(
      `AssumeRoleWithWebIdentity for ${ROLE} still failed after 3 attempts: ServiceUnavailable: ServiceUnavailable from the fake. Raise 'retry-max-attempts' if STS at https://sts.eu-west-1.amazonaws.com is throttling.`,
    )
  })

  it('stops when the next backoff would pass the deadline', async () => {
    sts.script('AssumeRoleWithWebIdentity', ...Array(10).fill({ error: { status: 400, code: 'Throttling' } }))
    const started = clock.now()
    const result = await runWith({ timeout: '2s' })
    expect(result.exitCode).toBe(1)
    // 250 + 500 ms slept; the next 1000 ms would end at 1750 ms, then 2000 would pass 2 s.
    expect(clock.sleeps).toEqual([250, 500, 1000])
    expect(clock.now() - started).toBeLessThan(2000)
    expect(result.actions()).toHaveLength(4)
    expect(result.failure).toMatch(
      /^Could not get AWS credentials within the 2 s timeout: AssumeRoleWithWebIdentity for .+ made 4 attempts, the last failed with Throttling/,
    )
  })

  it('gives each attempt a time limit, cut short by the deadline, and retries a hung call', async () => {
    sts.script('AssumeRoleWithWebIdentity', { hang: true })
    const result = await runFiringTimeout({ timeout: '40s' }, () => sts.calls.length === 1)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`AssumeRoleWithWebIdentity attempt 1 of 6 failed (no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s)`)
    // 15 s for the first attempt; the second has 40 - 15 - 0.25 s left, more than its limit.
    expect(timers.limits).toEqual([ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS])
  })

  it('ends a token request that hangs with the attempt, and tries again', async () => {
    let hung = 0
    const result = await runFiringTimeout({ timeout: '40s' }, () => tokenRequests.length === 1, { hangToken: () => hung++ === 0 })
    expect(result.exitCode).toBe(0)
    expect(tokenSignals[0]?.aborted).toBe(true)
    expect(tokenRequests).toHaveLength(2)
    expect(result.stdout).toContain(
      `AssumeRoleWithWebIdentity attempt 1 of 6 failed (no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s); retrying in`,
    )
  })

  it('limits an attempt to what is left of the deadline', async () => {
    sts.script('AssumeRoleWithWebIdentity', { hang: true })
    const result = await runFiringTimeout({ timeout: '5s' }, () => sts.calls.length === 1)
    expect(timers.limits).toEqual([5000])
    expect(result.failure).toMatch(
      /within the 5 s timeout: AssumeRoleWithWebIdentity for .+ made 1 attempt, the last failed with no answer within 5 s/,
    )
  })

  it('starts no call once the deadline has passed', async () => {
    // The token request takes the whole minute; the role is assumed, but no time is left to verify.
    const result = await runWith({ timeout: '60s' }, { onToken: () => clock.advance(61_000) })
    expect(result.exitCode).toBe(1)
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity'])
    expect(result.failure).toMatch(/^Could not get AWS credentials within the 60 s timeout: GetCallerIdentity made 1 attempt/)
    expect(result.env).toEqual({})
  })

  it('retries a token service error and stops at a refused token request', async () => {
    tokenFailures.push(new IdTokenRequestError('HTTP 500: boom', 500))
    expect((await runWith({})).exitCode).toBe(0)
    expect(tokenRequests).toHaveLength(2)

    tokenRequests = []
    tokenFailures.push(new IdTokenRequestError('HTTP 403: denied', 403))
    const refused = await runWith({})
    expect(refused.exitCode).toBe(1)
    expect(tokenRequests).toHaveLength(1)
    expect(refused.failure).toBe(
      "Could not get a GitHub OIDC token: the GitHub OIDC token request failed: HTTP 403: denied. Check that the job has 'permissions: id-token: write'; a 401 or 403 means the runner's request token was refused.",
    )
  })
})

describe('run: failures that retrying cannot fix fail at the first attempt', () => {
  it('AccessDenied prints the claims and the condition that would match them', async () => {
    sts.script('AssumeRoleWithWebIdentity', {
      error: { status: 403, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
    })
    const result = await runWith({})
    expect(result.exitCode).toBe(1)
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity'])
    expect(clock.sleeps).toEqual([])
    expect(result.failure).toBe(
      `Not authorized to assume ${ROLE}: its trust policy does not accept sub 'repo:example-org/data-pipeline:environment:prod' with aud 'sts.amazonaws.com' (AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity). The token claims and a trust-policy condition that matches them are printed above.`,
    )
    expect(result.stdout).toContain(
      [
        "The token's claims (the token itself is never printed):",
        '  sub               repo:example-org/data-pipeline:environment:prod',
        '  aud               sts.amazonaws.com',
        '  repository        example-org/data-pipeline',
        '  ref               refs/heads/main',
        '  environment       prod',
        '  job_workflow_ref  example-org/data-pipeline/.github/workflows/deploy.yml@refs/heads/main',
        "A trust-policy condition that matches them (put it in the role's AssumeRoleWithWebIdentity statement):",
        '  {',
        '    "Condition": {',
        '      "StringEquals": {',
        '        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",',
        '        "token.actions.githubusercontent.com:sub": "repo:example-org/data-pipeline:environment:prod"',
        '      }',
        '    }',
        '  }',
      ].join('\n'),
    )
    expect(result.stdout).not.toContain(sts.calls[0]?.params.get('WebIdentityToken'))
  })

  it('an AccessDenied on a chained role names both roles', async () => {
    sts.script('AssumeRole', { error: { status: 403, code: 'AccessDenied', message: 'not allowed' } })
    const result = await runWith({ 'role-chain': 'arn:aws:iam::444455556666:role/deploy' })
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole'])
    expect(result.failure).toBe(
      `${ROLE} may not assume arn:aws:iam::444455556666:role/deploy (AccessDenied: not allowed). The trust policy of arn:aws:iam::444455556666:role/deploy must allow sts:AssumeRole for ${ROLE}, and that role's permissions must allow sts:AssumeRole on it.`,
    )
  })

  it("a malformed STS answer is reported as the endpoint's fault, not retried", async () => {
    sts.script('GetCallerIdentity', { raw: { status: 200, body: '<GetCallerIdentityResponse/>' } })
    const result = await runWith({})
    expect(result.actions()).toEqual(['AssumeRoleWithWebIdentity', 'GetCallerIdentity'])
    expect(result.failure).toMatch(
      /^STS at \S+ answered GetCallerIdentity with HTTP 200 but not as STS does: the GetCallerIdentity answer has no GetCallerIdentityResult\/Account\. Check 'sts-endpoint'/,
    )
    expect(result.env).toEqual({})
  })

  it('an unreadable token file fails once, naming the input', async () => {
    const result = await runWith({ 'web-identity-token-file': 'missing' })
    expect(result.failure).toBe(`Input 'web-identity-token-file' names a file that cannot be read (ENOENT): ${join(dir, 'missing')}.`)
    expect(sts.calls).toEqual([])
  })
})

/** Starts a run, waits until a call hangs (`hung` says when), then fires that attempt's time limit. */
async function runFiringTimeout(inputs: Record<string, string>, hung: () => boolean, hooks: Parameters<typeof runWith>[1] = {}) {
  const running = runWith(inputs, hooks)
  await waitFor(hung)
  timers.fireLatest()
  return running
}

async function waitFor(condition: () => boolean): Promise<void> {
  // The run first sets up its runner files (real file I/O), so this waits in real time, not in event-loop turns.
  for (const start = Date.now(); !condition() && Date.now() - start < 5000; ) await new Promise((resolve) => setTimeout(resolve, 1))
  if (!condition()) throw new Error('condition never became true')
}
