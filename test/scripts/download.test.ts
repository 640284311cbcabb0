import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { download, Unreachable } from '../../scripts/download.mjs'

const body = Buffer.from('a release binary')
const sha256 = createHash('sha256').update(body).digest('hex')
let server: Server
let base: string
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'download-test-'))
  server = createServer((request, response) => {
    if (request.url === '/release') response.end(body)
    else if (request.url === '/moved') response.writeHead(302, { location: '/release' }).end()
    else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await rm(work, { recursive: true, force: true })
})

describe('downloading an official release against its pinned sha256', () => {
  it.each([
    ['the file itself', '/release'],
    ['a redirect to it, as release hosts answer', '/moved'],
  ])('keeps the verified bytes of %s', async (_name, path) => {
    const file = join(work, `ok${path.replace('/', '-')}`)
    await download(`${base}${path}`, sha256, file)
    expect(await readFile(file)).toEqual(body)
  })

  it('refuses other bytes than the pinned ones, names both sums and leaves no file', async () => {
    const file = join(work, 'tampered')
    const pinned = '0'.repeat(64)
    await expect(download(`${base}/release`, pinned, file)).rejects.toThrow(`sha256 ${sha256}, but scripts/toolchain.mjs pins ${pinned}`)
    expect(existsSync(file)).toBe(false)
  })

  it('reports an HTTP error as an error, not as an unreachable host', async () => {
    const error = await download(`${base}/missing`, sha256, join(work, 'missing')).catch((caught) => caught)
    expect(error).not.toBeInstanceOf(Unreachable)
    expect(error.message).toContain('HTTP 404')
  })

  it('tells an unreachable host apart, so the setup builds from source instead', async () => {
    // A closed port on loopback: refused before any response, as an offline machine fails.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await download(`http://127.0.0.1:${port}/release`, sha256, join(work, 'refused')).catch((caught) => caught)
    expect(error).toBeInstanceOf(Unreachable)
    expect(error.message).toMatch(/^127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\)$/)
  })
})
