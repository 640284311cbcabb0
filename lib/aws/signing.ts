import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'

/**
 * AWS Signature Version 4, signed by the AWS SDK's own signer
 * (@smithy/signature-v4): the Authorization header of the STS Query API
 * calls (lib/aws/sts) and the presigned GetCallerIdentity URL of the EKS
 * token (eks-wait-and-helm). One signer for both, instead of a hand-written
 * one beside the SDK's.
 */

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface SigningContext {
  credentials: AwsCredentials
  region: string
  service: string
  /** Milliseconds since the epoch; passed in so tests sign at a known time. */
  now: number
}

export interface SignableRequest {
  method: string
  url: URL
  /** Header names in any case; all of them are signed. */
  headers: Record<string, string>
  body?: string
}

function signer(context: SigningContext): SignatureV4 {
  return new SignatureV4({
    credentials: context.credentials,
    region: context.region,
    service: context.service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    // x-amz-content-sha256 is an S3 header; STS and EKS's authenticator do not want it.
    applyChecksum: false,
  })
}

// Repeated keys become arrays, the way the SDK's HttpRequest holds them.
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

function httpRequest(request: SignableRequest, extraQuery: Record<string, string> = {}) {
  const { url } = request
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
  headers.host = url.host
  return {
    method: request.method.toUpperCase(),
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname || '/',
    query: { ...queryOf(url.searchParams), ...extraQuery },
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  }
}

/** The headers to send, lower-cased: the given ones plus host, x-amz-date, the session token and Authorization. */
export async function signRequest(request: SignableRequest, context: SigningContext): Promise<Record<string, string>> {
  const signed = await signer(context).sign(httpRequest(request), { signingDate: new Date(context.now) })
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = String(value)
  return headers
}

/** A URL that carries its own signature in the query, valid for `expiresInSeconds`; the headers given are signed too. */
export async function presignUrl(
  request: SignableRequest & { query?: Record<string, string> },
  context: SigningContext & { expiresInSeconds: number },
): Promise<string> {
  const presigned = await signer(context).presign(httpRequest(request, request.query), {
    expiresIn: context.expiresInSeconds,
    signingDate: new Date(context.now),
  })
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null && item !== undefined) query.append(key, item)
  }
  return `${request.url.protocol}//${request.url.host}${request.url.pathname || '/'}?${query.toString()}`
}
