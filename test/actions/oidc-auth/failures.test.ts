import { describe, expect, it } from 'vitest'
import { claimText, decodeClaims, matchingCondition } from '../../../actions/oidc-auth/src/claims'
import { describeError } from '../../../actions/oidc-auth/src/describe'
import { explainFailure } from '../../../actions/oidc-auth/src/failures'
import { type Inputs, parseInputs } from '../../../actions/oidc-auth/src/inputs'
import { StepFailure } from '../../../actions/oidc-auth/src/session'
import { classifyTokenFailure, TokenRequestError } from '../../../actions/oidc-auth/src/token'
import { StsError } from '../../../lib/aws/sts'
import { UserError, userMessage } from '../../../lib/errors'
import { IdTokenRequestError } from '../../../lib/id-token'
import { DeadlineExceededError } from '../../../lib/retry'

const ROLE = 'arn:aws:iam::111122223333:role/ci'
const ENDPOINT = 'https://sts.eu-west-1.amazonaws.com'
const inputs = (overrides: Record<string, string> = {}): Inputs => {
  const all: Record<string, string> = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...overrides }
  return parseInputs((name) => all[name] ?? '', {})
}
const token = (claims: Record<string, unknown>) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`
const sts = (code: string, message: string, status = 400) => new StsError('AssumeRoleWithWebIdentity', code, message, status)
const webIdentity = (error: unknown, jwt?: string) => new StepFailure('AssumeRoleWithWebIdentity', error, 1, ROLE, undefined, jwt)

function explain(failure: StepFailure, overrides: Record<string, string> = {}, outOfTime = false) {
  const { error, details } = explainFailure(failure, { inputs: inputs(overrides), endpoint: ENDPOINT, outOfTime })
  return { text: error instanceof UserError ? userMessage(error) : `BUG: ${error.message}`, details }
}

describe('explainFailure', () => {
  const enterprise = token({
    iss: 'https://token.actions.githubusercontent.com/acme',
    aud: 'sts.amazonaws.com',
    sub: 'repo:acme/app:ref:refs/heads/main',
  })
  it.each([
    [
      'a wrong audience',
      webIdentity(sts('InvalidIdentityToken', 'Incorrect token audience'), token({ aud: 'api://custom' })),
      {},
      "STS rejected the token's audience 'api://custom' for arn:aws:iam::111122223333:role/ci (InvalidIdentityToken: Incorrect token audience). Set 'audience' to a client ID of the account's IAM OIDC provider (sts.amazonaws.com is the usual one), or add 'api://custom' to the provider's client IDs.",
    ],
    [
      'a wrong audience, token not a JWT',
      webIdentity(sts('InvalidIdentityToken', 'Incorrect token audience'), 'opaque'),
      { audience: 'mine' },
      "STS rejected the token's audience 'mine' for arn:aws:iam::111122223333:role/ci (InvalidIdentityToken: Incorrect token audience). Set 'audience' to a client ID of the account's IAM OIDC provider (sts.amazonaws.com is the usual one), or add 'mine' to the provider's client IDs.",
    ],
    [
      'no OIDC provider in the account',
      webIdentity(
        sts('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com/acme'),
        enterprise,
      ),
      {},
      'STS found no IAM OIDC provider for https://token.actions.githubusercontent.com/acme in the account of arn:aws:iam::111122223333:role/ci (InvalidIdentityToken: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com/acme). Create the provider (the github-oidc-role Terraform module does) in account 111122223333.',
    ],
    [
      'no OIDC provider, token not a JWT',
      webIdentity(sts('InvalidIdentityToken', 'No OpenIDConnect provider found'), 'opaque'),
      {},
      'STS found no IAM OIDC provider for the token issuer in the account of arn:aws:iam::111122223333:role/ci (InvalidIdentityToken: No OpenIDConnect provider found). Create the provider (the github-oidc-role Terraform module does) in account 111122223333.',
    ],
    [
      'another token problem',
      webIdentity(sts('InvalidIdentityToken', 'Token signature invalid'), enterprise),
      {},
      'AssumeRoleWithWebIdentity for arn:aws:iam::111122223333:role/ci failed (InvalidIdentityToken: Token signature invalid).',
    ],
    [
      'an expired GitHub token',
      webIdentity(sts('ExpiredTokenException', 'Token expired: current date/time 1 must be before the expiration date/time 0')),
      {},
      "STS says the web identity token has expired (ExpiredTokenException: Token expired: current date/time 1 must be before the expiration date/time 0). The runner's clock may be wrong; re-run the job.",
    ],
    [
      'an expired token file',
      webIdentity(sts('ExpiredTokenException', 'Token expired')),
      // A path in the workspace: one outside it is refused before anything is sent.
      { 'web-identity-token-file': 'tokens/jwt' },
      `STS says the web identity token has expired (ExpiredTokenException: Token expired). Write a fresh token to ${process.cwd()}/tokens/jwt right before this step.`,
    ],
    [
      'AccessDenied with a token that is not a JWT',
      webIdentity(sts('AccessDenied', 'Not authorized', 403), 'opaque'),
      {},
      "Not authorized to assume arn:aws:iam::111122223333:role/ci with the web identity token (AccessDenied: Not authorized). The role's trust policy must allow sts:AssumeRoleWithWebIdentity for this token's identity provider, audience and subject.",
    ],
    [
      'a duration above the role maximum',
      new StepFailure(
        'AssumeRole',
        sts('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'),
        1,
        'arn:aws:iam::444455556666:role/b',
        ROLE,
      ),
      { 'role-duration-seconds': '3600' },
      "STS refused a session of 3600 seconds for arn:aws:iam::444455556666:role/b (ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role). Lower 'role-duration-seconds' to at most the role's maximum session duration, or raise the role's MaxSessionDuration.",
    ],
    [
      'a malformed session policy',
      webIdentity(sts('MalformedPolicyDocument', 'Syntax errors in policy.')),
      {},
      "STS rejected the session policies for arn:aws:iam::111122223333:role/ci (MalformedPolicyDocument: Syntax errors in policy). Fix or shorten 'inline-session-policy', or list fewer 'managed-session-policies'.",
    ],
    [
      'a region where STS is off',
      new StepFailure('GetCallerIdentity', sts('RegionDisabledException', 'STS is not activated in this region'), 1),
      {},
      "STS is not activated in eu-west-1 for the account (RegionDisabledException: STS is not activated in this region). Activate it in IAM's account settings, or use another 'aws-region'.",
    ],
    [
      'an unknown STS error',
      new StepFailure('GetCallerIdentity', sts('InvalidClientTokenId', 'The security token included in the request is invalid'), 1),
      {},
      'GetCallerIdentity failed (InvalidClientTokenId: The security token included in the request is invalid).',
    ],
    [
      'an endpoint that does not resolve',
      webIdentity(
        new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND sts.nowhere'), { code: 'ENOTFOUND' }) }),
      ),
      {},
      "Could not reach STS at https://sts.eu-west-1.amazonaws.com: fetch failed (getaddrinfo ENOTFOUND sts.nowhere). Check 'aws-region' and 'sts-endpoint'.",
    ],
    [
      'a refused token request',
      webIdentity(new TokenRequestError('the GitHub OIDC token request failed: 401', false, 401)),
      {},
      "Could not get a GitHub OIDC token: the GitHub OIDC token request failed: 401. Check that the job has 'permissions: id-token: write'; a 401 or 403 means the runner's request token was refused.",
    ],
    [
      'a deadline that passed',
      webIdentity(new DeadlineExceededError(3, sts('Throttling', 'Rate exceeded'))),
      { timeout: '10s' },
      "Could not get AWS credentials within the 10 s timeout: AssumeRoleWithWebIdentity for arn:aws:iam::111122223333:role/ci made 1 attempt, the last failed with Throttling: Rate exceeded. Raise 'timeout' if STS at https://sts.eu-west-1.amazonaws.com is slow or throttling; otherwise check that the runner can reach it.",
    ],
    ['a user error from inside a step', webIdentity(new UserError('The token file is empty.')), {}, 'The token file is empty.'],
    [
      "a malformed answer, which is the endpoint's fault",
      new StepFailure('GetCallerIdentity', new StsError('GetCallerIdentity', 'MalformedResponse', 'the answer has no Account', 200), 1),
      {},
      "STS at https://sts.eu-west-1.amazonaws.com answered GetCallerIdentity with HTTP 200 but not as STS does: the answer has no Account. Check 'sts-endpoint' and AWS_ENDPOINT_URL_STS, and any proxy between the runner and STS (HTTPS_PROXY).",
    ],
    ['anything else, which is a bug', webIdentity('a string'), {}, 'BUG: a string'],
  ])('%s', (_name, failure, overrides, expected) => {
    const { text, details } = explain(failure, overrides)
    expect(text).toBe(expected)
    expect(text).not.toContain('\n')
    expect(details).toEqual([])
  })

  it('says the deadline passed even when the last error was an attempt that ran out of time', () => {
    const { text } = explain(new StepFailure('GetCallerIdentity', sts('Throttling', 'Rate exceeded'), 2), {}, true)
    expect(text).toMatch(
      /^Could not get AWS credentials within the 60 s timeout: GetCallerIdentity made 2 attempts, the last failed with Throttling/,
    )
  })

  it('AccessDenied lists the claims, enterprise issuers included', () => {
    const { text, details } = explain(webIdentity(sts('AccessDenied', 'Not authorized', 403), enterprise))
    expect(text).toContain("does not accept sub 'repo:acme/app:ref:refs/heads/main' with aud 'sts.amazonaws.com'")
    expect(details).toContain('        "token.actions.githubusercontent.com/acme:sub": "repo:acme/app:ref:refs/heads/main"')
    expect(details).toContain('  environment       (absent)')
  })
})

describe('claims', () => {
  it.each([
    ['not a JWT', 'opaque', undefined],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c', undefined],
    ['a payload that is a list', `a.${Buffer.from('[1]').toString('base64url')}.c`, undefined],
    ['a JWT', token({ sub: 'x' }), { sub: 'x' }],
  ])('decodes %s', (_name, jwt, expected) => expect(decodeClaims(jwt)).toEqual(expected))

  it('writes claims and conditions for any claim shape', () => {
    expect(claimText(['a', 'b'])).toBe('["a","b"]')
    expect(matchingCondition({ aud: ['first', 'second'], sub: 's' })).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'first', 'token.actions.githubusercontent.com:sub': 's' },
    })
  })
})

describe('token failures and error descriptions', () => {
  it.each([
    ['a 500', new IdTokenRequestError('HTTP 500: boom', 500), true, 500],
    ['a 429', new IdTokenRequestError('HTTP 429: slow down', 429), true, 429],
    ['a 401', new IdTokenRequestError('HTTP 401: no', 401), false, 401],
    ['an answer without a token', new IdTokenRequestError('the answer held no token'), true, undefined],
    [
      'no answer at all',
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }),
      true,
      undefined,
    ],
  ])('classifies %s', (_name, failure, transient, status) => {
    const error = classifyTokenFailure(failure)
    expect(error).toMatchObject({ transient, status })
    expect(error.message).toBe(`the GitHub OIDC token request failed: ${describeError(failure)}`)
  })

  it('describes errors in one line', () => {
    expect(classifyTokenFailure('text').message).toBe('the GitHub OIDC token request failed: text')
    expect(describeError(new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' } }))).toBe(
      'fetch failed (UND_ERR_SOCKET: other side closed)',
    )
    expect(describeError(new TypeError('fetch failed', { cause: 'odd' }))).toBe('fetch failed (odd)')
    expect(describeError(new StsError('GetCallerIdentity', 'HTTP502', 'HTTP 502: Bad Gateway', 502))).toBe('HTTP 502: Bad Gateway')
  })
})
