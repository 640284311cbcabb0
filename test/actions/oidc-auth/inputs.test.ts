import { describe, expect, it } from 'vitest'
import { parseInputs } from '../../../actions/oidc-auth/src/inputs'
import { defaultSessionName } from '../../../actions/oidc-auth/src/session-name'
import { UserError } from '../../../lib/errors'

const ROLE = 'arn:aws:iam::111122223333:role/ci'
const CHAIN = 'arn:aws:iam::444455556666:role/a'
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
      sessionTags: [],
      transitiveTagKeys: [],
      profile: undefined,
      refreshCredentials: false,
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

  it('reads session tags, transitive keys, the external id and the profile', () => {
    const inputs = read({
      'role-chain': CHAIN,
      'session-tags': 'Team = data platform\n# a comment\ncost-center=cc:42/a=b\nempty=\nÉquipe=données',
      'transitive-tag-keys': 'team\ncost-center',
      'role-external-id': 'ext:id/with=all+chars,.@-_',
      profile: 'ci.deploy',
    })
    expect(inputs).toMatchObject({
      sessionTags: [
        { key: 'Team', value: 'data platform' },
        { key: 'cost-center', value: 'cc:42/a=b' },
        { key: 'empty', value: '' },
        { key: 'Équipe', value: 'données' },
      ],
      // Named as the tag names them, for STS to match.
      transitiveTagKeys: ['Team', 'cost-center'],
      externalId: 'ext:id/with=all+chars,.@-_',
      profile: 'ci.deploy',
      refreshCredentials: false,
    })
    expect(read({ profile: 'default', 'refresh-credentials': 'true' })).toMatchObject({ profile: 'default', refreshCredentials: true })
    expect(
      read({ 'role-chain': CHAIN, 'session-tags': Array.from({ length: 50 }, (_, i) => `k${i}=${'v'.repeat(256)}`).join('\n') })
        .sessionTags,
    ).toHaveLength(50)
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
    [
      'session tags without a role chain',
      { 'session-tags': 'team=data' },
      "Input 'session-tags' applies to the roles of 'role-chain', which is empty: AssumeRoleWithWebIdentity takes no session tags or external id (its tags come only from the token's claims). Put the role that needs them in 'role-chain' (its trust policy must allow sts:AssumeRole and, for tags, sts:TagSession for 'role-to-assume').",
    ],
    [
      'an external id without a role chain',
      { 'role-external-id': 'abc-123' },
      /^Input 'role-external-id' applies to the roles of 'role-chain', which is empty: /,
    ],
    ['a tag line without =', { 'role-chain': CHAIN, 'session-tags': 'team' }, "Input 'session-tags' must be key=value lines; got 'team'."],
    [
      'a tag line without a key',
      { 'role-chain': CHAIN, 'session-tags': '=data' },
      "Input 'session-tags' must be key=value lines; got '=data'.",
    ],
    [
      'a tag key with a character STS refuses',
      { 'role-chain': CHAIN, 'session-tags': 'team!=data' },
      "Input 'session-tags' keys must be 1 to 128 characters of letters, digits, spaces and _ . : / = + - @; got 'team!'.",
    ],
    [
      'a tag key too long',
      { 'role-chain': CHAIN, 'session-tags': `${'k'.repeat(129)}=v` },
      `Input 'session-tags' keys must be 1 to 128 characters of letters, digits, spaces and _ . : / = + - @; got '${'k'.repeat(129)}'.`,
    ],
    [
      'a tag value too long',
      { 'role-chain': CHAIN, 'session-tags': `team=${'v'.repeat(257)}` },
      `Input 'session-tags' value of 'team' must be 0 to 256 characters of letters, digits, spaces and _ . : / = + - @; got '${'v'.repeat(257)}'.`,
    ],
    [
      'a tag value with a character STS refuses',
      { 'role-chain': CHAIN, 'session-tags': 'team=a;b' },
      "Input 'session-tags' value of 'team' must be 0 to 256 characters of letters, digits, spaces and _ . : / = + - @; got 'a;b'.",
    ],
    [
      'a reserved aws: key',
      { 'role-chain': CHAIN, 'session-tags': 'aws:team=data' },
      "Input 'session-tags' key 'aws:team' starts with 'aws:', which AWS reserves for its own tags.",
    ],
    [
      'a key twice, in another case',
      { 'role-chain': CHAIN, 'session-tags': 'Team=a\nteam=b' },
      "Input 'session-tags' names the key 'team' twice (as 'Team' first; keys ignore case).",
    ],
    [
      '51 tags',
      { 'role-chain': CHAIN, 'session-tags': Array.from({ length: 51 }, (_, i) => `k${i}=v`).join('\n') },
      "Input 'session-tags' must hold at most 50 tags; got 51.",
    ],
    [
      'a transitive key that is not a tag',
      { 'role-chain': CHAIN, 'session-tags': 'team=data\nenv=prod', 'transitive-tag-keys': 'team, owner' },
      "Input 'transitive-tag-keys' names 'owner', which is not a key of 'session-tags' (team, env).",
    ],
    [
      'transitive keys without tags',
      { 'role-chain': CHAIN, 'transitive-tag-keys': 'team' },
      "Input 'transitive-tag-keys' names 'team', which is not a key of 'session-tags' (none are set).",
    ],
    [
      'a one-character external id',
      { 'role-chain': CHAIN, 'role-external-id': 'x' },
      "Input 'role-external-id' must be 2 to 1224 characters of letters, digits and _ + = , . @ : / -; got 'x' (1 characters).",
    ],
    [
      'an external id with a space',
      { 'role-chain': CHAIN, 'role-external-id': 'my id' },
      "Input 'role-external-id' must be 2 to 1224 characters of letters, digits and _ + = , . @ : / -; got 'my id' (5 characters).",
    ],
    [
      'an external id too long',
      { 'role-chain': CHAIN, 'role-external-id': 'e'.repeat(1225) },
      `Input 'role-external-id' must be 2 to 1224 characters of letters, digits and _ + = , . @ : / -; got '${'e'.repeat(80)}…' (1225 characters).`,
    ],
    [
      'a profile name with a space',
      { profile: 'my profile' },
      "Input 'profile' must be 1 to 64 of letters, digits and _ . -; got 'my profile'.",
    ],
    ['a profile name with a bracket', { profile: 'ci]' }, "Input 'profile' must be 1 to 64 of letters, digits and _ . -; got 'ci]'."],
    [
      'refresh-credentials without a profile',
      { 'refresh-credentials': 'true' },
      "Input 'refresh-credentials' needs 'profile': the refreshing credentials are a profile that SDKs and the AWS CLI read. Set 'profile', e.g. profile: ci.",
    ],
    [
      'refresh-credentials with a token file',
      { 'refresh-credentials': 'true', profile: 'ci', 'web-identity-token-file': 'token' },
      "Input 'refresh-credentials' renews GitHub's OIDC token and cannot renew the token of 'web-identity-token-file'. Remove one of the two.",
    ],
    [
      'refresh-credentials with session tags',
      { 'refresh-credentials': 'true', profile: 'ci', 'role-chain': CHAIN, 'session-tags': 'team=data' },
      "Input 'refresh-credentials' cannot be used with 'session-tags': an AWS profile has no setting for them, so renewed sessions would lack them. Remove them, or leave refresh-credentials off (the credentials then last role-duration-seconds).",
    ],
    [
      'refresh-credentials with a session policy',
      { 'refresh-credentials': 'true', profile: 'ci', 'inline-session-policy': '{"Version":"2012-10-17"}' },
      /^Input 'refresh-credentials' cannot be used with session policies \('inline-session-policy', 'managed-session-policies'\)/,
    ],
    ['a yes/no refresh-credentials', { 'refresh-credentials': 'yes' }, "Input 'refresh-credentials' must be true or false; got 'yes'."],
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
