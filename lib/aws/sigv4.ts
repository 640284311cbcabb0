import { createHash, createHmac } from 'node:crypto'

/**
 * AWS Signature Version 4 for one HTTP request, in the Authorization header.
 *
 * A small signer of our own rather than @smithy/signature-v4: the SDK's signer
 * pulls about 190 KB of minified code into each bundle, and the whole
 * algorithm is a few HMACs. Its output is checked against @smithy/signature-v4
 * in the tests, which serves as the oracle.
 */

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface SignableRequest {
  method: string
  url: URL
  /** Header names in any case; all of them are signed. */
  headers: Record<string, string>
  body: string
}

export interface SigningContext {
  credentials: AwsCredentials
  region: string
  service: string
  /** Milliseconds since the epoch; passed in so tests sign at a known time. */
  now: number
}

/** Returns the headers to send: the given ones plus host, x-amz-date, the session token and Authorization. */
export function signRequest(request: SignableRequest, context: SigningContext): Record<string, string> {
  const { credentials, region, service } = context
  const amzDate = new Date(context.now).toISOString().replace(/[:-]|\.\d{3}/g, '')
  const day = amzDate.slice(0, 8)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
  headers.host = request.url.host
  headers['x-amz-date'] = amzDate
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken

  const names = Object.keys(headers).sort()
  const signedHeaders = names.join(';')
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    names.map((name) => `${name}:${(headers[name] as string).trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  const key = [day, region, service, 'aws4_request'].reduce<Buffer | string>(
    (previous, part) => hmac(previous, part),
    `AWS4${credentials.secretAccessKey}`,
  )
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return headers
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 requires.
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

// Services other than S3 sign the path as sent, encoded once more.
function canonicalPath(pathname: string): string {
  return pathname === '' ? '/' : pathname.split('/').map(uriEscape).join('/')
}

function canonicalQuery(params: URLSearchParams): string {
  return (
    [...params]
      .map(([key, value]) => [uriEscape(key), uriEscape(value)] as const)
      // By key, then by value; never by the joined text, where '=' would order 'a-b' before 'a'.
      .sort(([keyA, valueA], [keyB, valueB]) => (keyA === keyB ? compare(valueA, valueB) : compare(keyA, keyB)))
      .map(([key, value]) => `${key}=${value}`)
      .join('&')
  )
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex')
}
