import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ProxiedCall } from '../../bench/fault-proxy'
import { MOTO_ACCOUNT } from '../../bench/moto'
import { DEFAULT_CLAIMS } from '../../bench/oidc-issuer'
import { useStsBench } from '../../bench/sts-bench'
import { type ActionRun, runAction } from '../../harness/runner'

/**
 * The committed bundle, run as a runner runs it, against moto's STS behind
 * the fault proxy and the local OIDC token service.
 */

const bench = useStsBench()
beforeEach(() => {
  bench.proxy.clear()
  bench.issuer.requests.length = 0
  bench.issuer.setClaims(DEFAULT_CLAIMS)
})

const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/ci`

function oidcAuth(inputs: Record<string, string> = {}, env: Record<string, string | undefined> = {}): Promise<ActionRun> {
  return runAction('oidc-auth', {
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs },
    // No AWS_* credentials in the environment: the action must work from the OIDC token alone.
    env: { ...bench.issuer.env, AWS_ENDPOINT_URL_STS: bench.proxy.endpoint, ...env },
  })
}

const stsCalls = (operation?: string) => bench.proxy.calls.filter((call) => operation === undefined || call.operation === operation)
const form = (call: ProxiedCall) => new URLSearchParams(call.body)
const signingKeyOf = (call: ProxiedCall) => /Credential=([^/]+)\//.exec(String(call.headers.authorization ?? ''))?.[1]

function expectNoSecretsIn(run: ActionRun): void {
  const secrets = [
    run.exportedEnv.AWS_SECRET_ACCESS_KEY,
    run.exportedEnv.AWS_SESSION_TOKEN,
    ...stsCalls('AssumeRoleWithWebIdentity').map((call) => form(call).get('WebIdentityToken')),
  ].filter((secret): secret is string => Boolean(secret))
  for (const secret of secrets) expect(run.visibleLog).not.toContain(secret)
}

/** The runner hides a masked value only in lines printed after its ::add-mask:: command. */
function expectMaskedBeforePrinted(run: ActionRun, value: string): void {
  const lines = run.stdout.split('\n')
  const maskedAt = lines.indexOf(`::add-mask::${value}`)
  const printedAt = lines.findIndex((line) => line.includes(value) && !line.startsWith('::add-mask::'))
  expect(maskedAt).toBeGreaterThanOrEqual(0)
  expect(printedAt).toBeGreaterThan(maskedAt)
}

describe('oidc-auth bundle: success', () => {
  it('exports masked credentials and the region, sets the outputs, and verifies them with GetCallerIdentity', async () => {
    const run = await oidcAuth()
    expect(run.exitCode).toBe(0)
    const env = run.exportedEnv
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ])
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/)
    expect(env.AWS_REGION).toBe('us-east-1')
    expect(env.AWS_DEFAULT_REGION).toBe('us-east-1')
    expect(run.outputs).toEqual({
      'aws-account-id': MOTO_ACCOUNT,
      'assumed-role-arn': `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/ci/example-org.data-pipeline-4242`,
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    })

    const [assume, verify, ...rest] = stsCalls()
    expect(rest).toEqual([])
    expect(assume?.operation).toBe('AssumeRoleWithWebIdentity')
    expect(assume?.headers.authorization).toBeUndefined()
    const sent = form(assume as ProxiedCall)
    expect(sent.get('RoleArn')).toBe(ROLE)
    expect(sent.get('DurationSeconds')).toBe('3600')
    expect(sent.get('RoleSessionName')).toBe('example-org.data-pipeline-4242')
    // GetCallerIdentity is signed, in the region, with the new credentials.
    expect(verify?.operation).toBe('GetCallerIdentity')
    expect(String(verify?.headers.authorization)).toContain(`Credential=${env.AWS_ACCESS_KEY_ID}/`)
    expect(String(verify?.headers.authorization)).toContain('/us-east-1/sts/aws4_request')
    expect(verify?.headers['x-amz-security-token']).toBe(env.AWS_SESSION_TOKEN)

    expect(bench.issuer.requests).toEqual([{ audience: 'sts.amazonaws.com', authorized: true }])
    const token = sent.get('WebIdentityToken') as string
    expect(run.masks).toEqual(expect.arrayContaining([token, env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN]))
    // Masks come before the first line that could carry the value.
    expect(run.stdout.indexOf(`::add-mask::${env.AWS_SECRET_ACCESS_KEY}`)).toBeLessThan(run.stdout.indexOf('Assumed arn:'))
    expectNoSecretsIn(run)
    // Without a profile the post step has nothing to undo, and says nothing.
    expect(run.post?.exitCode).toBe(0)
    expect(run.post?.stdout).toBe('')
    expect(run.post?.exportedEnv).toEqual({})
  })

  it('sets the credentials as outputs only when asked, and masks the account id when asked', async () => {
    const run = await oidcAuth({ 'output-credentials': 'true', 'mask-account-id': 'true', audience: 'custom-aud' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['aws-access-key-id']).toBe(run.exportedEnv.AWS_ACCESS_KEY_ID)
    expect(run.outputs['aws-secret-access-key']).toBe(run.exportedEnv.AWS_SECRET_ACCESS_KEY)
    expect(run.outputs['aws-session-token']).toBe(run.exportedEnv.AWS_SESSION_TOKEN)
    expect(run.outputs['aws-account-id']).toBe(MOTO_ACCOUNT)
    expectMaskedBeforePrinted(run, MOTO_ACCOUNT)
    expect(bench.issuer.requests.map((request) => request.audience)).toEqual(['custom-aud'])
    expectNoSecretsIn(run)
  })

  it('chains roles: AssumeRole signed with the first credentials, the last role exported', async () => {
    const deploy = 'arn:aws:iam::111122223333:role/deploy'
    const run = await oidcAuth({
      'role-chain': deploy,
      'role-session-name': 'chain-test',
      'inline-session-policy': '{ "Version": "2012-10-17" }',
    })
    expect(run.exitCode).toBe(0)
    expect(stsCalls().map((call) => call.operation)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'GetCallerIdentity'])
    const [first, chained, verify] = stsCalls() as [ProxiedCall, ProxiedCall, ProxiedCall]
    // The first session only bridges to the next role: shortest lifetime, no session policy.
    expect(form(first).get('DurationSeconds')).toBe('900')
    expect(form(first).get('Policy')).toBeNull()
    expect(form(chained).get('RoleArn')).toBe(deploy)
    expect(form(chained).get('Policy')).toBe('{"Version":"2012-10-17"}')
    const firstKey = signingKeyOf(chained)
    expect(firstKey).toMatch(/^ASIA/)
    expect(firstKey).not.toBe(run.exportedEnv.AWS_ACCESS_KEY_ID)
    expect(signingKeyOf(verify)).toBe(run.exportedEnv.AWS_ACCESS_KEY_ID)
    expect(run.masks).toContain(firstKey)
    expect(run.outputs['aws-account-id']).toBe('111122223333')
    expect(run.outputs['assumed-role-arn']).toBe('arn:aws:sts::111122223333:assumed-role/deploy/chain-test')
    expectNoSecretsIn(run)
  })

  it('reads the token from web-identity-token-file, re-masked, without asking GitHub', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oidc-auth-token-'))
    try {
      const token = 'header.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6ZGVwbG95In0.signature'
      await writeFile(join(dir, 'token'), `${token}\n`)
      const run = await oidcAuth({ 'web-identity-token-file': 'token' }, { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, GITHUB_WORKSPACE: dir })
      expect(run.exitCode).toBe(0)
      expect(form(stsCalls('AssumeRoleWithWebIdentity')[0] as ProxiedCall).get('WebIdentityToken')).toBe(token)
      expect(run.masks).toContain(token)
      expect(run.visibleLog).not.toContain(token)
      expect(bench.issuer.requests).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('oidc-auth bundle: transient faults are survived, each retry with a fresh token', () => {
  it.each([
    ['throttling twice', { type: 'aws-error', status: 400, code: 'Throttling', message: 'Rate exceeded' } as const, 2],
    ['a 503', { type: 'aws-error', status: 503, code: 'ServiceUnavailable' } as const, 1],
    ['IDPCommunicationError', { type: 'aws-error', status: 400, code: 'IDPCommunicationError' } as const, 1],
    ['a reset connection', { type: 'reset' } as const, 1],
  ])('%s, then success', async (_name, fault, times) => {
    bench.proxy.inject({ match: 'AssumeRoleWithWebIdentity', times, fault })
    const run = await oidcAuth()
    expect(run.exitCode).toBe(0)
    const attempts = stsCalls('AssumeRoleWithWebIdentity')
    expect(attempts.map((call) => call.fault)).toEqual([...Array(times).fill(fault.type), undefined])
    expect(bench.issuer.requests).toHaveLength(times + 1)
    const tokens = attempts.map((call) => form(call).get('WebIdentityToken'))
    expect(new Set(tokens).size).toBe(tokens.length)
    expect(run.visibleLog).toMatch(/AssumeRoleWithWebIdentity attempt 1 of 6 failed \(.+\); retrying in/)
    expect(run.outputs['aws-account-id']).toBe(MOTO_ACCOUNT)
    expectNoSecretsIn(run)
  })

  it('retries a throttled GetCallerIdentity without assuming the role again', async () => {
    bench.proxy.inject({ match: 'GetCallerIdentity', fault: { type: 'aws-error', status: 400, code: 'Throttling' } })
    const run = await oidcAuth()
    expect(run.exitCode).toBe(0)
    expect(stsCalls().map((call) => call.operation)).toEqual(['AssumeRoleWithWebIdentity', 'GetCallerIdentity', 'GetCallerIdentity'])
  })

  it('retries a token service that answered 500', async () => {
    bench.issuer.failNext(1, 500)
    const run = await oidcAuth()
    expect(run.exitCode).toBe(0)
    expect(bench.issuer.requests).toHaveLength(2)
    expect(stsCalls('AssumeRoleWithWebIdentity')).toHaveLength(1)
  })
})

describe('oidc-auth bundle: what cannot succeed fails at once, with one line that says what to fix', () => {
  it('AccessDenied: prints the claims and a matching trust condition, never the token, after one STS call', async () => {
    bench.issuer.setClaims({
      sub: 'repo:example-org/data-pipeline:ref:refs/heads/feature',
      environment: undefined,
      ref: 'refs/heads/feature',
    })
    bench.proxy.inject({
      match: 'AssumeRoleWithWebIdentity',
      times: 5,
      fault: { type: 'aws-error', status: 403, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
    })
    const run = await oidcAuth()
    expect(run.exitCode).toBe(1)
    expect(stsCalls()).toHaveLength(1)
    expect(bench.issuer.requests).toHaveLength(1)
    expect(run.failure).toBe(
      `Not authorized to assume ${ROLE}: its trust policy does not accept sub 'repo:example-org/data-pipeline:ref:refs/heads/feature' with aud 'sts.amazonaws.com' (AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity). The token claims and a trust-policy condition that matches them are printed above.`,
    )
    const prefix = bench.issuer.issuer.replace('http://', '')
    expect(run.visibleLog).toContain('  repository        example-org/data-pipeline')
    expect(run.visibleLog).toContain('  ref               refs/heads/feature')
    expect(run.visibleLog).toContain('  environment       (absent)')
    expect(run.visibleLog).toContain(`  job_workflow_ref  ${DEFAULT_CLAIMS.job_workflow_ref}`)
    expect(run.visibleLog).toContain(`"${prefix}:sub": "repo:example-org/data-pipeline:ref:refs/heads/feature"`)
    expect(run.visibleLog).toContain(`"${prefix}:aud": "sts.amazonaws.com"`)
    expect(run.exportedEnv).toEqual({})
    expectNoSecretsIn(run)
  })

  it.each([
    [
      'a wrong audience',
      { code: 'InvalidIdentityToken', message: 'Incorrect token audience' },
      "STS rejected the token's audience 'sts.amazonaws.com'",
    ],
    [
      'a session longer than the role allows',
      { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' },
      "Lower 'role-duration-seconds'",
    ],
  ])('%s: one STS call, then a clear failure', async (_name, error, expected) => {
    bench.proxy.inject({ match: 'AssumeRoleWithWebIdentity', times: 5, fault: { type: 'aws-error', status: 400, ...error } })
    const run = await oidcAuth()
    expect(run.exitCode).toBe(1)
    expect(stsCalls()).toHaveLength(1)
    expect(run.failure).toContain(expected)
    expect(run.failure).toMatch(/^[^\n]+$/)
  })

  it('a missing id-token permission: says which permission to add, before any call', async () => {
    const run = await oidcAuth({}, { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe(
      "Cannot request a GitHub OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. Add 'permissions: id-token: write' to the job (or workflow); GitHub sets these only then, and never for pull requests from forks. Or set 'web-identity-token-file'.",
    )
    expect(stsCalls()).toEqual([])
    expect(bench.issuer.requests).toEqual([])
  })

  it.each([
    [
      'a malformed role ARN',
      { 'role-to-assume': 'arn:aws:iam::12345:role/ci' },
      "Input 'role-to-assume' must be an IAM role ARN like arn:aws:iam::123456789012:role/my-role; got 'arn:aws:iam::12345:role/ci'.",
    ],
    [
      'a duration out of range',
      { 'role-duration-seconds': '60' },
      "Input 'role-duration-seconds' must be a whole number from 900 to 43200; got '60'.",
    ],
    [
      'an account that is not allowed',
      { 'allowed-account-ids': '111122223333' },
      `Role ${ROLE} is in account ${MOTO_ACCOUNT}, which is not in 'allowed-account-ids' (111122223333). Assume a role in an allowed account, or add the account to the list.`,
    ],
  ])('%s: fails before any call', async (_name, inputs, failure) => {
    const run = await oidcAuth(inputs)
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe(failure)
    expect(stsCalls()).toEqual([])
    expect(bench.issuer.requests).toEqual([])
  })

  it('credentials whose identity is in another account are refused and not exported', async () => {
    bench.proxy.inject({
      match: 'GetCallerIdentity',
      fault: {
        type: 'respond',
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: '<GetCallerIdentityResponse><GetCallerIdentityResult><UserId>AROAX:s</UserId><Account>999999999999</Account><Arn>arn:aws:sts::999999999999:assumed-role/ci/s</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>',
      },
    })
    const run = await oidcAuth({ 'allowed-account-ids': MOTO_ACCOUNT })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toContain(
      "The identity arn:aws:sts::999999999999:assumed-role/ci/s is in account 999999999999, which is not in 'allowed-account-ids'",
    )
    expect(run.exportedEnv).toEqual({})
    expect(run.outputs).toEqual({})
  })

  it('gives up when the attempts run out, without a sleep after the last one', async () => {
    bench.proxy.inject({
      match: 'AssumeRoleWithWebIdentity',
      times: 10,
      fault: { type: 'aws-error', status: 400, code: 'Throttling', message: 'Rate exceeded' },
    })
    const run = await oidcAuth({ 'retry-max-attempts': '2' })
    expect(run.exitCode).toBe(1)
    expect(stsCalls()).toHaveLength(2)
    expect(run.failure).toBe(
      `AssumeRoleWithWebIdentity for ${ROLE} still failed after 2 attempts: Throttling: Rate exceeded. Raise 'retry-max-attempts' if STS at ${bench.proxy.endpoint} is throttling.`,
    )
    expect(run.visibleLog.match(/retrying in/g)).toHaveLength(1)
  })

  it('respects the overall deadline: a hung STS call is abandoned when the timeout passes', async () => {
    bench.proxy.inject({ match: 'AssumeRoleWithWebIdentity', times: 10, fault: { type: 'delay', ms: 30_000 } })
    const run = await oidcAuth({ timeout: '2s' })
    expect(run.exitCode).toBe(1)
    expect(stsCalls('AssumeRoleWithWebIdentity')).toHaveLength(1)
    expect(run.failure).toBe(
      `Could not get AWS credentials within the 2 s timeout: AssumeRoleWithWebIdentity for ${ROLE} made 1 attempt, the last failed with no answer within 2 s. Raise 'timeout' if STS at ${bench.proxy.endpoint} is slow or throttling; otherwise check that the runner can reach it.`,
    )
  })
})

describe('oidc-auth bundle: session tags and the external id go with the chained AssumeRole calls', () => {
  const hop = 'arn:aws:iam::111122223333:role/hop'
  const deploy = 'arn:aws:iam::444455556666:role/deploy'

  it('tags the first hop with every tag and names the transitive ones; later hops get the rest; every hop gets the external id', async () => {
    const run = await oidcAuth({
      'role-chain': `${hop}\n${deploy}`,
      'session-tags': 'team=data platform\nenv=prod\ncost-center=cc:42',
      'transitive-tag-keys': 'team, env',
      'role-external-id': 'pipeline:ext-42',
    })
    expect(run.exitCode).toBe(0)
    expect(stsCalls().map((call) => call.operation)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole', 'AssumeRole', 'GetCallerIdentity'])
    const [web, first, second] = stsCalls() as [ProxiedCall, ProxiedCall, ProxiedCall]
    const sent = (call: ProxiedCall, prefix: string) => [...form(call)].filter(([name]) => name.startsWith(prefix))
    // AssumeRoleWithWebIdentity has no Tags or ExternalId parameter: nothing of them is sent there.
    expect(sent(web, 'Tags')).toEqual([])
    expect(sent(web, 'Transitive')).toEqual([])
    expect(form(web).get('ExternalId')).toBeNull()
    expect(sent(first, 'Tags')).toEqual([
      ['Tags.member.1.Key', 'team'],
      ['Tags.member.1.Value', 'data platform'],
      ['Tags.member.2.Key', 'env'],
      ['Tags.member.2.Value', 'prod'],
      ['Tags.member.3.Key', 'cost-center'],
      ['Tags.member.3.Value', 'cc:42'],
    ])
    expect(sent(first, 'TransitiveTagKeys')).toEqual([
      ['TransitiveTagKeys.member.1', 'team'],
      ['TransitiveTagKeys.member.2', 'env'],
    ])
    expect(form(first).get('RoleArn')).toBe(hop)
    expect(sent(second, 'Tags')).toEqual([
      ['Tags.member.1.Key', 'cost-center'],
      ['Tags.member.1.Value', 'cc:42'],
    ])
    expect(sent(second, 'TransitiveTagKeys')).toEqual([])
    expect([form(first).get('ExternalId'), form(second).get('ExternalId')]).toEqual(['pipeline:ext-42', 'pipeline:ext-42'])
    expect(run.outputs['assumed-role-arn']).toMatch(/^arn:aws:sts::444455556666:assumed-role\/deploy\//)
    expectNoSecretsIn(run)
  })

  it('a chained role that refuses the tagged call: names sts:TagSession and the external id condition', async () => {
    bench.proxy.inject({
      match: 'AssumeRole',
      fault: { type: 'aws-error', status: 403, code: 'AccessDenied', message: 'not authorized to perform: sts:TagSession' },
    })
    const run = await oidcAuth({ 'role-chain': deploy, 'session-tags': 'team=data', 'role-external-id': 'ext-42' })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe(
      `${ROLE} may not assume ${deploy} (AccessDenied: not authorized to perform: sts:TagSession). The trust policy of ${deploy} must allow sts:AssumeRole and sts:TagSession for ${ROLE} (with an sts:ExternalId condition equal to 'role-external-id'), and that role's permissions must allow both on it.`,
    )
    expect(run.exportedEnv).toEqual({})
  })

  it.each([
    [
      'tags without a role chain',
      { 'session-tags': 'team=data' },
      /^Input 'session-tags' applies to the roles of 'role-chain', which is empty: /,
    ],
    [
      'a transitive key that is not a tag',
      { 'role-chain': deploy, 'session-tags': 'team=data', 'transitive-tag-keys': 'env' },
      /^Input 'transitive-tag-keys' names 'env', which is not a key of 'session-tags' \(team\)\.$/,
    ],
    ['a bad external id', { 'role-chain': deploy, 'role-external-id': 'a b' }, /^Input 'role-external-id' must be 2 to 1224 characters/],
  ])('%s: one line, before any token or STS call', async (_name, inputs, failure) => {
    const run = await oidcAuth(inputs)
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(failure)
    expect(run.failure).toMatch(/^[^\n]+$/)
    expect(stsCalls()).toEqual([])
    expect(bench.issuer.requests).toEqual([])
  })
})
