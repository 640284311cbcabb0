import { describe, expect, it } from 'vitest'
import { DownloadError, fetchText, retryAfter } from '../../../actions/kubeconform-validate/src/schema/http'
import { ManualClock } from '../../../lib/clock'

type Reply = { status: number; body?: string; headers?: Record<string, string> } | Error

/** A fetch that answers from a script, one reply per request, and records each request. */
function scripted(replies: Reply[]) {
  const urls: string[] = []
  const fetchImpl = (async (url: string) => {
    urls.push(url)
    const reply = replies.shift() ?? { status: 500 }
    if (reply instanceof Error) throw reply
    return new Response(reply.body ?? '', { status: reply.status, headers: reply.headers })
  }) as typeof fetch
  return { fetchImpl, urls }
}

const deps = (replies: Reply[]) => {
  const clock = new ManualClock(1_000_000)
  const script = scripted(replies)
  const retries: string[] = []
  return {
    clock,
    script,
    retries,
    http: {
      fetch: script.fetchImpl,
      clock,
      random: () => 0.5,
      onRetry: (_url: string, attempt: number, delayMs: number, reason: string) => retries.push(`${attempt}:${delayMs}:${reason}`),
    },
  }
}

describe('fetchText', () => {
  it('returns the body at once on 200', async () => {
    const { http, clock } = deps([{ status: 200, body: '{"a":1}' }])
    expect(await fetchText('https://s/x.json', http)).toEqual({ found: true, text: '{"a":1}' })
    expect(clock.sleeps).toEqual([])
  })

  it.each([404, 410])('treats %i as "not at this location", without retrying', async (status) => {
    const { http, script } = deps([{ status }])
    expect(await fetchText('https://s/x.json', http)).toEqual({ found: false, reason: `HTTP ${status}` })
    expect(script.urls).toHaveLength(1)
  })

  it('retries 429 as the host asks (Retry-After), then succeeds: kubeconform itself gives up on the first 429', async () => {
    const { http, clock, retries } = deps([{ status: 429, headers: { 'retry-after': '7' } }, { status: 429 }, { status: 200, body: 'ok' }])
    expect(await fetchText('https://s/x.json', http)).toEqual({ found: true, text: 'ok' })
    // Retry-After 7 s, then the backoff: half (random 0.5) of 2 s.
    expect(clock.sleeps).toEqual([7000, 1000])
    expect(retries).toEqual(['1:7000:HTTP 429', '2:1000:HTTP 429'])
  })

  it('retries 5xx and network failures with exponential backoff', async () => {
    const { http, clock } = deps([{ status: 502 }, new TypeError('fetch failed'), { status: 503 }, { status: 200, body: 'ok' }])
    expect(await fetchText('https://s/x.json', http)).toEqual({ found: true, text: 'ok' })
    expect(clock.sleeps).toEqual([500, 1000, 2000])
  })

  it('names the reason a request failed, which fetch keeps in its cause', async () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    })
    const { http } = deps([refused, refused, refused, refused, new TypeError('fetch failed', { cause: new Error('bad certificate') })])
    const error = await fetchText('https://s/x.json', http).catch((e: unknown) => e)
    expect((error as DownloadError).message).toBe('https://s/x.json: request failed: fetch failed (bad certificate) (after 5 attempts)')
  })

  it('gives up after five attempts, naming the last failure', async () => {
    const { http, script } = deps([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }])
    const error = await fetchText('https://s/x.json', http).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DownloadError)
    expect((error as DownloadError).message).toBe('https://s/x.json: HTTP 503 (after 5 attempts)')
    expect(script.urls).toHaveLength(5)
  })

  it('fails at once on a status that retrying cannot fix', async () => {
    const { http, script } = deps([{ status: 403 }])
    const error = await fetchText('https://s/x.json', http).catch((e: unknown) => e)
    expect((error as DownloadError).message).toBe('https://s/x.json: HTTP 403 (after 1 attempt)')
    expect(script.urls).toHaveLength(1)
  })
})

describe('retryAfter', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['3', 3000],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 4000],
    ['Thu, 01 Jan 1970 00:00:01 GMT', 0],
    ['soon', undefined],
  ])('%s', (header, expected) => {
    expect(retryAfter(header, 6000)).toBe(expected)
  })
})

describe('fetchText under the step deadline', () => {
  it('a host that hangs costs the step its deadline once, not five attempts per kind', async () => {
    const clock = new ManualClock(0)
    const urls: string[] = []
    // Each attempt waits out its whole time limit, as against a host that takes the request and never answers.
    const hanging = (async (url: string, init?: { signal?: AbortSignal }) => {
      urls.push(url)
      expect(init?.signal).toBeDefined()
      clock.advance(60_000)
      throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })
    }) as typeof fetch
    const http = { fetch: hanging, clock, random: () => 0.5, deadline: 5 * 60_000 }
    const failures: string[] = []
    for (const kind of ['configmap', 'service', 'deployment']) {
      await fetchText(`https://s/${kind}.json`, http).catch((error: DownloadError) => failures.push(error.message))
    }
    expect(failures).toHaveLength(3)
    expect(urls.length).toBeLessThanOrEqual(5)
    expect(failures.at(-1)).toBe(
      "https://s/deployment.json: not tried: the step's time for schema downloads had run out (after 0 attempts)",
    )
  })
})
