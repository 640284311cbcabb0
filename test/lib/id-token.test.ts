import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getIDToken, IdTokenRequestError } from '../../lib/id-token'
import { captureStdout } from '../harness/capture'

const saved = { ...process.env }
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
})

describe('getIDToken', () => {
  const request = { url: '', authorization: '' }
  const answer = (status: number, body: string): typeof fetch =>
    (async (url: string | URL | Request, init?: RequestInit) => {
      request.url = String(url)
      request.authorization = String((init?.headers as Record<string, string> | undefined)?.authorization)
      return new Response(body, { status })
    }) as typeof fetch

  beforeEach(() => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'https://token.example/idtoken?api-version=2.0'
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token'
  })

  it('asks for the audience with the request token, and masks the token it returns', async () => {
    const { result, commands } = await captureStdout(() => getIDToken('sts.amazonaws.com', { fetch: answer(200, '{"value":"eyJ.t.s"}') }))
    expect(result).toBe('eyJ.t.s')
    expect(request).toEqual({
      url: 'https://token.example/idtoken?api-version=2.0&audience=sts.amazonaws.com',
      authorization: 'Bearer request-token',
    })
    expect(commands.masks).toEqual(['eyJ.t.s'])
  })

  it.each([
    ['a refusal, with its status', answer(403, 'no\n'), { message: 'HTTP 403: no', status: 403 }],
    ['an answer without a token', answer(200, '{"count":1}'), { message: 'the answer held no token', status: undefined }],
    ['an answer that is not JSON', answer(200, '<html>'), { message: 'the answer held no token', status: undefined }],
  ])('reports %s', async (_name, fetchFn, expected) => {
    const error = await getIDToken('aud', { fetch: fetchFn }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(IdTokenRequestError)
    expect(error).toMatchObject(expected)
  })

  it("hands the caller's signal to the request, so a hung token service is let go", async () => {
    let seen: AbortSignal | undefined
    const controller = new AbortController()
    const hanging = (async (_url: string | URL | Request, init?: RequestInit) => {
      seen = init?.signal ?? undefined
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
    }) as typeof fetch
    const pending = getIDToken('aud', { fetch: hanging, signal: controller.signal })
    controller.abort(new Error('attempt timed out'))
    await expect(pending).rejects.toThrow('attempt timed out')
    expect(seen).toBe(controller.signal)
  })

  it('says which variable is missing without id-token: write', async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    await expect(getIDToken('aud', { fetch: answer(200, '{}') })).rejects.toThrow(/ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set/)
  })
})
