import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { getIDToken, IdTokenRequestError } from '../../../lib/id-token'
import { decodeClaims } from './claims'
import { describeError } from './describe'

/**
 * The background process behind `refresh-credentials`. The SDKs re-read the
 * profile's web identity token file whenever their session ends, so the
 * file must always hold a token that STS still accepts; GitHub's tokens live
 * minutes, a job hours. This process alone holds the runner's token request
 * credentials (they reach it on stdin, never in an environment or argv, so no
 * tool the job runs can mint tokens), and renews the file at half of each
 * token's lifetime until the post step stops it, the folder is removed, or
 * the token service refuses it (the job has ended).
 */

export interface RefresherConfig {
  requestUrl: string
  requestToken: string
  audience: string
  tokenFile: string
}

/** Never sooner than this, whatever the token says: a token service answering tokens that expire at once must not be hammered. */
export const MIN_REFRESH_MS = 1000
const MAX_BACKOFF_MS = 30_000
/** Without a readable lifetime, GitHub's tokens are renewed this often (they live several minutes). */
const UNKNOWN_LIFETIME_REFRESH_MS = 60_000
/** How long failures go on being retried after the file's token has expired. */
const GIVE_UP_AFTER_EXPIRY_MS = 10 * 60_000

/** When the token in the file is half-way through its life, in milliseconds from now. */
export function refreshDelayMs(token: string | undefined, nowMs: number): number {
  const claims = token ? decodeClaims(token) : undefined
  const iat = typeof claims?.iat === 'number' ? claims.iat * 1000 : undefined
  const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined
  if (iat === undefined || exp === undefined || exp <= iat) return UNKNOWN_LIFETIME_REFRESH_MS
  return Math.max(MIN_REFRESH_MS, iat + (exp - iat) / 2 - nowMs)
}

export function expiresAtMs(token: string | undefined): number | undefined {
  const exp = token ? decodeClaims(token)?.exp : undefined
  return typeof exp === 'number' ? exp * 1000 : undefined
}

export interface RefresherDeps {
  now: () => number
  sleep: (ms: number) => Promise<void>
  mint: () => Promise<string>
  readToken: () => Promise<string | undefined>
  writeToken: (token: string) => Promise<void>
  /** False once the post step (or anyone) removed the profile folder. */
  folderExists: () => boolean
  /** The last failure, for the post step to report; never holds a token. */
  note: (line: string) => Promise<void>
}

export type StopReason = 'folder removed' | 'token service refused' | 'gave up'

export async function refreshLoop(deps: RefresherDeps): Promise<StopReason> {
  let current = await deps.readToken()
  let failures = 0
  for (;;) {
    const delay = failures === 0 ? refreshDelayMs(current, deps.now()) : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1))
    await deps.sleep(delay)
    if (!deps.folderExists()) return 'folder removed'
    try {
      const token = await deps.mint()
      await deps.writeToken(token)
      current = token
      if (failures > 0) await deps.note('').catch(() => {})
      failures = 0
    } catch (error) {
      failures++
      await deps.note(`renewing the web identity token failed: ${describeError(error)}`).catch(() => {})
      // A 4xx other than 429 means the request token is no longer valid: the job is over.
      const status = error instanceof IdTokenRequestError ? error.status : undefined
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) return 'token service refused'
      const expiry = expiresAtMs(current)
      if (expiry !== undefined && deps.now() > expiry + GIVE_UP_AFTER_EXPIRY_MS) return 'gave up'
    }
  }
}

/** The file is replaced by a rename, so a reader never sees half a token. */
async function replaceToken(path: string, token: string): Promise<void> {
  const partial = `${path}.next`
  await writeFile(partial, token, { mode: 0o600 })
  await rename(partial, path)
}

/** Entry of the detached process: the configuration arrives as one JSON document on stdin. */
export async function runRefresher(stdin: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer))
  const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RefresherConfig
  const folder = dirname(config.tokenFile)
  await refreshLoop({
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    mint: () =>
      getIDToken(config.audience, {
        request: { url: config.requestUrl, token: config.requestToken },
        signal: AbortSignal.timeout(15_000),
      }),
    readToken: () => readFile(config.tokenFile, 'utf8').catch(() => undefined),
    writeToken: (token) => replaceToken(config.tokenFile, token),
    folderExists: () => existsSync(folder),
    note: (line) => writeFile(join(folder, 'refresher-status'), `${line}\n`, { mode: 0o600 }),
  })
}
