import * as core from '../../../lib/core'
import { UserError } from '../../../lib/errors'
import type { Inputs } from './inputs'
import type { ProfileFiles } from './profile'
import type { Session } from './session'

/** Refuses credentials for an account the workflow did not allow, before anything is exported. */
export function checkAccountAllowed(account: string, allowed: readonly string[], what: string): void {
  if (allowed.length === 0 || allowed.includes(account)) return
  throw new UserError(
    `${what} is in account ${account}, which is not in 'allowed-account-ids' (${allowed.join(', ')}).`,
    'Assume a role in an allowed account, or add the account to the list.',
  )
}

/**
 * Exports the credentials for the later steps of the job and sets the
 * outputs. Everything secret was masked when it arrived from STS.
 */
export function publish(session: Session, inputs: Inputs, profile?: ProfileFiles): void {
  const { credentials, identity } = session
  if (profile && inputs.profile) {
    // The keys stay in the profile's file: one source for every tool, and not in every later process's environment.
    core.exportVariable('AWS_CONFIG_FILE', profile.configFile)
    core.exportVariable('AWS_SHARED_CREDENTIALS_FILE', profile.credentialsFile)
    core.exportVariable('AWS_PROFILE', inputs.profile)
  } else {
    core.exportVariable('AWS_ACCESS_KEY_ID', credentials.accessKeyId)
    core.exportVariable('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey)
    core.exportVariable('AWS_SESSION_TOKEN', credentials.sessionToken)
  }
  core.exportVariable('AWS_REGION', inputs.region)
  core.exportVariable('AWS_DEFAULT_REGION', inputs.region)
  core.setOutput('aws-account-id', identity.account)
  core.setOutput('assumed-role-arn', identity.arn)
  core.setOutput('expiration', credentials.expiration)
  if (inputs.outputCredentials) {
    core.setOutput('aws-access-key-id', credentials.accessKeyId)
    core.setOutput('aws-secret-access-key', credentials.secretAccessKey)
    core.setOutput('aws-session-token', credentials.sessionToken)
  }
}
