import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { serveOnLoopback } from './ports'

/**
 * A forward proxy on loopback, as a self-hosted runner's egress proxy: it
 * tunnels `CONNECT host:port` to 127.0.0.1:port whatever the host, and
 * records the host and port it was asked for. Tests point an action's
 * endpoints at names no resolver knows (`*.proxied.test`), so a call that
 * succeeds went through this proxy, and `tunnels` says which ones did.
 * A request in absolute form (a client that does not tunnel) is refused with
 * 405 and recorded in `refused`.
 */
export interface ConnectProxy {
  url: string
  /** `host:port` of every CONNECT, in order. */
  tunnels: string[]
  refused: string[]
  clear(): void
  stop(): Promise<void>
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const refused: string[] = []
  const upstreams = new Set<Socket>()
  const server: Server = createServer((request, response) => {
    refused.push(`${request.method} ${request.url}`)
    response.writeHead(405).end()
  })
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? ''
    tunnels.push(target)
    const port = Number(target.slice(target.lastIndexOf(':') + 1))
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstreams.add(upstream)
    upstream.on('close', () => upstreams.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    client.on('close', () => upstream.destroy())
  })
  const serving = await serveOnLoopback(server)
  return {
    url: `http://127.0.0.1:${serving.port}`,
    tunnels,
    refused,
    clear() {
      tunnels.length = 0
      refused.length = 0
    },
    stop: () => {
      for (const socket of upstreams) socket.destroy()
      return serving.stop()
    },
  }
}
