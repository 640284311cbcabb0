import { createServer, type Server } from 'node:https'

import { serveOnLoopback } from '../../bench/ports'
import type { TlsFixture } from '../../bench/tls'

export { makeTlsFixture, type TlsFixture } from '../../bench/tls'

export interface ApiRequest {
  method: string
  path: string
  authorization?: string
}

export interface FakeApiServer {
  endpoint: string
  requests: ApiRequest[]
  stop(): Promise<void>
}

export type Responder = (request: ApiRequest, index: number) => { status: number; body?: unknown }

/** An HTTPS server standing in for a Kubernetes API server; what it answers is up to the test. */
export async function startFakeApiServer(tls: TlsFixture, respond: Responder): Promise<FakeApiServer> {
  const requests: ApiRequest[] = []
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    req.resume()
    req.on('end', () => {
      const request: ApiRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      }
      requests.push(request)
      const { status, body } = respond(request, requests.length - 1)
      const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body)
      res.writeHead(status, { 'content-type': typeof body === 'string' || body === undefined ? 'text/plain' : 'application/json' })
      res.end(text)
    })
  })
  const { port, stop } = await serveOnLoopback(server)
  return { endpoint: `https://127.0.0.1:${port}`, requests, stop }
}
