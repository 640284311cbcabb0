import { resolveRegion } from '../../../lib/aws/region'
import { parseStsEndpointSetting, type StsEndpointSetting } from '../../../lib/aws/sts-endpoint'
import { UserError } from '../../../lib/errors'
import { hasControlCharacters } from '../../../lib/escape'
import {
  parseBoolean,
  parseDuration,
  parseInteger,
  parseItems,
  parseRoleArn,
  type ReadInput,
  type RoleArn,
  readRaw,
} from '../../../lib/inputs'
import { resolveInWorkspace } from '../../../lib/workspace'
import { parseExternalId } from './external-id'
import { parseProfileName } from './profile'
import { parseSessionName } from './session-name'
import { parseInlinePolicy, parseManagedPolicies } from './session-policies'
import { parseSessionTags, parseTransitiveTagKeys, type SessionTag } from './session-tags'

export interface Inputs {
  role: RoleArn
  region: string
  audience: string
  /** When set, the token is read from this file instead of requested from GitHub. */
  webIdentityTokenFile?: string
  roleSessionName: string
  durationSeconds: number
  inlineSessionPolicy?: string
  managedSessionPolicies: string[]
  /** Roles assumed one after another with the previous credentials; the last one's credentials are exported. */
  roleChain: RoleArn[]
  /** Tags for the chained AssumeRole calls (AssumeRoleWithWebIdentity takes its tags from the token only). */
  sessionTags: SessionTag[]
  /** Keys of sessionTags that pass on along the chain. */
  transitiveTagKeys: string[]
  /** Sent with every chained AssumeRole. */
  externalId?: string
  /** Write the credentials as this profile in a private file instead of exporting the keys. */
  profile?: string
  /** The profile re-assumes the role by itself from a token file kept fresh in the background. */
  refreshCredentials: boolean
  allowedAccountIds: string[]
  maskAccountId: boolean
  outputCredentials: boolean
  stsEndpoint: StsEndpointSetting
  maxAttempts: number
  timeoutMs: number
}

/** AWS caps a session obtained by role chaining at one hour. */
export const CHAINED_SESSION_MAX_SECONDS = 3600

/** Reads every input once, failing on the first bad one with a line that names it. */
export function parseInputs(read: ReadInput = readRaw, env: NodeJS.ProcessEnv = process.env): Inputs {
  const role = parseRoleArn('role-to-assume', required('role-to-assume', read('role-to-assume')))
  const regionInput = read('aws-region')
  if (!regionInput && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    throw new UserError("Input 'aws-region' is required (or set AWS_REGION), e.g. us-east-1.")
  }
  const region = resolveRegion('aws-region', regionInput || undefined, env)
  const roleChain = items(read('role-chain')).map((arn) => parseRoleArn('role-chain', arn))
  const durationSeconds = parseInteger('role-duration-seconds', read('role-duration-seconds'), 3600, { min: 900, max: 43_200 })
  if (roleChain.length > 0 && durationSeconds > CHAINED_SESSION_MAX_SECONDS) {
    throw new UserError(
      `Input 'role-duration-seconds' must be at most ${CHAINED_SESSION_MAX_SECONDS} when 'role-chain' is set (AWS limits chained role sessions to one hour); got ${durationSeconds}.`,
    )
  }
  const tokenFile = read('web-identity-token-file')
  const chained = parseChainOptions(read, roleChain.length > 0)
  const inlineSessionPolicy = parseInlinePolicy('inline-session-policy', read('inline-session-policy'))
  const managedSessionPolicies = parseManagedPolicies('managed-session-policies', items(read('managed-session-policies')))
  const profile = parseProfileName('profile', read('profile'))
  const refreshCredentials = parseBoolean('refresh-credentials', read('refresh-credentials'), false)
  if (refreshCredentials) {
    checkRefreshable({
      profile,
      tokenFile,
      tags: chained.sessionTags.length > 0,
      policies: Boolean(inlineSessionPolicy) || managedSessionPolicies.length > 0,
    })
  }
  const timeoutMs = parseDuration('timeout', read('timeout'), 60_000)
  if (timeoutMs < 1000) throw new UserError(`Input 'timeout' must be at least 1s; got '${read('timeout')}'.`)
  return {
    role,
    region,
    audience: parseAudience(read('audience')),
    webIdentityTokenFile: tokenFile
      ? resolveInWorkspace('web-identity-token-file', tokenFile, {
          workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
          also: env.RUNNER_TEMP ? [env.RUNNER_TEMP] : [],
        })
      : undefined,
    roleSessionName: parseSessionName('role-session-name', read('role-session-name'), env),
    durationSeconds,
    inlineSessionPolicy,
    managedSessionPolicies,
    roleChain,
    ...chained,
    profile,
    refreshCredentials,
    allowedAccountIds: parseAccountIds('allowed-account-ids', items(read('allowed-account-ids'))),
    maskAccountId: parseBoolean('mask-account-id', read('mask-account-id'), false),
    outputCredentials: parseBoolean('output-credentials', read('output-credentials'), false),
    stsEndpoint: parseStsEndpointSetting('sts-endpoint', read('sts-endpoint')),
    maxAttempts: parseInteger('retry-max-attempts', read('retry-max-attempts'), 6, { min: 1, max: 20 }),
    timeoutMs,
  }
}

/**
 * Tags and the external id go with the chained AssumeRole calls only:
 * AssumeRoleWithWebIdentity has no Tags parameter (its tags come from the
 * token's claims, and GitHub's token carries none) and no ExternalId.
 */
function parseChainOptions(read: ReadInput, hasChain: boolean): Pick<Inputs, 'sessionTags' | 'transitiveTagKeys' | 'externalId'> {
  const sessionTags = parseSessionTags('session-tags', read('session-tags'))
  const transitiveTagKeys = parseTransitiveTagKeys('transitive-tag-keys', read('transitive-tag-keys'), sessionTags, 'session-tags')
  const externalId = parseExternalId('role-external-id', read('role-external-id'))
  if (!hasChain) {
    const given = [
      sessionTags.length > 0 ? 'session-tags' : '',
      transitiveTagKeys.length > 0 ? 'transitive-tag-keys' : '',
      externalId ? 'role-external-id' : '',
    ].filter(Boolean)
    if (given.length > 0) {
      throw new UserError(
        `Input '${given[0]}' applies to the roles of 'role-chain', which is empty: AssumeRoleWithWebIdentity takes no session tags or external id (its tags come only from the token's claims).`,
        "Put the role that needs them in 'role-chain' (its trust policy must allow sts:AssumeRole and, for tags, sts:TagSession for 'role-to-assume').",
      )
    }
  }
  return { sessionTags, transitiveTagKeys, ...(externalId ? { externalId } : {}) }
}

/** What a profile that re-assumes the role by itself can and cannot carry. */
function checkRefreshable(given: { profile?: string; tokenFile: string; tags: boolean; policies: boolean }): void {
  if (!given.profile) {
    throw new UserError(
      "Input 'refresh-credentials' needs 'profile': the refreshing credentials are a profile that SDKs and the AWS CLI read.",
      "Set 'profile', e.g. profile: ci.",
    )
  }
  if (given.tokenFile) {
    throw new UserError(
      "Input 'refresh-credentials' renews GitHub's OIDC token and cannot renew the token of 'web-identity-token-file'.",
      'Remove one of the two.',
    )
  }
  if (given.tags || given.policies) {
    throw new UserError(
      `Input 'refresh-credentials' cannot be used with ${given.tags ? "'session-tags'" : "session policies ('inline-session-policy', 'managed-session-policies')"}: an AWS profile has no setting for them, so renewed sessions would lack them.`,
      'Remove them, or leave refresh-credentials off (the credentials then last role-duration-seconds).',
    )
  }
}

function required(name: string, raw: string): string {
  if (raw === '') throw new UserError(`Input '${name}' is required.`)
  return raw
}

/** ARNs and account ids contain no commas or spaces, so these lists accept lines, commas or both. */
function items(raw: string): string[] {
  return parseItems(raw, { blanks: true })
}

function parseAccountIds(name: string, ids: string[]): string[] {
  for (const id of ids) {
    if (!/^\d{12}$/.test(id)) throw new UserError(`Input '${name}' must list 12-digit AWS account ids; got '${id}'.`)
  }
  return ids
}

/** An audience is an OIDC client ID: printable text, which also keeps it from breaking a log line. */
function parseAudience(raw: string): string {
  if (raw === '') return 'sts.amazonaws.com'
  if (hasControlCharacters(raw)) {
    throw new UserError(
      "Input 'audience' must be one line of printable text (a client ID of the IAM OIDC provider, e.g. sts.amazonaws.com).",
    )
  }
  return raw
}
