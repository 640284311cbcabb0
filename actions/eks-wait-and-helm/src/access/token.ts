import { type AwsCredentials, presignUrl } from '../../../../lib/aws/signing'
import { resolveStsEndpoint } from '../../../../lib/aws/sts-endpoint'

export interface StsEndpoint {
  url: URL
  /** The region the presigned request is signed for. */
  signingRegion: string
}

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
 * Where the token's GetCallerIdentity URL points: the region's own STS
 * endpoint in its partition (lib/aws/sts-endpoint), or the standard endpoint
 * variables' (how tests reach moto). The API server's authenticator calls
 * this URL, so it must be a real STS endpoint; the regional one avoids the
 * global endpoint's us-east-1 dependency.
 */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): StsEndpoint {
  return { url: resolveStsEndpoint(region, { kind: 'regional' }, env).url, signingRegion: region }
}

/**
 * The standard EKS bearer token: a presigned STS GetCallerIdentity URL that
 * also signs the cluster name header, base64url-encoded without padding. The
 * API server calls the URL to learn who the caller is.
 */
export async function createEksToken(request: TokenRequest): Promise<EksToken> {
  const signedUrl = await presignUrl(
    {
      method: 'GET',
      url: request.endpoint.url,
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { [CLUSTER_ID_HEADER]: request.clusterName },
    },
    {
      credentials: request.credentials,
      region: request.endpoint.signingRegion,
      service: 'sts',
      now: request.now.getTime(),
      expiresInSeconds: PRESIGN_EXPIRES_SECONDS,
    },
  )
  return {
    token: TOKEN_PREFIX + Buffer.from(signedUrl, 'utf8').toString('base64url'),
    expiresAt: new Date(request.now.getTime() + TOKEN_LIFETIME_MS),
  }
}
