import { readFile } from 'node:fs/promises'
import { StsClient } from '../../../lib/aws/sts'
import { resolveStsEndpoint } from '../../../lib/aws/sts-endpoint'
import { type Clock, systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { runWithDeps } from '../../../lib/entry'
import { type HttpFetch, httpFetch } from '../../../lib/http'
import { getIDToken } from '../../../lib/id-token'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { type Logger, runnerLog } from '../../../lib/log'
import { systemTimeoutSignal, type TimeoutSignal } from '../../../lib/timeout'
import { explainFailure } from './failures'
import { parseInputs } from './inputs'
import { checkAccountAllowed, publish } from './publish'
import { obtainSession, StepFailure } from './session'
import { fileTokenSource, type GetIdToken, githubTokenSource } from './token'

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
    publish(session, inputs)
    deps.log.info(`Exported credentials for ${identity.arn} (account ${identity.account}); they expire at ${credentials.expiration}`)
  })
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname)
}
