import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../../lib/errors'
import { checksumFor, download, ensureTool, HttpStatusError, sha256, type ToolSpec, toolCacheRoot, toolDir } from '../../lib/tools'

let baseUrl = ''
let tarball: Buffer
let failuresLeft = 0
const requests: string[] = []
const server = createServer((request, response) => {
  requests.push(request.url ?? '')
  if (request.url === '/flaky' && failuresLeft-- > 0) {
    response.writeHead(503).end()
    return
  }
  if (request.url === '/tool.tar.gz' || request.url === '/flaky') {
    response.writeHead(200).end(tarball)
    return
  }
  if (request.url === '/raw-tool') {
    response.writeHead(200).end('#!/bin/sh\necho raw\n')
    return
  }
  response.writeHead(404).end()
})

beforeAll(async () => {
  const source = await mkdtemp(join(tmpdir(), 'tool-src-'))
  await mkdir(join(source, 'linux-amd64'))
  await writeFile(join(source, 'linux-amd64', 'demo'), '#!/bin/sh\necho demo\n')
  spawnSync('tar', ['-czf', join(source, 'demo.tar.gz'), '-C', source, 'linux-amd64'])
  tarball = await readFile(join(source, 'demo.tar.gz'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function cacheEnv() {
  return { PIPELINE_ACTIONS_TOOL_CACHE: await mkdtemp(join(tmpdir(), 'tool-cache-')) }
}

/** The demo archive's spec: the served tarball, its checksum, the binary one folder down. */
const demo = (overrides: Partial<ToolSpec> = {}): ToolSpec => ({
  name: 'demo',
  version: '1.0.0',
  url: `${baseUrl}/tool.tar.gz`,
  sha256: sha256(tarball),
  archive: 'tar.gz',
  binary: 'demo',
  stripComponents: 1,
  ...overrides,
})

describe('ensureTool', () => {
  it('downloads, verifies, unpacks and then reuses the cache', async () => {
    const env = await cacheEnv()
    const spec = demo()
    const path = await ensureTool(spec, { env })
    expect(path).toBe(join(env.PIPELINE_ACTIONS_TOOL_CACHE, 'demo-1.0.0', 'demo'))
    expect(spawnSync(path).stdout.toString()).toBe('demo\n')
    const before = requests.length
    expect(await ensureTool(spec, { env })).toBe(path)
    expect(requests.length).toBe(before)
  })

  it('keeps a plain binary download', async () => {
    const env = await cacheEnv()
    const body = '#!/bin/sh\necho raw\n'
    const path = await ensureTool(
      { name: 'raw', version: '2', url: `${baseUrl}/raw-tool`, sha256: sha256(body), archive: 'binary', binary: 'raw' },
      { env },
    )
    expect(spawnSync(path).stdout.toString()).toBe('raw\n')
  })

  it('refuses a download whose checksum does not match, and caches nothing', async () => {
    const env = await cacheEnv()
    const spec = demo({ version: '6.6.6', sha256: '0'.repeat(64), stripComponents: 0 })
    const error = await ensureTool(spec, { env }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toContain('refusing to use it')
    expect(existsSync(toolDir('demo', '6.6.6', env))).toBe(false)
  })

  it('reports an archive that cannot be unpacked', async () => {
    const env = await cacheEnv()
    const spec = demo({
      name: 'bad',
      version: '1',
      url: `${baseUrl}/raw-tool`,
      sha256: sha256('#!/bin/sh\necho raw\n'),
      binary: 'bad',
      stripComponents: 0,
    })
    await expect(ensureTool(spec, { env })).rejects.toThrow(/Could not unpack bad 1/)
  })
})

describe('download', () => {
  it('retries 5xx and fails clearly on 404', async () => {
    failuresLeft = 1
    expect((await download(`${baseUrl}/flaky`, fetch)).equals(tarball)).toBe(true)
    await expect(download(`${baseUrl}/missing`, fetch)).rejects.toThrow(`Could not download ${baseUrl}/missing: HTTP 404`)
  })
  it('classifies HTTP statuses', () => {
    expect(new HttpStatusError('u', 429).isTransient).toBe(true)
    expect(new HttpStatusError('u', 403).isTransient).toBe(false)
  })
})

describe('cache folders and checksums', () => {
  it.each([
    [{ PIPELINE_ACTIONS_TOOL_CACHE: '/c' }, '/c'],
    [{ RUNNER_TOOL_CACHE: '/opt/hostedtoolcache' }, '/opt/hostedtoolcache/pipeline-actions'],
  ])('%j → %s', (env, expected) => expect(toolCacheRoot(env)).toBe(expected))
  it('defaults under the home folder', () => expect(toolCacheRoot({})).toMatch(/\.cache\/pipeline-actions$/))

  it('finds a checksum in a release listing', () => {
    const sum = 'a'.repeat(64)
    const listing = `${'b'.repeat(64)}  other.tar.gz\n${sum}  kubeconform-linux-amd64.tar.gz\n`
    expect(checksumFor(listing, 'kubeconform-linux-amd64.tar.gz')).toBe(sum)
    expect(checksumFor(`${sum} *bin.tar.gz`, 'bin.tar.gz')).toBe(sum)
    expect(checksumFor(listing, 'missing')).toBeUndefined()
  })
})
