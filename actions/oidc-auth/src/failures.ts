import { awsErrorCode, isAccessDenied, isNetworkError } from '../../../lib/aws/errors'
import { StsError } from '../../../lib/aws/sts'
import { isUserError, messageOf, UserError } from '../../../lib/errors'
import { DeadlineExceededError } from '../../../lib/retry'
import { formatSeconds } from '../../../lib/timeout'
import { type Claims, claimText, conditionKeyPrefix, decodeClaims, explainClaims } from './claims'
import { describeError } from './describe'
import type { Inputs } from './inputs'
import { isRetryable, type StepFailure } from './session'
import { TokenRequestError } from './token'

export interface FailureContext {
  inputs: Inputs
  endpoint: string
  /** True when the overall deadline had passed when the step gave up. */
  outOfTime: boolean
}

export interface Explanation {
  /** What the step fails with: one line, with a hint. */
  error: Error
  /** Lines for the log before the failure (the token's claims on AccessDenied). */
  details: string[]
}

/**
 * Turns a step that failed for good into one message that says what to fix.
 * A 200 answer without what STS always sends (a proxy's page, another
 * service at the STS address) is the endpoint's fault and named so; only
 * errors nobody can fix from the workflow stay unexplained, so the error
 * boundary reports them as bugs.
 */
export function explainFailure(failure: StepFailure, context: FailureContext): Explanation {
  const { inputs } = context
  const cause = failure.error instanceof DeadlineExceededError ? failure.error.lastError : failure.error
  const target = failure.roleArn ? ` for ${failure.roleArn}` : ''
  const plural = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`

  // The token comes from GitHub's token service, not STS: a failure there is named as its own.
  const atFault =
    cause instanceof TokenRequestError ? "GitHub's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL)" : `STS at ${context.endpoint}`
  if (context.outOfTime || failure.error instanceof DeadlineExceededError) {
    return plain(
      `Could not get AWS credentials within the ${formatSeconds(inputs.timeoutMs)} timeout: ${failure.step}${target} made ${plural(failure.attempts)}, the last failed with ${describeError(cause)}.`,
      `Raise 'timeout' if ${atFault} is slow or throttling; otherwise check that the runner can reach it.`,
    )
  }
  if (isRetryable(cause)) {
    return plain(
      `${failure.step}${target} still failed after ${plural(failure.attempts)}: ${describeError(cause)}.`,
      cause instanceof TokenRequestError
        ? `${atFault} did not answer or failed; re-run the job, and check that the runner can reach it.`
        : `Raise 'retry-max-attempts' if ${atFault} is throttling.`,
    )
  }
  if (isUserError(cause)) return { error: cause, details: [] }
  if (cause instanceof TokenRequestError) {
    return plain(
      `Could not get a GitHub OIDC token: ${describeError(cause)}.`,
      "Check that the job has 'permissions: id-token: write'; a 401 or 403 means the runner's request token was refused.",
    )
  }
  if (cause instanceof StsError) return explainStsError(failure, cause, context)
  if (isNetworkError(cause) || cause instanceof TypeError) {
    return plain(`Could not reach STS at ${context.endpoint}: ${describeError(cause)}.`, "Check 'aws-region' and 'sts-endpoint'.")
  }
  return { error: cause instanceof Error ? cause : new Error(messageOf(cause)), details: [] }
}

function explainStsError(failure: StepFailure, error: StsError, context: FailureContext): Explanation {
  const { inputs } = context
  const code = awsErrorCode(error) ?? ''
  const said = `(${describeError(error)})`
  const target = failure.roleArn ? ` ${failure.roleArn}` : ''
  if (code === 'MalformedResponse') {
    return plain(
      `STS at ${context.endpoint} answered ${failure.step} with HTTP ${error.statusCode} but not as STS does: ${error.message}.`,
      "Check 'sts-endpoint' and AWS_ENDPOINT_URL_STS, and any proxy between the runner and STS (HTTPS_PROXY).",
    )
  }

  if (failure.step === 'AssumeRoleWithWebIdentity') {
    const claims = failure.token ? decodeClaims(failure.token) : undefined
    // Before the AccessDenied test, which counts an expired token as a denial too.
    if (code === 'ExpiredTokenException' || code === 'ExpiredToken') {
      return plain(
        `STS says the web identity token has expired ${said}.`,
        inputs.webIdentityTokenFile
          ? `Write a fresh token to ${inputs.webIdentityTokenFile} right before this step.`
          : "The runner's clock may be wrong; re-run the job.",
      )
    }
    if (isAccessDenied(error)) return accessDenied(inputs, error, claims)
    if (code === 'InvalidIdentityToken' && /audience/i.test(error.message)) {
      const audience = claims ? claimText(claims.aud) : inputs.audience
      return plain(
        `STS rejected the token's audience '${audience}' for${target} ${said}.`,
        `Set 'audience' to a client ID of the account's IAM OIDC provider (sts.amazonaws.com is the usual one), or add '${audience}' to the provider's client IDs.`,
      )
    }
    if (code === 'InvalidIdentityToken' && /provider/i.test(error.message)) {
      const issuer = claims ? `https://${conditionKeyPrefix(claims)}` : 'the token issuer'
      return plain(
        `STS found no IAM OIDC provider for ${issuer} in the account of${target} ${said}.`,
        `Create the provider (the github-oidc-role Terraform module does) in account ${inputs.role.accountId}.`,
      )
    }
  }
  if (failure.step === 'AssumeRole' && isAccessDenied(error)) {
    return plain(
      `${failure.fromRoleArn} may not assume${target} ${said}.`,
      `The trust policy of${target} must allow sts:AssumeRole${inputs.sessionTags.length > 0 ? ' and sts:TagSession' : ''} for ${failure.fromRoleArn}${inputs.externalId ? " (with an sts:ExternalId condition equal to 'role-external-id')" : ''}, and that role's permissions must allow ${inputs.sessionTags.length > 0 ? 'both' : 'sts:AssumeRole'} on it.`,
    )
  }
  if (/DurationSeconds|MaxSessionDuration/i.test(error.message)) {
    return plain(
      `STS refused a session of ${inputs.durationSeconds} seconds for${target} ${said}.`,
      "Lower 'role-duration-seconds' to at most the role's maximum session duration, or raise the role's MaxSessionDuration.",
    )
  }
  if (code === 'MalformedPolicyDocument' || code === 'PackedPolicyTooLarge') {
    return plain(
      `STS rejected the session policies${inputs.sessionTags.length > 0 && failure.step === 'AssumeRole' ? ' or tags' : ''} for${target} ${said}.`,
      inputs.sessionTags.length > 0 && failure.step === 'AssumeRole'
        ? "Shorten 'session-tags' (STS packs tags and session policies together into a limited size), 'inline-session-policy', or list fewer 'managed-session-policies'."
        : "Fix or shorten 'inline-session-policy', or list fewer 'managed-session-policies'.",
    )
  }
  if (code === 'RegionDisabledException') {
    return plain(
      `STS is not activated in ${inputs.region} for the account ${said}.`,
      `Activate it in IAM's account settings, or use another 'aws-region'.`,
    )
  }
  if (error.code === 'MalformedResponse') return { error, details: [] }
  return plain(`${failure.step}${target ? ` for${target}` : ''} failed ${said}.`)
}

function accessDenied(inputs: Inputs, error: StsError, claims: Claims | undefined): Explanation {
  if (!claims) {
    return plain(
      `Not authorized to assume ${inputs.role.arn} with the web identity token (${describeError(error)}).`,
      "The role's trust policy must allow sts:AssumeRoleWithWebIdentity for this token's identity provider, audience and subject.",
    )
  }
  return {
    error: new UserError(
      `Not authorized to assume ${inputs.role.arn}: its trust policy does not accept sub '${claimText(claims.sub)}' with aud '${claimText(claims.aud)}' (${describeError(error)}).`,
      'The token claims and a trust-policy condition that matches them are printed above.',
    ),
    details: explainClaims(claims),
  }
}

function plain(message: string, hint?: string): Explanation {
  return { error: new UserError(message, hint), details: [] }
}
