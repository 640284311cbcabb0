import { type ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { type ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public'
import { awsErrorCode, isAccessDenied } from '../../../lib/aws/errors'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import { type AwsCallOptions, awsCall } from './aws-call'
import { hostOfProxyEndpoint } from './registry-target'

export type EcrApi = Pick<ECRClient, 'send'>
export type EcrPublicApi = Pick<ECRPUBLICClient, 'send'>

export interface RegistryCredentials {
  username: string
  password: string
  /** The registry host ECR says the token is for. */
  host: string
  expiresAt?: Date
}

/**
 * Asks ECR for a registry login token and masks it, in both its encoded and
 * decoded forms, before anything else can print it.
 */
export async function fetchRegistryCredentials(
  ecr: EcrApi,
  registryId: string | undefined,
  options: AwsCallOptions,
): Promise<RegistryCredentials> {
  const response = await awsCall(
    () => ecr.send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {})),
    options,
  ).catch((error: unknown) => {
    throw explainTokenError(error)
  })
  const data = response.authorizationData?.[0]
  if (!data) throw new Error('ECR GetAuthorizationToken returned no authorization data')
  return { ...decodeToken(data.authorizationToken), host: hostOfProxyEndpoint(data.proxyEndpoint ?? ''), expiresAt: data.expiresAt }
}

/**
 * ECR Public's login: its own API (ecr-public, only in us-east-1), one token
 * for the registry public.ecr.aws whatever the repository's alias. Needs
 * ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken.
 */
export async function fetchPublicRegistryCredentials(ecrPublic: EcrPublicApi, options: AwsCallOptions): Promise<RegistryCredentials> {
  const response = await awsCall(() => ecrPublic.send(new GetPublicAuthorizationTokenCommand({})), options).catch((error: unknown) => {
    throw explainTokenError(error, 'Allow ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken on resource * for the role.')
  })
  const data = response.authorizationData
  if (!data) throw new Error('ECR Public GetAuthorizationToken returned no authorization data')
  return { ...decodeToken(data.authorizationToken), host: 'public.ecr.aws', expiresAt: data.expiresAt }
}

/** The token is base64 of user:password; both forms are masked before anything else can print them. */
function decodeToken(token: string | undefined): { username: string; password: string } {
  if (!token) throw new Error('ECR returned an empty authorization token')
  core.setSecret(token)
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) throw new Error('ECR returned an authorization token that is not user:password')
  const password = decoded.slice(colon + 1)
  core.setSecret(password)
  return { username: decoded.slice(0, colon), password }
}

function explainTokenError(error: unknown, permissionHint = 'Allow ecr:GetAuthorizationToken on resource * for the role.'): unknown {
  const code = awsErrorCode(error) ?? ''
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(messageOf(error))) {
    return new UserError(
      'No AWS credentials are available to log in to ECR.',
      'Run oidc-auth (or another credentials step) before this action.',
    )
  }
  if (isAccessDenied(error)) {
    return new UserError(`The AWS credentials may not get an ECR login token (${code}: ${messageOf(error)}).`, permissionHint)
  }
  return error
}
