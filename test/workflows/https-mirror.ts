import { readFile, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { join, normalize } from 'node:path'
import { TLSSocket } from 'node:tls'
import { freePort } from '../bench/ports'
import { makeTlsFixture } from '../bench/tls'

/**
 * Public HTTPS sites the workflows reach (the Airflow chart repository at
 * https://airflow.apache.org), served from local folders on a machine with no
 * internet. It is an HTTP proxy (HTTPS_PROXY) that answers CONNECT for the
 * hosts it stands in for by terminating TLS itself, with a certificate of a
 * throwaway CA the workflow's programs are told to trust (SSL_CERT_FILE for Go
 * programs such as Helm, NODE_EXTRA_CA_CERTS for Node). A CONNECT to any other
 * host is tunnelled through untouched, so what the machine can reach (package
 * registries) stays reachable. The workflows and their inputs stay exactly as
 * a user writes them: only the network under them differs.
 */
export interface HttpsMirror {
  /** http://127.0.0.1:<port>, for HTTPS_PROXY. */
  proxyUrl: string
  /** The CA's PEM file. */
  caFile: string
  /** `host path status` of every request, in order. */
  requests: string[]
  stop(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.yaml': 'application/x-yaml',
  '.tgz': 'application/gzip',
  '.json': 'application/json',
  '.txt': 'text/plain',
}

/** A site: a folder its paths map into, or a function that answers a path (undefined: 404). */
export type Site = string | ((path: string) => Promise<Buffer | undefined>)

export async function startHttpsMirror(sites: Record<string, Site>, workDir: string): Promise<HttpsMirror> {
  const tls = makeTlsFixture(Object.keys(sites).map((host) => `DNS:${host}`))
  const caFile = join(workDir, 'mirror-ca.pem')
  await writeFile(caFile, tls.caPem)
  const requests: string[] = []

  const server = createHttpServer(async (request, response) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '')
    const site = sites[host]
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'https://x').pathname))
    if (!site || path.includes('..')) {
      requests.push(`${host} ${path} 404`)
      response.writeHead(404).end()
      return
    }
    try {
      const body = typeof site === 'string' ? await readFile(join(site, path)) : await site(path)
      if (!body) throw new Error('not found')
      const type = CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream'
      requests.push(`${host} ${path} 200`)
      response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body)
    } catch (error) {
      requests.push(`${host} ${path} 404 (${(error as Error).message})`)
      response.writeHead(404).end()
    }
  })

  const sockets = new Set<Socket>()
  const proxy: Server = createHttpServer((_request, response) => {
    // Plain-HTTP proxying is not what any workflow needs; refuse it as a closed network would.
    response.writeHead(403).end()
  })
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  proxy.on('connect', (request, socket: Socket, head: Buffer) => {
    const [host = '', port = '443'] = (request.url ?? '').split(/:(?=\d+$)/)
    if (!(host in sites)) {
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(socket)
        socket.pipe(upstream)
      })
      upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
      socket.on('error', () => upstream.destroy())
      return
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    const secured = new TLSSocket(socket, { isServer: true, key: tls.keyPem, cert: tls.certPem })
    secured.on('error', () => socket.destroy())
    server.emit('connection', secured)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve))
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    caFile,
    requests,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    },
  }
}
