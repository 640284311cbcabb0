import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { StsClient } from '../../../lib/aws/sts'
import { resolveStsEndpoint } from '../../../lib/aws/sts-endpoint'
import { type Clock, systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { runWithDeps } from '../../../lib/entry'
import { UserError } from '../../../lib/errors'
import { type HttpFetch, httpFetch } from '../../../lib/http'
import { getIDToken } from '../../../lib/id-token'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { type Logger, runnerLog } from '../../../lib/log'
import { systemTimeoutSignal, type TimeoutSignal } from '../../../lib/timeout'
import { STATE_PROFILE_DIR, STATE_REFRESHER_PID } from './cleanup'
import { describeError } from './describe'
import { explainFailure } from './failures'
import { type Inputs, parseInputs } from './inputs'
import { makeProfileDir, type ProfileFiles, refreshingProfile, staticProfile, writePrivate } from './profile'
import { checkAccountAllowed, publish } from './publish'
import type { RefresherConfig } from './refresher'
import { startRefresher } from './refresher-process'
import { obtainSession, type Session, StepFailure } from './session'
import { classifyTokenFailure, fileTokenSource, type GetIdToken, githubTokenSource } from './token'

/** Everything that touches time, the network or files, so tests can replace it. */
export interface Deps {
  env: NodeJS.ProcessEnv
  clock: Clock
  random: () => number
  /** STS requests; the OIDC token request goes through getIdToken. */
  fetch: HttpFetch
  getIdToken: GetIdToken
  readFile: (path: string) => Promise<string>
  timeoutSignal: TimeoutSignal
  read: ReadInput
  log: Logger
  /** Starts the detached token refresher of refresh-credentials; returns its pid. */
  startRefresher: (config: RefresherConfig) => Promise<number>
}

export const defaultDeps = (): Deps => ({
  env: process.env,
  clock: systemClock,
  random: Math.random,
  fetch: httpFetch,
  getIdToken: (audience, signal) => getIDToken(audience, signal ? { signal } : {}),
  readFile: (path) => readFile(path, 'utf8'),
  timeoutSignal: systemTimeoutSignal,
  read: readRaw,
  log: runnerLog,
  startRefresher,
})

export function run(overrides: Partial<Deps> = {}): Promise<void> {
  return runWithDeps(defaultDeps, overrides, async (deps) => {
    const inputs = parseInputs(deps.read, deps.env)
    const deadline = deps.clock.now() + inputs.timeoutMs
    const finalRole = inputs.roleChain.at(-1) ?? inputs.role
    if (inputs.maskAccountId) for (const role of [inputs.role, ...inputs.roleChain]) core.setSecret(role.accountId)
    checkAccountAllowed(finalRole.accountId, inputs.allowedAccountIds, `Role ${finalRole.arn}`)

    const endpoint = resolveStsEndpoint(inputs.region, inputs.stsEndpoint, deps.env)
    if (endpoint.url.protocol === 'http:' && !isLoopback(endpoint.url.hostname)) {
      deps.log.warning(`STS endpoint ${endpoint.url.origin} is plain HTTP: the token and the credentials cross the network unencrypted.`)
    }
    const token = inputs.webIdentityTokenFile
      ? fileTokenSource(inputs.webIdentityTokenFile, deps.readFile)
      : githubTokenSource(inputs.audience, deps.getIdToken, deps.env)
    const sts = new StsClient({
      endpoint: endpoint.url,
      region: inputs.region,
      fetch: deps.fetch,
      now: () => deps.clock.now(),
      userAgent: 'pipeline-actions/oidc-auth',
    })
    deps.log.info(`Assuming ${inputs.role.arn} with ${token.description}, through STS at ${endpoint.url.origin} (${endpoint.source})`)

    const session = await obtainSession(inputs, { sts, token, deadline, ...deps }).catch((error: unknown) => {
      if (!(error instanceof StepFailure)) throw error
      const explained = explainFailure(error, { inputs, endpoint: endpoint.url.origin, outOfTime: deps.clock.now() >= deadline })
      for (const line of explained.details) deps.log.info(line)
      throw explained.error
    })
    const { identity, credentials } = session
    if (inputs.maskAccountId) core.setSecret(identity.account)
    checkAccountAllowed(identity.account, inputs.allowedAccountIds, `The identity ${identity.arn}`)
    const profile = inputs.profile ? await writeProfile(inputs, session, deps) : undefined
    publish(session, inputs, profile)
    if (inputs.refreshCredentials) {
      deps.log.info(
        `Profile '${inputs.profile}' assumes ${(inputs.roleChain.at(-1) ?? inputs.role).arn} by itself whenever its session ends, with a token renewed in ${profile?.tokenFile} until the job's post steps`,
      )
    } else {
      const where = inputs.profile ? `as profile '${inputs.profile}' in ${profile?.credentialsFile}` : 'as AWS_* variables'
      deps.log.info(
        `Exported credentials for ${identity.arn} (account ${identity.account}) ${where}; they expire at ${credentials.expiration}`,
      )
    }
  })
}

/**
 * The profile's files, in a folder the post step deletes (its path is saved
 * first, so a failure halfway still leaves nothing behind). With
 * refresh-credentials, the first token is written before the refresher
 * starts, so the profile works the moment the step ends.
 */
async function writeProfile(inputs: Inputs, session: Session, deps: Deps): Promise<ProfileFiles> {
  const name = inputs.profile as string
  const files = await makeProfileDir(deps.env.RUNNER_TEMP || tmpdir())
  core.saveState(STATE_PROFILE_DIR, files.dir)
  if (!inputs.refreshCredentials) {
    const text = staticProfile(name, inputs.region, session.credentials)
    await writePrivate(files.credentialsFile, text.credentials)
    await writePrivate(files.configFile, text.config)
    return { ...files, tokenFile: undefined }
  }
  const tokenFile = files.tokenFile as string
  const text = refreshingProfile(name, inputs, tokenFile)
  await writePrivate(files.credentialsFile, text.credentials)
  await writePrivate(files.configFile, text.config)
  // getIdToken masks the token; the first one is asked for here, where a failure can still fail the step.
  const first = await deps.getIdToken(inputs.audience).catch((error: unknown) => {
    throw new UserError(
      `Could not get the GitHub OIDC token for the profile's token file: ${describeError(classifyTokenFailure(error))}.`,
      'Re-run the job; the credentials themselves were fine.',
    )
  })
  await writePrivate(tokenFile, first)
  const pid = await deps.startRefresher({
    requestUrl: deps.env.ACTIONS_ID_TOKEN_REQUEST_URL as string,
    requestToken: deps.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string,
    audience: inputs.audience,
    tokenFile,
  })
  core.saveState(STATE_REFRESHER_PID, String(pid))
  return files
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname)
}
