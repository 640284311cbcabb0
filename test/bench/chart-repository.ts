import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { promisify } from 'node:util'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { freePort } from './ports'

/**
 * A Helm chart repository on loopback, served the way chart publishers serve
 * theirs (the Airflow chart's is one): an index.yaml and packaged charts over
 * HTTP, here behind basic auth when credentials are given. The charts are
 * packaged and indexed by the real helm.
 */
export interface ChartRepository {
  url: string
  /** Every request, in order, and whether it carried the expected credentials. */
  requests: { path: string; authorized: boolean }[]
  stop(): Promise<void>
}

export async function startChartRepository(options: {
  charts: string[]
  credentials?: { username: string; password: string }
}): Promise<ChartRepository> {
  const dir = await mkdtemp(join(tmpdir(), 'chart-repository-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const helm = (...args: string[]) => promisify(execFile)(toolPaths().helm, args, { env: { PATH: process.env.PATH, HOME: dir } })
  for (const chart of options.charts) await helm('package', chart, '--destination', dir)
  await helm('repo', 'index', dir, '--url', url)

  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
    : undefined
  const requests: ChartRepository['requests'] = []
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', url).pathname)
    const authorized = expected === undefined || request.headers.authorization === expected
    requests.push({ path, authorized })
    if (!authorized) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end()
      return
    }
    const file = normalize(join(dir, path))
    try {
      if (!file.startsWith(`${dir}/`)) throw new Error('outside the repository')
      const body = await readFile(file)
      response.writeHead(200, { 'content-length': body.length }).end(body)
    } catch {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url,
    requests,
    stop: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
