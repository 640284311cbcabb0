import { endpointFromEnv } from '../../../../lib/aws/endpoints'

export interface StsEndpoint {
  url: URL
  /** The region the presigned request is signed for. */
  signingRegion: string
}

/**
 * Where the token's GetCallerIdentity URL points. The API server's
 * authenticator calls this URL, so it must be a real STS endpoint; the
 * regional one avoids the global endpoint's us-east-1 dependency. The
 * standard endpoint variables override it, which is how tests reach moto.
 */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): StsEndpoint {
  const override = endpointFromEnv('STS', env)
  if (override) return { url: new URL(override), signingRegion: region }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'
  return { url: new URL(`https://sts.${region}.${suffix}/`), signingRegion: region }
}
