import { endpointFromEnv } from '../../../lib/aws/endpoints'
import { endpointFault, isTransientAwsError } from '../../../lib/aws/errors'
import type { Clock } from '../../../lib/clock'
import { DeadlineExceededError, retry } from '../../../lib/retry'

export interface AwsCallOptions {
  env?: NodeJS.ProcessEnv
  clock: Clock
  random?: () => number
}

/** One ECR API call, retried on throttling, 5xx and network failures only; other errors come back at once. */
export async function awsCall<T>(operation: () => Promise<T>, options: AwsCallOptions): Promise<T> {
  try {
    return await retry(operation, {
      maxAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 10_000,
      isRetryable: isTransientAwsError,
      clock: options.clock,
      random: options.random,
    })
  } catch (error) {
    // Nothing answering, or a web page answering, is the endpoint's fault: said so, not reported as a bug.
    const cause = error instanceof DeadlineExceededError ? error.lastError : error
    throw endpointFault(cause, 'ECR', endpointFromEnv('ECR', options.env ?? process.env) ?? 'its regional endpoint') ?? error
  }
}
