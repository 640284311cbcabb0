import { createHash, createHmac } from 'node:crypto'

/**
 * An independent check of an EKS token, written from the SigV4 specification
 * with node:crypto alone (not the signer the action uses): it decodes the
 * token, rebuilds the canonical request the way STS does, and recomputes the
 * signature with the secret key. A token that signs the wrong headers, query
 * or scope fails here as it would at STS.
 */
export interface DecodedToken {
  url: URL
  params: Record<string, string>
}

export function decodeEksToken(token: string): DecodedToken {
  if (!token.startsWith('k8s-aws-v1.')) throw new Error('not an EKS token')
  const encoded = token.slice('k8s-aws-v1.'.length)
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new Error('the token is not unpadded base64url')
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'))
  return { url, params: Object.fromEntries(url.searchParams) }
}

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest()

export function expectedSignature(decoded: DecodedToken, headers: Record<string, string>, secretAccessKey: string): string {
  const { url, params } = decoded
  const [, date, region, service] = (params['X-Amz-Credential'] ?? '').split('/')
  const signedHeaders = (params['X-Amz-SignedHeaders'] ?? '').split(';')
  const canonicalQuery = Object.entries(params)
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)])
    .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const allHeaders: Record<string, string> = { host: url.host, ...headers }
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(allHeaders[name] ?? '').trim()}\n`).join('')
  const canonicalRequest = ['GET', url.pathname || '/', canonicalQuery, canonicalHeaders, signedHeaders.join(';'), sha256('')].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', params['X-Amz-Date'], scope, sha256(canonicalRequest)].join('\n')
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, date ?? '')
  for (const part of [region ?? '', service ?? '', 'aws4_request']) key = hmac(key, part)
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex')
}

/** True when the token's signature is what STS would compute for this cluster header and secret. */
export function tokenSignatureValid(token: string, clusterName: string, secretAccessKey: string): boolean {
  const decoded = decodeEksToken(token)
  return expectedSignature(decoded, { 'x-k8s-aws-id': clusterName }, secretAccessKey) === decoded.params['X-Amz-Signature']
}
