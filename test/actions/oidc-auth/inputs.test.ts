import { describe, expect, it } from 'vitest'
import { parseInputs } from '../../../actions/oidc-auth/src/inputs'
import { defaultSessionName } from '../../../actions/oidc-auth/src/session-name'
import { UserError } from '../../../lib/errors'

const ROLE = 'arn:aws:iam::111122223333:role/ci'
const ENV = { GITHUB_REPOSITORY: 'example-org/data-pipeline', GITHUB_RUN_ID: '99', GITHUB_WORKSPACE: '/workspace' }

function read(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV) {
  const all: Record<string, string> = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...inputs }
  return parseInputs((name) => (all[name] ?? '').trim(), env)
}

function failure(inputs: Record<string, string>, env?: NodeJS.ProcessEnv): string {
  try {
    read(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(UserError)
    const { message, hint } = error as UserError
    return hint ? `${message} ${hint}` : message
  }
  throw new Error('expected the inputs to be rejected')
}

describe('parseInputs', () => {
  it('fills in the defaults', () => {
    expect(read({})).toEqual({
      role: { arn: ROLE, partition: 'aws', accountId: '111122223333', roleName: 'ci' },
      region: 'eu-west-1',
      audience: 'sts.amazonaws.com',
      webIdentityTokenFile: undefined,
      roleSessionName: 'example-org.data-pipeline-99',
      durationSeconds: 3600,
      inlineSessionPolicy: undefined,
      managedSessionPolicies: [],
      roleChain: [],
      allowedAccountIds: [],
      maskAccountId: false,
      outputCredentials: false,
      stsEndpoint: { kind: 'regional' },
      maxAttempts: 6,
      timeoutMs: 60_000,
    })
  })

  it('falls back to the usual audience when it is set empty', () => {
    expect(read({ audience: ' ' }).audience).toBe('sts.amazonaws.com')
  })

  it('reads every input', () => {
    const inputs = read(
      {
        'aws-region': '',
        audience: 'my-aud',
        'web-identity-token-file': 'tokens/jwt',
        'role-session-name': 'deploy@main',
        'role-duration-seconds': '1200',
        'inline-session-policy': ' { "Version" : "2012-10-17" } ',
        'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess\n# a comment\narn:aws-us-gov:iam::111122223333:policy/path/p',
        'role-chain': 'arn:aws:iam::444455556666:role/a, arn:aws:iam::777788889999:role/b',
        'allowed-account-ids': '444455556666,\n777788889999',
        'mask-account-id': 'true',
        'output-credentials': 'TRUE',
        'sts-endpoint': 'fips',
        'retry-max-attempts': '1',
        timeout: '2m30s',
      },
      { ...ENV, AWS_REGION: 'us-east-2' },
    )
    expect(inputs).toMatchObject({
      region: 'us-east-2',
      audience: 'my-aud',
      webIdentityTokenFile: '/workspace/tokens/jwt',
      roleSessionName: 'deploy@main',
      durationSeconds: 1200,
      inlineSessionPolicy: '{"Version":"2012-10-17"}',
      managedSessionPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws-us-gov:iam::111122223333:policy/path/p'],
      allowedAccountIds: ['444455556666', '777788889999'],
      maskAccountId: true,
      outputCredentials: true,
      stsEndpoint: { kind: 'fips' },
      maxAttempts: 1,
      timeoutMs: 150_000,
    })
    expect(inputs.roleChain.map((role) => role.roleName)).toEqual(['a', 'b'])
    expect(read({ 'web-identity-token-file': '/workspace/abs/token' }).webIdentityTokenFile).toBe('/workspace/abs/token')
  })

  it.each([
    ['no role', { 'role-to-assume': '' }, "Input 'role-to-assume' is required."],
    [
      'a user ARN',
      { 'role-to-assume': 'arn:aws:iam::111122223333:user/bob' },
      "Input 'role-to-assume' must be an IAM role ARN like arn:aws:iam::123456789012:role/my-role; got 'arn:aws:iam::111122223333:user/bob'.",
    ],
    ['no region anywhere', { 'aws-region': '' }, "Input 'aws-region' is required (or set AWS_REGION), e.g. us-east-1."],
    ['a bad region', { 'aws-region': 'Frankfurt' }, "Input 'aws-region' must be an AWS region such as us-east-1; got 'Frankfurt'."],
    [
      'a bad chained role',
      { 'role-chain': 'deploy' },
      "Input 'role-chain' must be an IAM role ARN like arn:aws:iam::123456789012:role/my-role; got 'deploy'.",
    ],
    [
      'too long a session',
      { 'role-duration-seconds': '43201' },
      "Input 'role-duration-seconds' must be a whole number from 900 to 43200; got '43201'.",
    ],
    [
      'a chained session over an hour',
      { 'role-chain': 'arn:aws:iam::444455556666:role/a', 'role-duration-seconds': '7200' },
      "Input 'role-duration-seconds' must be at most 3600 when 'role-chain' is set (AWS limits chained role sessions to one hour); got 7200.",
    ],
    [
      'a session name with a space',
      { 'role-session-name': 'my session' },
      "Input 'role-session-name' must be 2 to 64 characters of letters, digits and + = , . @ _ -; got 'my session'.",
    ],
    [
      'a one-character session name',
      { 'role-session-name': 'x' },
      "Input 'role-session-name' must be 2 to 64 characters of letters, digits and + = , . @ _ -; got 'x'.",
    ],
    [
      'a policy that is not JSON',
      { 'inline-session-policy': '{ Version: 2012 }' },
      /^Input 'inline-session-policy' must be a JSON IAM policy document; it is not valid JSON \(.+\)\.$/,
    ],
    [
      'a policy that is a list',
      { 'inline-session-policy': '[]' },
      "Input 'inline-session-policy' must be a JSON IAM policy document (an object with Version and Statement).",
    ],
    [
      'a policy too large',
      { 'inline-session-policy': JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(2100) }) },
      "Input 'inline-session-policy' must be at most 2048 characters of JSON; it has 2133 without whitespace.",
    ],
    [
      'a role ARN among the managed policies',
      { 'managed-session-policies': ROLE },
      `Input 'managed-session-policies' must list IAM policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess; got '${ROLE}'.`,
    ],
    [
      'eleven managed policies',
      { 'managed-session-policies': Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join('\n') },
      "Input 'managed-session-policies' must list at most 10 policy ARNs; got 11.",
    ],
    [
      'a short account id',
      { 'allowed-account-ids': '12345' },
      "Input 'allowed-account-ids' must list 12-digit AWS account ids; got '12345'.",
    ],
    ['a yes/no boolean', { 'mask-account-id': 'yes' }, "Input 'mask-account-id' must be true or false; got 'yes'."],
    ['the global endpoint', { 'sts-endpoint': 'global' }, "Input 'sts-endpoint' must be regional, fips, or an http(s) URL; got 'global'."],
    ['zero attempts', { 'retry-max-attempts': '0' }, "Input 'retry-max-attempts' must be a whole number from 1 to 20; got '0'."],
    ['a timeout in days', { timeout: '1d' }, "Input 'timeout' must be a duration such as '90s', '5m' or '1h30m'; got '1d'."],
    ['a timeout under a second', { timeout: '500ms' }, "Input 'timeout' must be at least 1s; got '500ms'."],
  ])('rejects %s with one line naming the input', (_name, inputs, expected) => {
    const message = failure(inputs, { ...ENV })
    if (typeof expected === 'string') expect(message).toBe(expected)
    else expect(message).toMatch(expected)
    expect(message).not.toContain('\n')
  })
})

describe('defaultSessionName', () => {
  it.each([
    ['repository and run id', { GITHUB_REPOSITORY: 'org/repo', GITHUB_RUN_ID: '12' }, 'org.repo-12'],
    ['characters STS refuses become dashes', { GITHUB_REPOSITORY: 'org/re po!', GITHUB_RUN_ID: '1' }, 'org.re-po--1'],
    [
      'a long repository is shortened, never the run id',
      { GITHUB_REPOSITORY: `org/${'r'.repeat(80)}`, GITHUB_RUN_ID: '1234567890' },
      `org.${'r'.repeat(49)}-1234567890`,
    ],
    ['outside a runner', {}, 'github-actions'],
    ['no run id', { GITHUB_REPOSITORY: 'org/repo' }, 'org.repo'],
  ])('%s', (_name, env, expected) => {
    const name = defaultSessionName(env)
    expect(name).toBe(expected)
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/)
  })
})
