import type { Clock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { UserError } from '../../../lib/errors'
import { type ExecResult, tail } from '../../../lib/exec'
import { retry } from '../../../lib/retry'

/**
 * Reading what docker, buildx and buildah print when they fail: which failures
 * are worth another push (429, 5xx, resets), which are ECR refusing to move an
 * immutable tag, and which came from the build cache.
 */

export class ToolFailure extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(`${command} exited ${result.exitCode}`)
  }
  get output(): string {
    return outputOf(this.result)
  }
}

/** stdout then stderr: builders print the failing step on stdout and the error on stderr. */
export function outputOf(result: ExecResult): string {
  return [result.stdout.trimEnd(), result.stderr.trimEnd()].filter(Boolean).join('\n')
}

const TRANSIENT = [
  /toomanyrequests/i,
  /too many requests/i,
  /\b429\b/,
  /\b50[0234]\b/,
  /internal server error/i,
  /service unavailable/i,
  /bad gateway/i,
  /gateway time-?out/i,
  /connection reset by peer/i,
  /connection refused/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /unexpected EOF/i,
  /broken pipe/i,
]

export function isTransientRegistryFailure(output: string): boolean {
  const lastLines = tail(output, 5)
  return TRANSIENT.some((pattern) => pattern.test(lastLines))
}

export function isImmutableTagRejection(output: string): boolean {
  return /cannot be overwritten because the (repository|tag) is immutable|ImageTagAlreadyExistsException/i.test(output)
}

export function isAccessDeniedOutput(output: string): boolean {
  return /\b(denied|unauthorized|authentication required|403 Forbidden)\b/i.test(tail(output, 5))
}

export function mentionsCache(output: string): boolean {
  return /\bcache\b/i.test(tail(output, 5))
}

export interface PushRetryOptions {
  clock: Clock
  random?: () => number
  maxAttempts?: number
}

/** Runs a push (or a build that pushes) again after 429, 5xx and network failures, with full-jitter backoff. */
export async function pushWithRetry(what: string, run: () => Promise<ExecResult>, options: PushRetryOptions): Promise<ExecResult> {
  try {
    return await retry(
      async () => {
        const result = await run()
        if (result.exitCode !== 0) throw new ToolFailure(what, result)
        return result
      },
      {
        maxAttempts: options.maxAttempts ?? 5,
        baseDelayMs: 2000,
        maxDelayMs: 30_000,
        clock: options.clock,
        random: options.random,
        isRetryable: (error) => error instanceof ToolFailure && isTransientRegistryFailure(error.output),
        onRetry: ({ attempt, delayMs, error }) =>
          core.warning(
            `${what} failed on attempt ${attempt} (${lastLine((error as ToolFailure).output)}); retrying in ${(delayMs / 1000).toFixed(1)} s.`,
          ),
      },
    )
  } catch (error) {
    if (error instanceof ToolFailure) throw explainPushFailure(what, error)
    throw error
  }
}

export function explainPushFailure(what: string, failure: ToolFailure): UserError {
  const output = failure.output
  if (isImmutableTagRejection(output)) {
    return new UserError(
      `${what} was refused: the tag already exists in an immutable repository (someone pushed it after this run looked). ${lastLine(output)}`,
      'Rerun the job: it will find the tag and skip the build.',
    )
  }
  if (isAccessDeniedOutput(output)) {
    return new UserError(
      `${what} was refused by the registry: ${lastLine(output)}`,
      'Allow ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and ecr:PutImage on the repository for the role.',
    )
  }
  return new UserError(`${what} failed (exit ${failure.result.exitCode}). Last lines of its output:\n${tail(output, 10)}`)
}

/** The line of a failed build that says what went wrong with the cache, rather than a closing "Learn more" link. */
export function cacheFailureLine(output: string): string {
  const lines = tail(output, 5)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  return lines.reverse().find((line) => /\bcache\b/i.test(line) && !/^learn more\b/i.test(line)) ?? lastLine(output)
}

export function lastLine(output: string): string {
  return tail(output, 1).trim()
}
