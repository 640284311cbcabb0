import { UserError } from '../errors'
/** What an AWS failure is, read from the SDK's error shape or our own Query API client's. */
export interface AwsErrorShape {
  name?: string
  code?: string
  Code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  statusCode?: number
  cause?: unknown
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
])

const TRANSIENT_CODES = new Set([
  'IDPCommunicationError',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
])

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

// Failures to reach a host that a retry cannot change: a name that does not exist, a certificate that does not match.
const PERMANENT_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const shape = error as AwsErrorShape
  return shape.Code ?? shape.code ?? shape.name
}

export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const shape = error as AwsErrorShape
  return shape.$metadata?.httpStatusCode ?? shape.statusCode
}

export function isAccessDenied(error: unknown): boolean {
  const code = awsErrorCode(error) ?? ''
  return /AccessDenied|UnauthorizedOperation|NotAuthorized|InvalidClientTokenId|ExpiredToken|UnrecognizedClient/.test(code)
}

/**
 * Transient: throttling, 5xx, the IdP that STS could not reach, network resets
 * and timeouts. Everything else (AccessDenied, validation, not found) is a
 * fact that retrying only delays.
 */
export function isTransientAwsError(error: unknown): boolean {
  const code = awsErrorCode(error)
  if (code && (THROTTLING.has(code) || TRANSIENT_CODES.has(code))) return true
  if (code === 'InvalidIdentityToken' && /verification key/i.test(messageText(error))) return true
  const status = httpStatusOf(error)
  if (status !== undefined && (status === 429 || status >= 500)) return true
  return isNetworkError(error)
}

export function isNetworkError(error: unknown): boolean {
  if (hasPermanentNetworkCause(error)) return false
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false
    const shape = current as { code?: string; name?: string; cause?: unknown }
    if (shape.code && NETWORK_CODES.has(shape.code)) return true
    if (shape.name === 'TimeoutError' || shape.name === 'AbortError') return true
    if (current instanceof TypeError && /fetch failed|socket|terminated/i.test(current.message)) return true
    current = shape.cause
  }
  return false
}

function hasPermanentNetworkCause(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && PERMANENT_NETWORK_CODES.has(code)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function messageText(error: unknown): string {
  return typeof error === 'object' && error !== null ? String((error as AwsErrorShape).message ?? '') : ''
}

/** The SDK could not read the answer as the service's protocol: the endpoint is not that AWS service (a web page, a proxy). */
export function isUnreadableAnswer(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  return error instanceof SyntaxError || /Deserialization error|is not valid JSON|Unexpected token/i.test(messageText(error))
}

/** The connection was refused, reset or timed out, or the name did not resolve: the error code, for a message. */
export function networkCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const shape = current as { code?: unknown; name?: unknown; cause?: unknown }
    if (typeof shape.code === 'string' && (NETWORK_CODES.has(shape.code) || PERMANENT_NETWORK_CODES.has(shape.code))) return shape.code
    if (shape.name === 'TimeoutError') return 'no answer in time'
    current = shape.cause
  }
  return undefined
}

/**
 * A failure that is the endpoint's, not ours nor the user's configuration of
 * the resource: nothing answers there, or something that is not the AWS
 * service does. One line naming the service and the endpoint, so the error
 * boundary does not call it a bug; undefined for anything else.
 */
export function endpointFault(error: unknown, service: string, endpoint: string): UserError | undefined {
  const hint = `Check AWS_ENDPOINT_URL_${service.toUpperCase()} (or AWS_ENDPOINT_URL), the region, and any proxy between the runner and AWS.`
  if (isUnreadableAnswer(error)) {
    const status = httpStatusOf(error)
    return new UserError(
      `${service} at ${endpoint} answered${status ? ` HTTP ${status}` : ''} with something that is not an ${service} API answer.`,
      hint,
    )
  }
  const code = networkCodeOf(error)
  if (code) return new UserError(`Could not reach ${service} at ${endpoint} (${code}).`, hint)
  return undefined
}
