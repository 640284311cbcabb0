import { isTransientAwsError } from '../../../lib/aws/errors'
import type { AssumedRole, CallerIdentity, StsClient, TemporaryCredentials } from '../../../lib/aws/sts'
import type { Clock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { retry } from '../../../lib/retry'
import { AttemptTimeoutError, formatSeconds, type TimeoutSignal, withTimeout } from '../../../lib/timeout'
import { describeError } from './describe'
import type { Inputs } from './inputs'
import { TokenRequestError, type TokenSource } from './token'

/**
 * Gets the credentials: AssumeRoleWithWebIdentity, then each role of the
 * chain, then GetCallerIdentity with the final credentials to prove they
 * work. Every call is retried on its own when (and only when) its failure is
 * transient, all of them under one overall deadline.
 */

/** One call's time limit; an STS call answers in well under a second when STS is healthy. */
export const ATTEMPT_TIMEOUT_MS = 15_000
export const BASE_DELAY_MS = 500
export const MAX_DELAY_MS = 8_000
/** Intermediate sessions of a chain only live long enough to assume the next role. */
const INTERMEDIATE_SESSION_SECONDS = 900

export type StepName = 'AssumeRoleWithWebIdentity' | 'AssumeRole' | 'GetCallerIdentity'

export interface Session {
  credentials: TemporaryCredentials
  identity: CallerIdentity
  /** The assumed-role ARNs in order, the web identity one first. */
  assumedRoles: string[]
}

export interface SessionDeps {
  sts: StsClient
  token: TokenSource
  clock: Clock
  random: () => number
  timeoutSignal: TimeoutSignal
  /** Absolute time (clock.now()) after which nothing new starts. */
  deadline: number
}

/** A step that failed for good, with what is needed to explain it. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure'
  constructor(
    readonly step: StepName,
    readonly error: unknown,
    readonly attempts: number,
    /** The role this step tried to assume. */
    readonly roleArn?: string,
    /** For a chained AssumeRole: the role whose credentials made the call. */
    readonly fromRoleArn?: string,
    /** For AssumeRoleWithWebIdentity: the last token sent, to show its claims. */
    readonly token?: string,
  ) {
    super(`${step} failed: ${describeError(error)}`)
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof TokenRequestError) return error.transient
  return isTransientAwsError(error)
}

export async function obtainSession(inputs: Inputs, deps: SessionDeps): Promise<Session> {
  const lastRole = inputs.roleChain.length === 0
  const sessionPolicies = { policy: inputs.inlineSessionPolicy, policyArns: inputs.managedSessionPolicies }
  let token: string | undefined
  const first = await attempt(
    deps,
    inputs.maxAttempts,
    'AssumeRoleWithWebIdentity',
    { roleArn: inputs.role.arn, token: () => token },
    async (signal) => {
      token = await deps.token.next(signal)
      return deps.sts.assumeRoleWithWebIdentity(
        {
          roleArn: inputs.role.arn,
          roleSessionName: inputs.roleSessionName,
          webIdentityToken: token,
          durationSeconds: lastRole ? inputs.durationSeconds : INTERMEDIATE_SESSION_SECONDS,
          ...(lastRole ? sessionPolicies : {}),
        },
        signal,
      )
    },
  )
  let current = masked(first)
  core.info(`Assumed ${current.assumedRoleArn}`)
  const assumedRoles = [current.assumedRoleArn]

  let from = inputs.role.arn
  for (const [index, role] of inputs.roleChain.entries()) {
    const isLast = index === inputs.roleChain.length - 1
    const credentials = current.credentials
    const next = await attempt(deps, inputs.maxAttempts, 'AssumeRole', { roleArn: role.arn, fromRoleArn: from }, (signal) =>
      deps.sts.assumeRole(
        {
          roleArn: role.arn,
          roleSessionName: inputs.roleSessionName,
          durationSeconds: isLast ? inputs.durationSeconds : INTERMEDIATE_SESSION_SECONDS,
          ...(isLast ? sessionPolicies : {}),
          ...chainedHopOptions(inputs, index),
        },
        credentials,
        signal,
      ),
    )
    current = masked(next)
    core.info(`Chained to ${current.assumedRoleArn}`)
    assumedRoles.push(current.assumedRoleArn)
    from = role.arn
  }

  const final = current.credentials
  const identity = await attempt(deps, inputs.maxAttempts, 'GetCallerIdentity', {}, (signal) => deps.sts.getCallerIdentity(final, signal))
  return { credentials: final, identity, assumedRoles }
}

/**
 * The first chained hop gets every tag and names the transitive ones; later
 * hops inherit those (STS refuses a call that sets a tag again whose key
 * came down the chain as transitive) and get the others anew, so each
 * session of the chain carries all the tags. The external id goes with every hop.
 */
export function chainedHopOptions(
  inputs: Pick<Inputs, 'sessionTags' | 'transitiveTagKeys' | 'externalId'>,
  index: number,
): { tags?: { key: string; value: string }[]; transitiveTagKeys?: string[]; externalId?: string } {
  const transitive = new Set(inputs.transitiveTagKeys)
  const tags = index === 0 ? inputs.sessionTags : inputs.sessionTags.filter((tag) => !transitive.has(tag.key))
  return {
    ...(tags.length > 0 ? { tags: [...tags] } : {}),
    ...(index === 0 && inputs.transitiveTagKeys.length > 0 ? { transitiveTagKeys: [...inputs.transitiveTagKeys] } : {}),
    ...(inputs.externalId ? { externalId: inputs.externalId } : {}),
  }
}

/** Masks the credentials the moment they arrive, before anything can print them. */
function masked(role: AssumedRole): AssumedRole {
  core.setSecret(role.credentials.accessKeyId)
  core.setSecret(role.credentials.secretAccessKey)
  core.setSecret(role.credentials.sessionToken)
  return role
}

async function attempt<T>(
  deps: SessionDeps,
  maxAttempts: number,
  step: StepName,
  context: { roleArn?: string; fromRoleArn?: string; token?: () => string | undefined },
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let attempts = 0
  try {
    return await retry(
      () => {
        attempts++
        // Each attempt gets its own limit, cut short by the overall deadline.
        const remaining = deps.deadline - deps.clock.now()
        if (remaining <= 0) return Promise.reject(new AttemptTimeoutError(0))
        return withTimeout(Math.min(ATTEMPT_TIMEOUT_MS, remaining), operation, deps.timeoutSignal)
      },
      {
        maxAttempts,
        baseDelayMs: BASE_DELAY_MS,
        maxDelayMs: MAX_DELAY_MS,
        deadline: deps.deadline,
        isRetryable,
        clock: deps.clock,
        random: deps.random,
        onRetry: ({ attempt: number, delayMs, error }) =>
          core.info(`${step} attempt ${number} of ${maxAttempts} failed (${describeError(error)}); retrying in ${formatSeconds(delayMs)}`),
      },
    )
  } catch (error) {
    throw new StepFailure(step, error, attempts, context.roleArn, context.fromRoleArn, context.token?.())
  }
}
