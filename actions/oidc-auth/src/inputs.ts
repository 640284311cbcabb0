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
import { parseSessionName } from './session-name'
import { parseInlinePolicy, parseManagedPolicies } from './session-policies'

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
    inlineSessionPolicy: parseInlinePolicy('inline-session-policy', read('inline-session-policy')),
    managedSessionPolicies: parseManagedPolicies('managed-session-policies', items(read('managed-session-policies'))),
    roleChain,
    allowedAccountIds: parseAccountIds('allowed-account-ids', items(read('allowed-account-ids'))),
    maskAccountId: parseBoolean('mask-account-id', read('mask-account-id'), false),
    outputCredentials: parseBoolean('output-credentials', read('output-credentials'), false),
    stsEndpoint: parseStsEndpointSetting('sts-endpoint', read('sts-endpoint')),
    maxAttempts: parseInteger('retry-max-attempts', read('retry-max-attempts'), 6, { min: 1, max: 20 }),
    timeoutMs,
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
