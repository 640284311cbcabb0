import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'

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
  const sockets = new Set<Socket>()
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
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    }
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    refused,
    clear() {
      tunnels.length = 0
      refused.length = 0
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
