import { type ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { awsErrorCode, isAccessDenied } from '../../../lib/aws/errors'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import { type AwsCallOptions, awsCall } from './aws-call'
import { hostOfProxyEndpoint } from './registry-target'

export type EcrApi = Pick<ECRClient, 'send'>

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
  const token = data?.authorizationToken
  if (!data || !token) throw new Error('ECR GetAuthorizationToken returned no authorization data')
  core.setSecret(token)
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) throw new Error('ECR returned an authorization token that is not user:password')
  const password = decoded.slice(colon + 1)
  core.setSecret(password)
  return {
    username: decoded.slice(0, colon),
    password,
    host: hostOfProxyEndpoint(data.proxyEndpoint ?? ''),
    expiresAt: data.expiresAt,
  }
}

function explainTokenError(error: unknown): unknown {
  const code = awsErrorCode(error) ?? ''
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(messageOf(error))) {
    return new UserError(
      'No AWS credentials are available to log in to ECR.',
      'Run oidc-auth (or another credentials step) before this action.',
    )
  }
  if (isAccessDenied(error)) {
    return new UserError(
      `The AWS credentials may not get an ECR login token (${code}: ${messageOf(error)}).`,
      'Allow ecr:GetAuthorizationToken on resource * for the role.',
    )
  }
  return error
}
