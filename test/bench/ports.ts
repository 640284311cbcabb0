import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Ports below this are left to services a machine may run (databases, proxies, dev servers). */
const LOWEST_PORT = 10_000
const ATTEMPTS = 50

/**
 * The first port of the kernel's ephemeral range: the ports it hands to outgoing connections and
 * to `listen(0)`. Linux only reads it from /proc; elsewhere IANA's dynamic range is the usual one.
 */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(first) && first > LOWEST_PORT + 1_000) return first
  } catch {}
  return 49_152
}

const EPHEMERAL_START = ephemeralStart()

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free loopback port for a daemon that needs its port before it starts (etcd, kube-apiserver,
 * moto). It is chosen at random *below* the ephemeral range: a port from `listen(0)` is free only
 * until the kernel gives it to the next outgoing connection, which on a bench opening thousands of
 * them happened between our check and the daemon's bind ("address already in use"). Below that
 * range only another explicit bind can take it.
 */
export async function freePort(): Promise<number> {
  const end = EPHEMERAL_START
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (end - LOWEST_PORT))
    if (await canListen(port)) return port
  }
  throw new Error(`no free loopback port between ${LOWEST_PORT} and ${end} after ${ATTEMPTS} tries`)
}

/** Polls until `probe` resolves true, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

export interface Serving {
  port: number
  /** Closes the server, dropping the connections still open (a client that hangs cannot hold a test). */
  stop(): Promise<void>
}

/** Starts `server` (node:http, node:https or node:net) on a loopback port the kernel picks. */
export async function serveOnLoopback(server: import('node:net').Server): Promise<Serving> {
  const sockets = new Set<import('node:net').Socket>()
  server.on('connection', (socket: import('node:net').Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface RecordingServer {
  url: string
  /** One line a request, as `describe` put it. */
  requests: string[]
  stop(): Promise<void>
}

/** A loopback HTTP server answering every request with `handler`, recording each one (method and path by default). */
export async function startRecordingServer(
  handler: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void,
  describe: (request: import('node:http').IncomingMessage) => string = (request) => `${request.method} ${request.url}`,
): Promise<RecordingServer> {
  const { createServer } = await import('node:http')
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(describe(request))
    handler(request, response)
  })
  const { port, stop } = await serveOnLoopback(server)
  return { url: `http://127.0.0.1:${port}`, requests, stop }
}
