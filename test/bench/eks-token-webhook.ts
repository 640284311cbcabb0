import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'

/**
 * The bench's stand-in for EKS's authenticator: a TokenReview webhook the API
 * server calls (--authentication-token-webhook-config-file) with every bearer
 * token. It checks an EKS token the way EKS does (aws-iam-authenticator's
 * rules): `k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL on
 * the one allowed STS endpoint, only STS's query parameters, the cluster-name
 * header signed, at most 15 minutes old; then it calls that URL with the
 * cluster name header and maps the caller's ARN through a table the test sets,
 * standing in for access entries. Everything else is denied, which the API
 * server answers with 401.
 *
 * What it does not do: STS here is moto, which checks no signature, so a token
 * signed for another cluster or with a wrong secret key is not caught.
 */

export interface AccessEntry {
  /** Kubernetes user name; `{{SessionName}}` and `{{AccountID}}` are filled in. Default: the caller's STS ARN, as EKS does. */
  username?: string
  groups: string[]
}

export interface Identity {
  arn: string
  /** The IAM principal: `arn:aws:iam::<account>:role/<name>` for an assumed role. */
  canonicalArn: string
  account: string
  userId: string
  sessionName?: string
  accessKeyId: string
}

export interface TokenReviewRecord {
  authenticated: boolean
  /** The caller's identity, when STS answered. */
  identity?: Identity
  username?: string
  groups?: string[]
  /** Why a token was denied. */
  reason?: string
}

export interface EksTokenWebhook {
  /** The URL the API server's webhook kubeconfig points at. */
  url: string
  /** Grants an IAM principal (a canonical ARN) access, like creating an access entry. */
  setAccess(principalArn: string, entry: AccessEntry): void
  removeAccess(principalArn: string): void
  /** Every review answered, oldest first. */
  reviews: TokenReviewRecord[]
  stop(): Promise<void>
}

export const TOKEN_PREFIX = 'k8s-aws-v1.'
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id'
const MAX_TOKEN_BYTES = 4096
const TOKEN_LIFETIME_MS = 15 * 60 * 1000
const ALLOWED_PARAMETERS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
])

export class TokenRejected extends Error {}

/** The presigned URL inside an EKS token, after every check that needs no network. */
export function parseEksToken(token: string, stsEndpoint: string, now: Date): URL {
  if (token.length > MAX_TOKEN_BYTES) throw new TokenRejected('token is too large')
  if (!token.startsWith(TOKEN_PREFIX)) throw new TokenRejected(`token is missing the ${TOKEN_PREFIX} prefix`)
  const encoded = token.slice(TOKEN_PREFIX.length)
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new TokenRejected('token is not base64url')
  let url: URL
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    throw new TokenRejected('token does not hold a URL')
  }
  // EKS accepts only its partition's STS hostnames over https; the bench's one STS is moto.
  if (url.origin !== new URL(stsEndpoint).origin) throw new TokenRejected(`unexpected STS endpoint ${url.origin}`)
  if (url.pathname !== '/') throw new TokenRejected('unexpected path in the presigned URL')
  const parameters = new Map<string, string>()
  for (const key of new Set(url.searchParams.keys())) {
    if (!ALLOWED_PARAMETERS.has(key.toLowerCase())) throw new TokenRejected(`query parameter ${key} is not allowed`)
    const values = url.searchParams.getAll(key)
    if (values.length !== 1) throw new TokenRejected(`query parameter ${key} has several values`)
    parameters.set(key.toLowerCase(), values[0] as string)
  }
  if (parameters.get('action') !== 'GetCallerIdentity') throw new TokenRejected('the presigned URL is not GetCallerIdentity')
  const signed = (parameters.get('x-amz-signedheaders') ?? '').toLowerCase().split(';')
  if (!signed.includes(CLUSTER_ID_HEADER)) throw new TokenRejected(`the ${CLUSTER_ID_HEADER} header is not signed`)
  const expires = Number(parameters.get('x-amz-expires'))
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) throw new TokenRejected('X-Amz-Expires is missing or out of range')
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(parameters.get('x-amz-date') ?? '')
  if (!date) throw new TokenRejected('X-Amz-Date is missing or malformed')
  const [, year, month, day, hour, minute, second] = date.map(Number) as number[]
  const signedAt = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second)
  if (now.getTime() > signedAt + TOKEN_LIFETIME_MS) throw new TokenRejected('the token has expired')
  return url
}

/** An STS ARN as the IAM principal an access entry names. */
export function canonicalArn(arn: string): string {
  const assumed = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn)
  if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`
  if (/^arn:[\w-]+:(iam|sts)::\d{12}:\S+$/.test(arn)) return arn
  throw new TokenRejected(`STS returned an ARN the bench does not understand: ${arn}`)
}

type CallerIdentity = { Arn?: string; Account?: string; UserId?: string }

function readCallerIdentity(body: string): CallerIdentity {
  if (body.trimStart().startsWith('{')) {
    const parsed = JSON.parse(body) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: CallerIdentity } }
    return parsed.GetCallerIdentityResponse?.GetCallerIdentityResult ?? {}
  }
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1]
  return { Arn: field('Arn'), Account: field('Account'), UserId: field('UserId') }
}

/** Calls the presigned URL as EKS does and returns who signed it. */
export async function callerOf(url: URL, clusterName: string, fetchFn: typeof fetch = fetch): Promise<Identity> {
  const accessKeyId = (url.searchParams.get('X-Amz-Credential') ?? '').split('/')[0] ?? ''
  const headers: Record<string, string> = { [CLUSTER_ID_HEADER]: clusterName, accept: 'application/json' }
  // moto picks the service, and the caller, only from an Authorization header: it ignores a
  // presigned URL's X-Amz-Credential (this GET alone would reach its S3 ListBuckets). Real
  // STS reads the URL alone. The header names the same credential the URL does, so moto
  // answers with the identity that signed the token.
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}, SignedHeaders=host, Signature=0`
  const response = await fetchFn(url, { headers, redirect: 'manual' })
  const body = await response.text()
  if (response.status !== 200) throw new TokenRejected(`STS answered ${response.status}`)
  const result = readCallerIdentity(body)
  if (!result.Arn || !result.Account || !result.UserId) throw new TokenRejected('STS answered without an identity')
  const [userId, sessionName] = result.UserId.split(':')
  return {
    arn: result.Arn,
    canonicalArn: canonicalArn(result.Arn),
    account: result.Account,
    userId: userId as string,
    sessionName,
    accessKeyId,
  }
}

interface TokenReviewRequest {
  apiVersion?: string
  spec?: { token?: string; audiences?: string[] }
}

export async function startEksTokenWebhook(options: {
  stsEndpoint: string
  clusterName: string
  tls: { cert: string; key: string }
  now?: () => Date
}): Promise<EksTokenWebhook> {
  const access = new Map<string, AccessEntry>()
  const reviews: TokenReviewRecord[] = []
  const now = options.now ?? (() => new Date())

  async function review(token: string): Promise<TokenReviewRecord> {
    try {
      const identity = await callerOf(parseEksToken(token, options.stsEndpoint, now()), options.clusterName)
      const entry = access.get(identity.canonicalArn)
      if (!entry) return { authenticated: false, identity, reason: `no access entry for ${identity.canonicalArn}` }
      const username = (entry.username ?? identity.arn)
        .replaceAll('{{SessionName}}', identity.sessionName ?? '')
        .replaceAll('{{AccountID}}', identity.account)
      return { authenticated: true, identity, username, groups: entry.groups }
    } catch (error) {
      return {
        authenticated: false,
        reason: error instanceof TokenRejected ? error.message : `webhook failure: ${(error as Error).message}`,
      }
    }
  }

  const server: Server = createServer(
    { cert: await readFile(options.tls.cert), key: await readFile(options.tls.key) },
    async (request, response) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      let body: TokenReviewRequest
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TokenReviewRequest
      } catch {
        response.writeHead(400).end()
        return
      }
      const record = await review(body.spec?.token ?? '')
      reviews.push(record)
      const status = record.authenticated
        ? {
            authenticated: true,
            user: {
              username: record.username,
              uid: `aws-iam-authenticator:${record.identity?.account}:${record.identity?.userId}`,
              groups: record.groups,
              extra: {
                arn: [record.identity?.arn],
                canonicalArn: [record.identity?.canonicalArn],
                sessionName: [record.identity?.sessionName ?? ''],
                accessKeyId: [record.identity?.accessKeyId],
              },
            },
            ...(body.spec?.audiences ? { audiences: body.spec.audiences } : {}),
          }
        : { authenticated: false, error: record.reason }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ apiVersion: body.apiVersion ?? 'authentication.k8s.io/v1', kind: 'TokenReview', status }))
    },
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}/authenticate`,
    setAccess: (arn, entry) => access.set(arn, entry),
    removeAccess: (arn) => access.delete(arn),
    reviews,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
