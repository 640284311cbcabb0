import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AwsCredentials } from './credentials'
import type { StsEndpoint } from './sts-endpoint'

export const TOKEN_PREFIX = 'k8s-aws-v1.'
/** The header naming the cluster; signing it binds the token to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id'
/** Older API servers reject presigned URLs that claim to live longer than this. */
export const PRESIGN_EXPIRES_SECONDS = 60
/**
 * The API server accepts a token for 15 minutes after it was signed; clients
 * are told 14 so they refresh before the server refuses it.
 */
export const TOKEN_LIFETIME_MS = 14 * 60_000

export interface EksToken {
  token: string
  expiresAt: Date
}

export interface TokenRequest {
  clusterName: string
  credentials: AwsCredentials
  endpoint: StsEndpoint
  now: Date
}

/**
 * The standard EKS bearer token: a presigned STS GetCallerIdentity URL that
 * also signs the cluster name header, base64url-encoded without padding. The
 * API server calls the URL to learn who the caller is.
 */
export async function createEksToken(request: TokenRequest): Promise<EksToken> {
  const { url } = request.endpoint
  const signer = new SignatureV4({
    service: 'sts',
    region: request.endpoint.signingRegion,
    credentials: request.credentials,
    sha256: Hash.bind(null, 'sha256'),
  })
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname || '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.host, [CLUSTER_ID_HEADER]: request.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: request.now },
  )
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(key, item)
  }
  const signedUrl = `${url.protocol}//${url.host}${url.pathname || '/'}?${query.toString()}`
  return {
    token: TOKEN_PREFIX + Buffer.from(signedUrl, 'utf8').toString('base64url'),
    expiresAt: new Date(request.now.getTime() + TOKEN_LIFETIME_MS),
  }
}
