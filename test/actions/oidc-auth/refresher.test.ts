import { describe, expect, it } from 'vitest'
import { parseInputs } from '../../../actions/oidc-auth/src/inputs'
import { refreshingProfile } from '../../../actions/oidc-auth/src/profile'
import { MIN_REFRESH_MS, type RefresherDeps, refreshDelayMs, refreshLoop } from '../../../actions/oidc-auth/src/refresher'
import { IdTokenRequestError } from '../../../lib/id-token'

/** The refresher's schedule and stopping rules, on a fake clock; the bench test runs the real process. */

const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
const T0 = 1_800_000_000_000

describe('refreshDelayMs', () => {
  it.each([
    ['half-way through a 5-minute token issued now', jwt({ iat: T0 / 1000, exp: T0 / 1000 + 300 }), T0, 150_000],
    ['half-way, from later in its life', jwt({ iat: T0 / 1000, exp: T0 / 1000 + 300 }), T0 + 100_000, 50_000],
    ['never sooner than the floor, even past half-way', jwt({ iat: T0 / 1000, exp: T0 / 1000 + 300 }), T0 + 299_000, MIN_REFRESH_MS],
    ['a token without a lifetime: once a minute', jwt({ sub: 'x' }), T0, 60_000],
    ['no token yet: once a minute', undefined, T0, 60_000],
  ])('%s', (_name, token, now, expected) => {
    expect(refreshDelayMs(token, now)).toBe(expected)
  })
})

function fakeDeps(script: (string | Error)[], options: { folderGoneAfter?: number } = {}) {
  let now = T0
  let minted = 0
  const sleeps: number[] = []
  const written: string[] = []
  const notes: string[] = []
  const deps: RefresherDeps = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    mint: async () => {
      const next = script[minted++]
      if (next === undefined) throw new IdTokenRequestError('HTTP 401: job over', 401)
      if (next instanceof Error) throw next
      return next
    },
    readToken: async () => jwt({ iat: T0 / 1000, exp: T0 / 1000 + 300 }),
    writeToken: async (token) => void written.push(token),
    folderExists: () => options.folderGoneAfter === undefined || sleeps.length <= options.folderGoneAfter,
    note: async (line) => void notes.push(line),
  }
  return { deps, sleeps, written, notes }
}

describe('refreshLoop', () => {
  it('renews at half of each token lifetime and stops when the token service refuses (the job is over)', async () => {
    const tokens = [1, 2].map((n) => jwt({ iat: T0 / 1000 + 150 * n, exp: T0 / 1000 + 150 * n + 300 }))
    const { deps, sleeps, written } = fakeDeps(tokens)
    expect(await refreshLoop(deps)).toBe('token service refused')
    expect(written).toEqual(tokens)
    expect(sleeps).toEqual([150_000, 150_000, 150_000])
  })

  it('retries a failing token service with growing waits, and clears its note once it recovers', async () => {
    const fresh = jwt({ iat: T0 / 1000 + 200, exp: T0 / 1000 + 500 })
    const { deps, sleeps, written, notes } = fakeDeps([
      new IdTokenRequestError('HTTP 503: busy', 503),
      new TypeError('fetch failed'),
      fresh,
    ])
    expect(await refreshLoop(deps)).toBe('token service refused')
    expect(sleeps.slice(0, 3)).toEqual([150_000, 1000, 2000])
    expect(written).toEqual([fresh])
    expect(notes).toEqual([
      'renewing the web identity token failed: HTTP 503: busy',
      'renewing the web identity token failed: fetch failed',
      '',
      expect.stringContaining('HTTP 401'),
    ])
  })

  it('stops when the profile folder was removed, without asking for a token', async () => {
    const { deps, written } = fakeDeps([jwt({})], { folderGoneAfter: 0 })
    expect(await refreshLoop(deps)).toBe('folder removed')
    expect(written).toEqual([])
  })

  it('gives up ten minutes after the last good token expired', async () => {
    const { deps, sleeps } = fakeDeps(Array(100).fill(new TypeError('fetch failed')))
    expect(await refreshLoop(deps)).toBe('gave up')
    expect(sleeps.slice(-1)[0]).toBe(30_000)
  })
})

describe('refreshingProfile', () => {
  it('turns a chain into source_profile links, with the external id on each AssumeRole hop and the duration on the last', () => {
    const values: Record<string, string> = {
      'role-to-assume': 'arn:aws:iam::111122223333:role/ci',
      'aws-region': 'eu-west-1',
      'role-chain': 'arn:aws:iam::444455556666:role/hop\narn:aws:iam::777788889999:role/deploy',
      'role-external-id': 'ext-42',
      'role-session-name': 'run-1',
      'role-duration-seconds': '1800',
      profile: 'ci',
      'refresh-credentials': 'true',
    }
    const inputs = parseInputs((name) => values[name] ?? '', { GITHUB_WORKSPACE: '/workspace' })
    expect(refreshingProfile('ci', inputs, '/t/token').config).toBe(
      [
        '[profile ci-hop-0]',
        'role_arn = arn:aws:iam::111122223333:role/ci',
        'web_identity_token_file = /t/token',
        'role_session_name = run-1',
        'duration_seconds = 900',
        'region = eu-west-1',
        '',
        '[profile ci-hop-1]',
        'role_arn = arn:aws:iam::444455556666:role/hop',
        'source_profile = ci-hop-0',
        'external_id = ext-42',
        'role_session_name = run-1',
        'duration_seconds = 900',
        'region = eu-west-1',
        '',
        '[profile ci]',
        'role_arn = arn:aws:iam::777788889999:role/deploy',
        'source_profile = ci-hop-1',
        'external_id = ext-42',
        'role_session_name = run-1',
        'duration_seconds = 1800',
        'region = eu-west-1',
        '',
      ].join('\n'),
    )
  })
})
