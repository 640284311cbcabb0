import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { freePort } from './ports'

/**
 * A local GitHub Actions OIDC token service: it serves
 * ACTIONS_ID_TOKEN_REQUEST_URL the way GitHub does (bearer-authenticated GET,
 * `audience` query parameter, `{ "value": <jwt> }`), signs real RS256 JWTs
 * carrying GitHub's claims, and publishes its keys at the usual discovery paths.
 */
export interface GithubClaims {
  sub: string
  repository: string
  repository_owner: string
  ref: string
  environment?: string
  job_workflow_ref: string
  workflow_ref: string
  run_id: string
  event_name: string
  [claim: string]: unknown
}

export interface OidcIssuer {
  issuer: string
  /** Runner variables an action needs to call core.getIDToken(). */
  env: Record<string, string>
  requestToken: string
  /** Every token request served, in order, with the audience asked for. */
  requests: { audience: string | null; authorized: boolean }[]
  /** Tokens issued, decoded claims only. */
  issued: Record<string, unknown>[]
  setClaims(overrides: Partial<GithubClaims>): void
  /** Answer the next `count` token requests with this HTTP status. */
  failNext(count: number, status: number): void
  /** How long the tokens issued from now on live (GitHub's live minutes; 300 s unless set). */
  setTokenLifetime(seconds: number): void
  stop(): Promise<void>
}

export const DEFAULT_CLAIMS: GithubClaims = {
  sub: 'repo:example-org/data-pipeline:environment:dev',
  repository: 'example-org/data-pipeline',
  repository_owner: 'example-org',
  ref: 'refs/heads/main',
  environment: 'dev',
  job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1',
  workflow_ref: 'example-org/data-pipeline/.github/workflows/create-destroy.yml@refs/heads/main',
  run_id: '4242',
  event_name: 'workflow_dispatch',
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' }
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const requestToken = randomUUID()
  let claims: GithubClaims = { ...DEFAULT_CLAIMS }
  let failures: { count: number; status: number } = { count: 0, status: 500 }
  let lifetimeSeconds = 300
  const requests: OidcIssuer['requests'] = []
  const issued: OidcIssuer['issued'] = []

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', issuer)
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, { issuer, jwks_uri: `${issuer}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] })
    }
    if (url.pathname === '/.well-known/jwks') return send(200, { keys: [jwk] })
    if (url.pathname !== '/token') return send(404, { message: 'not found' })

    const authorized = request.headers.authorization === `Bearer ${requestToken}`
    requests.push({ audience: url.searchParams.get('audience'), authorized })
    if (!authorized) return send(401, { message: 'bad request token' })
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 }
      return send(failures.status, { message: 'injected failure' })
    }
    const now = Math.floor(Date.now() / 1000)
    const payload = { ...claims, aud: url.searchParams.get('audience') ?? `https://github.com/${claims.repository_owner}` }
    const jwt = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey)
    issued.push({ ...payload, iss: issuer })
    send(200, { count: 1, value: jwt })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))

  return {
    issuer,
    requestToken,
    requests,
    issued,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    setClaims(overrides) {
      claims = { ...claims, ...overrides }
    },
    failNext(count, status) {
      failures = { count, status }
    },
    setTokenLifetime(seconds) {
      lifetimeSeconds = seconds
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
