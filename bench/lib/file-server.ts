import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join, normalize } from 'node:path'
import { freePort } from '../../test/bench/ports'

/** A loopback HTTP server for a folder (the schema host of the validation benchmark) that counts what it is asked for. */
export interface FileServer {
  url: string
  /** Paths requested since the last reset, in order. */
  requests: string[]
  reset(): void
  stop(): Promise<void>
}

export async function serveFolder(root: string): Promise<FileServer> {
  const requests: string[] = []
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    requests.push(path)
    const file = normalize(join(root, path))
    if (!file.startsWith(root)) {
      response.writeHead(403).end()
      return
    }
    try {
      const body = await readFile(file)
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found')
    }
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
