import { endpointFromEnv } from './endpoints'

export interface AwsClientConfig {
  region: string
  endpoint?: string
  maxAttempts: number
}

/**
 * Configuration for an AWS SDK v3 client: the region, the endpoint override
 * from the standard environment variables, and the SDK's own retries turned
 * off, because each action decides what is transient and how long it may
 * wait under its own deadline (lib/retry).
 *
 * `serviceId` is the SDK's service id as the endpoint variables spell it:
 * 'ECR', 'EKS', 'STS'.
 */
export function awsClientConfig(serviceId: string, region: string, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const endpoint = endpointFromEnv(serviceId, env)
  return { region, maxAttempts: 1, ...(endpoint ? { endpoint } : {}) }
}
