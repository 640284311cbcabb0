import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { CLUSTER_ID_HEADER, TOKEN_PREFIX } from './eks-token-webhook'

/**
 * A test's own EKS token: a GetCallerIdentity request presigned for
 * 60 seconds with the cluster name as a signed header, base64url-encoded
 * behind `k8s-aws-v1.`, the format `aws eks get-token` prints. Tests use it
 * to reach the bench's API server as an IAM principal.
 */
export interface TokenCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export async function makeEksToken(options: {
  stsEndpoint: string
  clusterName: string
  region: string
  credentials: TokenCredentials
  signingDate?: Date
}): Promise<string> {
  const endpoint = new URL(options.stsEndpoint)
  const signer = new SignatureV4({
    service: 'sts',
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
  })
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: options.clusterName },
    },
    { expiresIn: 60, signingDate: options.signingDate },
  )
  const url = new URL('/', endpoint)
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null) url.searchParams.append(key, item)
  }
  return TOKEN_PREFIX + Buffer.from(url.toString()).toString('base64url')
}
