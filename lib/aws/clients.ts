import { endpointFromEnv } from './endpoints'
import { ProxyAwareHandler } from './proxy-handler'

export interface AwsClientConfig {
  region: string
  endpoint?: string
  maxAttempts: number
  requestHandler: ProxyAwareHandler
}

/**
 * The SDK waits forever by default: an endpoint that takes the connection
 * and never answers held ecr-build-push with an empty log until the job's
 * timeout. Each call now fails after these, as a network error the action's
 * own retry and deadline handle.
 */
export const AWS_CONNECT_TIMEOUT_MS = 10_000
export const AWS_REQUEST_TIMEOUT_MS = 60_000

/**
 * Configuration for an AWS SDK v3 client: the region, the endpoint override
 * from the standard environment variables, and the SDK's own retries turned
 * off, because each action decides what is transient and how long it may
 * wait under its own deadline (lib/retry); and a request handler that honours
 * the runner's proxy variables (lib/aws/proxy-handler).
 *
 * `serviceId` is the SDK's service id as the endpoint variables spell it:
 * 'ECR', 'EKS', 'STS'.
 */
export function awsClientConfig(serviceId: string, region: string, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const endpoint = endpointFromEnv(serviceId, env)
  return {
    region,
    maxAttempts: 1,
    requestHandler: new ProxyAwareHandler({ connectionTimeout: AWS_CONNECT_TIMEOUT_MS, requestTimeout: AWS_REQUEST_TIMEOUT_MS }),
    ...(endpoint ? { endpoint } : {}),
  }
}
