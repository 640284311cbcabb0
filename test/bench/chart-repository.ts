import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type FileServer, serveFolder } from './file-server'

/**
 * A Helm chart repository on loopback, served the way chart publishers serve
 * theirs (the Airflow chart's is one): an index.yaml and packaged charts over
 * HTTP, here behind basic auth when credentials are given. The charts are
 * packaged and indexed by the real helm.
 */
export type ChartRepository = Pick<FileServer, 'url' | 'requests' | 'stop'>

export async function startChartRepository(options: {
  charts: string[]
  credentials?: { username: string; password: string }
}): Promise<ChartRepository> {
  const dir = await mkdtemp(join(tmpdir(), 'chart-repository-'))
  const server = await serveFolder(dir, options.credentials ? { credentials: options.credentials } : {})
  const helm = (...args: string[]) => promisify(execFile)(toolPaths().helm, args, { env: { PATH: process.env.PATH, HOME: dir } })
  try {
    for (const chart of options.charts) await helm('package', chart, '--destination', dir)
    // The index names the server's URL, so it is written once the server has its port.
    await helm('repo', 'index', dir, '--url', server.url)
  } catch (error) {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    url: server.url,
    requests: server.requests,
    stop: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
