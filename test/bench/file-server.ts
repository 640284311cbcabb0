import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { freePort } from './ports'

/**
 * A loopback HTTP server for a folder that records what it is asked for: the
 * schema host of the validation benchmark, and (behind basic auth) the Helm
 * chart repository of the deploy tests.
 */
export interface FileServer {
  url: string
  /** Requests since the last reset, in order, and whether each carried the expected credentials. */
  requests: { path: string; authorized: boolean }[]
  reset(): void
  stop(): Promise<void>
}

export async function serveFolder(
  root: string,
  options: { credentials?: { username: string; password: string } } = {},
): Promise<FileServer> {
  const { credentials } = options
  const expected = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined
  const requests: FileServer['requests'] = []
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    const authorized = expected === undefined || request.headers.authorization === expected
    requests.push({ path, authorized })
    if (!authorized) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="bench"' }).end()
      return
    }
    const file = normalize(join(root, path))
    // Only files below the folder: not a sibling whose name merely starts the same.
    if (!file.startsWith(`${root}/`)) {
      response.writeHead(403).end()
      return
    }
    try {
      const body = await readFile(file)
      const type = extname(file) === '.json' ? 'application/json' : 'application/octet-stream'
      response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body)
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
