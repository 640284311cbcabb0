import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TlsFixture {
  caPem: string
  certPem: string
  keyPem: string
}

/** A throwaway CA and a server certificate for 127.0.0.1 it signed, made with the openssl CLI. */
export function makeTlsFixture(): TlsFixture {
  const dir = mkdtempSync(join(tmpdir(), 'tls-fixture-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=bench cluster CA')
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=kube-apiserver')
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('ext.cnf'),
  )
  return {
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    certPem: readFileSync(file('server.pem'), 'utf8'),
    keyPem: readFileSync(file('server.key'), 'utf8'),
  }
}

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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `https://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
