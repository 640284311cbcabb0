import { isTransientAwsError } from '../../../lib/aws/errors'
import type { Clock } from '../../../lib/clock'
import { retry } from '../../../lib/retry'

export interface AwsCallOptions {
  clock: Clock
  random?: () => number
}

/** One ECR API call, retried on throttling, 5xx and network failures only; other errors come back at once. */
export function awsCall<T>(operation: () => Promise<T>, options: AwsCallOptions): Promise<T> {
  return retry(operation, {
    maxAttempts: 5,
    baseDelayMs: 1000,
    maxDelayMs: 10_000,
    isRetryable: isTransientAwsError,
    clock: options.clock,
    random: options.random,
  })
}
