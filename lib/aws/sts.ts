import { type HttpFetch, httpFetch } from '../http'
import { xmlText } from './query-xml'
import { type AwsCredentials, signRequest } from './signing'

/**
 * A client for the three STS calls the actions make, over STS's Query API
 * (form-encoded POST, XML answer) over node:http(s). AssumeRoleWithWebIdentity is
 * authorised by the token itself and goes unsigned; AssumeRole and
 * GetCallerIdentity are signed with SigV4 (lib/aws/signing). The client makes exactly one
 * request per call: retrying is the caller's decision (lib/retry), and its
 * errors carry the `code` and `statusCode` that lib/aws/errors classifies.
 */

export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string
  /** ISO 8601, as STS returned it (normalised to UTC milliseconds when it parses). */
  expiration: string
}

export interface AssumedRole {
  credentials: TemporaryCredentials
  /** arn:<partition>:sts::<account>:assumed-role/<role>/<session> */
  assumedRoleArn: string
  assumedRoleId: string
}

export interface CallerIdentity {
  account: string
  arn: string
  userId: string
}

export interface AssumeRoleParams {
  roleArn: string
  roleSessionName: string
  durationSeconds?: number
  /** An inline session policy, as JSON text. */
  policy?: string
  /** Managed policy ARNs used as session policies. */
  policyArns?: readonly string[]
}

/** What only AssumeRole takes: AssumeRoleWithWebIdentity gets its tags from the token's claims and has no external id. */
export interface ChainedRoleParams extends AssumeRoleParams {
  tags?: readonly { key: string; value: string }[]
  transitiveTagKeys?: readonly string[]
  externalId?: string
}

export interface AssumeRoleWithWebIdentityParams extends AssumeRoleParams {
  webIdentityToken: string
}

export interface StsClientOptions {
  endpoint: URL
  /** The signing region: the region the endpoint serves. */
  region: string
  /** How requests are sent; node:http(s) unless a test passes its own (fetch fits). */
  fetch?: HttpFetch
  /** Milliseconds since the epoch, for the signature date. */
  now?: () => number
  userAgent?: string
}

/** An error STS answered with, or an answer that was not STS's. */
export class StsError extends Error {
  override readonly name = 'StsError'
  constructor(
    readonly action: string,
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly requestId?: string,
  ) {
    super(message)
  }
}

const VERSION = '2011-06-15'

export class StsClient {
  private readonly fetch: HttpFetch
  private readonly now: () => number

  constructor(private readonly options: StsClientOptions) {
    this.fetch = options.fetch ?? httpFetch
    this.now = options.now ?? Date.now
  }

  get endpoint(): URL {
    return this.options.endpoint
  }

  async assumeRoleWithWebIdentity(params: AssumeRoleWithWebIdentityParams, signal?: AbortSignal): Promise<AssumedRole> {
    const body = await this.call(
      'AssumeRoleWithWebIdentity',
      { ...roleParams(params), WebIdentityToken: params.webIdentityToken },
      undefined,
      signal,
    )
    return assumedRoleFrom('AssumeRoleWithWebIdentity', body)
  }

  async assumeRole(params: ChainedRoleParams, credentials: AwsCredentials, signal?: AbortSignal): Promise<AssumedRole> {
    const body = await this.call('AssumeRole', { ...roleParams(params), ...chainedRoleParams(params) }, credentials, signal)
    return assumedRoleFrom('AssumeRole', body)
  }

  async getCallerIdentity(credentials: AwsCredentials, signal?: AbortSignal): Promise<CallerIdentity> {
    const body = await this.call('GetCallerIdentity', {}, credentials, signal)
    const field = (name: string) => required('GetCallerIdentity', body, 'GetCallerIdentityResult', name)
    return { account: field('Account'), arn: field('Arn'), userId: field('UserId') }
  }

  private async call(
    action: string,
    params: Record<string, string>,
    credentials: AwsCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const url = this.options.endpoint
    const body = new URLSearchParams({ Action: action, Version: VERSION, ...params }).toString()
    let headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
    if (credentials) {
      headers = await signRequest(
        { method: 'POST', url, headers, body },
        { credentials, region: this.options.region, service: 'sts', now: this.now() },
      )
      // Host comes from the URL, to the same value that was signed.
      delete headers.host
    }
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent
    const response = await this.fetch(url, { method: 'POST', headers, body, signal })
    const text = await response.text()
    if (!response.ok) throw errorFrom(action, response.status, text)
    return text
  }
}

function roleParams(params: AssumeRoleParams): Record<string, string> {
  const fields: Record<string, string> = { RoleArn: params.roleArn, RoleSessionName: params.roleSessionName }
  if (params.durationSeconds !== undefined) fields.DurationSeconds = String(params.durationSeconds)
  if (params.policy !== undefined) fields.Policy = params.policy
  params.policyArns?.forEach((arn, index) => {
    fields[`PolicyArns.member.${index + 1}.arn`] = arn
  })
  return fields
}

function chainedRoleParams(params: ChainedRoleParams): Record<string, string> {
  const fields: Record<string, string> = {}
  params.tags?.forEach((tag, index) => {
    fields[`Tags.member.${index + 1}.Key`] = tag.key
    fields[`Tags.member.${index + 1}.Value`] = tag.value
  })
  params.transitiveTagKeys?.forEach((key, index) => {
    fields[`TransitiveTagKeys.member.${index + 1}`] = key
  })
  if (params.externalId !== undefined) fields.ExternalId = params.externalId
  return fields
}

function assumedRoleFrom(action: string, body: string): AssumedRole {
  const result = `${action}Result`
  const field = (...path: string[]) => required(action, body, result, ...path)
  return {
    credentials: {
      accessKeyId: field('Credentials', 'AccessKeyId'),
      secretAccessKey: field('Credentials', 'SecretAccessKey'),
      sessionToken: field('Credentials', 'SessionToken'),
      expiration: normaliseTime(field('Credentials', 'Expiration')),
    },
    assumedRoleArn: field('AssumedRoleUser', 'Arn'),
    assumedRoleId: field('AssumedRoleUser', 'AssumedRoleId'),
  }
}

function required(action: string, body: string, ...path: string[]): string {
  const value = xmlText(body, ...path)
  if (!value) {
    // The body may hold credentials: name the missing field, never echo the body.
    throw new StsError(action, 'MalformedResponse', `the ${action} answer has no ${path.join('/')}`, 200)
  }
  return value
}

function normaliseTime(text: string): string {
  const time = Date.parse(text)
  return Number.isNaN(time) ? text : new Date(time).toISOString()
}

function errorFrom(action: string, status: number, body: string): StsError {
  const code = xmlText(body, 'Error', 'Code')
  const message = xmlText(body, 'Error', 'Message')
  const requestId = xmlText(body, 'RequestId')
  if (code) return new StsError(action, code, message || code, status, requestId)
  // Not STS speaking: a proxy or load balancer. Its status still tells transient from not.
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200)
  return new StsError(action, `HTTP${status}`, `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, status)
}
