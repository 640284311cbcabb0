import { describe, expect, it } from 'vitest'
import { awsClientConfig } from '../../../lib/aws/clients'
import { endpointFromEnv } from '../../../lib/aws/endpoints'
import { awsErrorCode, httpStatusOf, isAccessDenied, isNetworkError, isTransientAwsError } from '../../../lib/aws/errors'
import { resolveRegion } from '../../../lib/aws/region'
import { UserError } from '../../../lib/errors'

describe('endpointFromEnv', () => {
  it.each([
    ['service variable wins', { AWS_ENDPOINT_URL_EKS: 'http://eks', AWS_ENDPOINT_URL: 'http://all' }, 'EKS', 'http://eks'],
    ['global variable', { AWS_ENDPOINT_URL: 'http://all' }, 'ECR', 'http://all'],
    [
      'spaces and dashes become underscores',
      { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://elb' },
      'Elastic Load Balancing v2',
      'http://elb',
    ],
    ['ignored on request', { AWS_ENDPOINT_URL: 'http://all', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'STS', undefined],
    ['none set', {}, 'STS', undefined],
  ])('%s', (_name, env, service, expected) => expect(endpointFromEnv(service, env)).toBe(expected))

  it('feeds the SDK client config with SDK retries off and a time limit on every call', () => {
    const timeouts = { connectionTimeout: 10_000, requestTimeout: 60_000 }
    const { requestHandler, ...withEndpoint } = awsClientConfig('EKS', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://moto' })
    expect(withEndpoint).toEqual({ region: 'eu-west-1', endpoint: 'http://moto', maxAttempts: 1 })
    expect(requestHandler.httpHandlerConfigs()).toEqual(timeouts)
    const { requestHandler: plainHandler, ...plain } = awsClientConfig('EKS', 'eu-west-1', {})
    expect(plain).toEqual({ region: 'eu-west-1', maxAttempts: 1 })
    expect(plainHandler.httpHandlerConfigs()).toEqual(timeouts)
  })
})

describe('resolveRegion', () => {
  it.each([
    ['input first', 'eu-west-1', { AWS_REGION: 'us-east-1' }, 'eu-west-1'],
    ['AWS_REGION next', undefined, { AWS_REGION: 'us-gov-west-1', AWS_DEFAULT_REGION: 'x' }, 'us-gov-west-1'],
    ['AWS_DEFAULT_REGION last', undefined, { AWS_DEFAULT_REGION: 'cn-north-1' }, 'cn-north-1'],
  ])('%s', (_name, input, env, expected) => expect(resolveRegion('aws-region', input, env)).toBe(expected))
  it.each([
    [undefined, "Input 'aws-region' is required when AWS_REGION is not set. Set it, or run oidc-auth first."],
    ['Europe', "Input 'aws-region' must be an AWS region such as us-east-1; got 'Europe'."],
  ])('rejects %j', (input, message) => {
    let error: unknown
    try {
      resolveRegion('aws-region', input, {})
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UserError)
    const userError = error as UserError
    expect(userError.hint ? `${userError.message} ${userError.hint}` : userError.message).toBe(message)
  })
})

describe('AWS error classification', () => {
  const sdkError = (name: string, status: number, message = '') => ({ name, message, $metadata: { httpStatusCode: status } })
  it.each([
    ['throttling', sdkError('ThrottlingException', 400), true],
    ['5xx', sdkError('Unknown', 503), true],
    ['429', { statusCode: 429 }, true],
    ['IdP unreachable', { Code: 'IDPCommunicationError' }, true],
    ['verification key', sdkError('InvalidIdentityToken', 400, "Couldn't retrieve verification key from your identity provider"), true],
    ['bad token', sdkError('InvalidIdentityToken', 400, 'Incorrect token audience'), false],
    ['access denied', sdkError('AccessDenied', 403), false],
    ['validation', sdkError('ValidationError', 400), false],
    ['connection reset', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), true],
    ['timeout', { name: 'TimeoutError' }, true],
    ['a host that does not exist', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), false],
    [
      'a certificate for another host',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } }),
      false,
    ],
    ['plain string', 'oops', false],
  ])('%s → transient %s', (_name, error, expected) => expect(isTransientAwsError(error)).toBe(expected))

  it('reads codes and statuses, and spots access problems', () => {
    expect(awsErrorCode({ Code: 'A', code: 'B' })).toBe('A')
    expect(awsErrorCode(null)).toBeUndefined()
    expect(httpStatusOf('x')).toBeUndefined()
    expect(isAccessDenied(sdkError('AccessDeniedException', 403))).toBe(true)
    expect(isAccessDenied({ Code: 'ExpiredToken' })).toBe(true)
    expect(isAccessDenied(sdkError('ResourceNotFoundException', 404))).toBe(false)
    expect(isNetworkError(new TypeError('socket hang up'))).toBe(true)
    expect(isNetworkError(new Error('other'))).toBe(false)
    expect(isNetworkError(7)).toBe(false)
  })
})
