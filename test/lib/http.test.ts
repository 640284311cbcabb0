import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { httpFetch } from '../../lib/http'
import { freePort } from '../bench/ports'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function serve(handle: (request: IncomingMessage, body: string) => { status: number; body: string } | 'hang'): Promise<string> {
  server = createServer(async (request, response) => {
    let body = ''
    for await (const chunk of request) body += chunk
    const answer = handle(request, body)
    if (answer === 'hang') return
    response.writeHead(answer.status, { 'content-type': 'text/plain' })
    response.end(answer.body)
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

describe('httpFetch', () => {
  it('posts a body with its length and headers, and reads the answer as fetch would', async () => {
    let seen: { method?: string; path?: string; type?: string; length?: string; body?: string } = {}
    const endpoint = await serve((request, body) => {
      seen = {
        method: request.method,
        path: request.url,
        type: request.headers['content-type'],
        length: request.headers['content-length'],
        body,
      }
      return { status: 200, body: '<Answer>é</Answer>' }
    })
    const answer = await httpFetch(new URL(`${endpoint}/sts?x=1`), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Name=é',
    })
    expect(answer).toMatchObject({ ok: true, status: 200 })
    expect(await answer.text()).toBe('<Answer>é</Answer>')
    expect(seen).toEqual({
      method: 'POST',
      path: '/sts?x=1',
      type: 'application/x-www-form-urlencoded',
      length: String(Buffer.byteLength('Action=GetCallerIdentity&Name=é')),
      body: 'Action=GetCallerIdentity&Name=é',
    })
  })

  it('answers an error status as not ok, with its body', async () => {
    const endpoint = await serve(() => ({ status: 503, body: 'busy' }))
    const answer = await httpFetch(endpoint)
    expect(answer).toMatchObject({ ok: false, status: 503 })
    expect(await answer.text()).toBe('busy')
  })

  it('rejects a refused connection as fetch does: TypeError "fetch failed" with the socket error as cause', async () => {
    const error = await httpFetch(`http://127.0.0.1:${await freePort()}/`).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } })
  })

  it('rejects with the signal reason when aborted during the request, or before it', async () => {
    const endpoint = await serve(() => 'hang')
    const controller = new AbortController()
    const pending = httpFetch(endpoint, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('attempt timed out')), 50)
    await expect(pending).rejects.toThrow('attempt timed out')
    await expect(httpFetch(endpoint, { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already')
  })
})
