import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { goPlatform, installRelease } from '../../scripts/release.mjs'

const binary = Buffer.from('#!/bin/sh\necho released\n')
let server: ChildProcess
let base: string
let work: string

const FILE_SERVER = `
const { createServer } = require('node:http')
const { readFile } = require('node:fs')
const { join } = require('node:path')
const server = createServer((request, response) =>
  readFile(join(process.argv[1], request.url), (error, body) => (error ? response.writeHead(404).end() : response.end(body))),
)
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`)
  return result
}
// The setup's contract: fill a staging folder, then swap it into place.
const installInto = (dir: string, fill: (staging: string) => void) => {
  const staging = `${dir}.partial`
  mkdirSync(staging, { recursive: true })
  fill(staging)
  renameSync(staging, dir)
}
const fail = (message: string): never => {
  throw new Error(message)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'release-test-'))
  // helm's shape: the binary inside a folder named after the platform, in a .tar.gz.
  mkdirSync(join(work, 'src', 'linux-amd64'), { recursive: true })
  await writeFile(join(work, 'src', 'linux-amd64', 'helm'), binary)
  run('tar', ['-czf', join(work, 'helm.tar.gz'), '-C', join(work, 'src'), 'linux-amd64/helm'])
  mkdirSync(join(work, 'serve'))
  renameSync(join(work, 'helm.tar.gz'), join(work, 'serve', 'helm-linux-amd64.tar.gz'))
  await writeFile(join(work, 'serve', 'kwok-linux-amd64'), binary)
  // The server runs in a process of its own: the setup downloads through a synchronous child process,
  // which would block a server in this one.
  server = spawn(process.execPath, ['-e', FILE_SERVER, join(work, 'serve')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve) => server.stdout?.once('data', (data) => resolve(String(data).trim())))
  base = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  server?.kill()
  await rm(work, { recursive: true, force: true })
})

/** Installs into the test's cache folder, returning what the setup said. */
function install(name: string, release: Parameters<typeof installRelease>[0]['release'], platform = 'linux-amd64') {
  const dir = join(work, 'cache', name)
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    const installed = installRelease({ release, platform, label: name, dir, binary: name, run, installInto, fail })
    return { installed, file: join(dir, name), said: log.mock.calls.map((call) => String(call[0])) }
  } finally {
    log.mockRestore()
  }
}

describe('installing an official release', () => {
  it("takes Go's names for the platform", () => {
    expect(goPlatform('linux', 'x64')).toBe('linux-amd64')
    expect(goPlatform('darwin', 'arm64')).toBe('darwin-arm64')
  })

  it('extracts the binary from a verified archive, executable', async () => {
    const archive = await readFile(join(work, 'serve', 'helm-linux-amd64.tar.gz'))
    const { installed, file, said } = install('helm', {
      url: (platform) => `${base}/helm-${platform}.tar.gz`,
      member: (platform) => `${platform}/helm`,
      sha256: { 'linux-amd64': sha256(archive) },
    })
    expect(installed).toBe(true)
    expect(said).toEqual(['setup: helm: the official release, sha256 verified'])
    expect(await readFile(file)).toEqual(binary)
    expect(statSync(file).mode & 0o111).toBe(0o111)
  })

  it('keeps a bare binary as it is', async () => {
    const { installed, file } = install('kwok', {
      url: (platform) => `${base}/kwok-${platform}`,
      member: () => null,
      sha256: { 'linux-amd64': sha256(binary) },
    })
    expect(installed).toBe(true)
    expect(await readFile(file)).toEqual(binary)
  })

  it('stops on other bytes than the pinned ones, installing nothing', () => {
    const release = { url: () => `${base}/kwok-linux-amd64`, member: () => null, sha256: { 'linux-amd64': '1'.repeat(64) } }
    expect(() => install('tampered', release)).toThrow(/^tampered: .*sha256 [0-9a-f]{64}, but scripts\/toolchain.mjs pins 1{64}$/)
    expect(existsSync(join(work, 'cache', 'tampered'))).toBe(false)
  })

  it.each([
    [
      'no sum is pinned for this platform',
      { 'linux-arm64': '2'.repeat(64) },
      (): string => `${base}/kwok-linux-amd64`,
      /no pinned sha256 for its linux-amd64 release; building from source/,
    ],
    [
      'the host cannot be reached',
      { 'linux-amd64': '2'.repeat(64) },
      // A name that never resolves (RFC 2606), as every release host fails on a machine without internet.
      (): string => 'https://release-host.invalid/kwok',
      /^setup: fallback: release-host\.invalid cannot be reached \((ENOTFOUND|EAI_AGAIN)\); building from source$/,
    ],
  ])('falls back to a source build, saying so in one line, when %s', (_name, sums, url, expected) => {
    const { installed, file, said } = install('fallback', { url, member: () => null, sha256: sums })
    expect(installed).toBe(false)
    expect(existsSync(file)).toBe(false)
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(expected)
  })
})
