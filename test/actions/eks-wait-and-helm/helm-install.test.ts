import { spawnSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_HELM_VERSION, installHelm, normalizeHelmVersion, resolveHelm } from '../../../actions/eks-wait-and-helm/src/helm/binary'
import { isUserError } from '../../../lib/errors'
import { findOnPath } from '../../../lib/files'
import { HELM, releasePlatform } from '../../../lib/release-tool'
import { sha256 } from '../../../lib/tools'

// A local get.helm.sh: release archives laid out as the real ones (linux-amd64/helm), with .sha256sum files.
const files = new Map<string, Buffer | string>()
const requests: string[] = []
let baseUrl = ''
const server = createServer((request, response) => {
  requests.push(request.url ?? '')
  const body = files.get(request.url ?? '')
  if (body === undefined) response.writeHead(404).end()
  else response.writeHead(200).end(body)
})

async function archive(version: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'helm-archive-'))
  await mkdir(join(dir, 'linux-amd64'))
  await writeFile(join(dir, 'linux-amd64', 'helm'), `#!/bin/sh\necho ${version}\n`)
  spawnSync('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', dir, 'linux-amd64'])
  return readFile(join(dir, 'out.tar.gz'))
}

beforeAll(async () => {
  for (const version of ['v4.0.0', 'v3.19.0', 'v3.18.0', 'v3.17.0']) {
    const name = `helm-${version}-linux-amd64.tar.gz`
    const bytes = await archive(version)
    files.set(`/${name}`, bytes)
    // v3.18.0 is published tampered, v3.17.0 with a bare hash (the .sha256 style).
    if (version === 'v3.18.0') files.set(`/${name}.sha256sum`, `${sha256('something else')}  ${name}\n`)
    else if (version === 'v3.17.0') files.set(`/${name}.sha256sum`, `${sha256(bytes)}\n`)
    else files.set(`/${name}.sha256sum`, `${sha256(bytes)}  ${name}\n`)
  }
  files.set('/helm-v3.16.0-linux-amd64.tar.gz.sha256sum', `${sha256('x')}  helm-v3.16.0-linux-arm64.tar.gz\n`)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function deps(path = '') {
  return {
    env: {
      PIPELINE_ACTIONS_TOOL_CACHE: await mkdtemp(join(tmpdir(), 'helm-cache-')),
      PATH: path,
      PIPELINE_ACTIONS_HELM_DOWNLOADS: baseUrl,
    },
    fetch,
    platform: 'linux' as const,
    arch: 'x64',
  }
}

describe('installing helm', () => {
  it('downloads a pinned version, checks its sha256, caches it, and reuses the cache', async () => {
    const d = await deps()
    const path = await installHelm('v4.0.0', d)
    expect(path).toBe(join(d.env.PIPELINE_ACTIONS_TOOL_CACHE, 'helm-v4.0.0', 'helm'))
    expect(spawnSync(path).stdout.toString()).toBe('v4.0.0\n')
    const before = requests.length
    expect(await resolveHelm('v4.0.0', d)).toBe(path)
    expect(requests.length).toBe(before)
  })

  it('accepts a bare-hash checksum file', async () => {
    expect(spawnSync(await installHelm('v3.17.0', await deps())).stdout.toString()).toBe('v3.17.0\n')
  })

  it('refuses an archive whose checksum does not match', async () => {
    const error = await installHelm('v3.18.0', await deps()).catch((caught: unknown) => caught)
    expect(isUserError(error)).toBe(true)
    expect((error as Error).message).toMatch(/has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; refusing to use it/)
  })

  it('refuses a checksum file that does not list the archive', async () => {
    await expect(installHelm('v3.16.0', await deps())).rejects.toThrow(/lists no checksum for helm-v3\.16\.0-linux-amd64\.tar\.gz/)
  })

  it('prefers the helm on PATH when no version is pinned', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'path-helm-'))
    await writeFile(join(bin, 'helm'), '#!/bin/sh\necho path\n')
    await chmod(join(bin, 'helm'), 0o755)
    expect(await resolveHelm(undefined, await deps(`/nonexistent:${bin}`))).toBe(join(bin, 'helm'))
  })

  it(`installs ${DEFAULT_HELM_VERSION} when no version is pinned and PATH has none`, async () => {
    const path = await resolveHelm(undefined, await deps('/nonexistent'))
    expect(spawnSync(path).stdout.toString()).toBe(`${DEFAULT_HELM_VERSION}\n`)
  })

  it('finds nothing on an empty PATH', async () => {
    expect(await findOnPath('helm', '')).toBeUndefined()
  })

  it.each([
    ['3.19.0', 'v3.19.0'],
    ['v4.0.0', 'v4.0.0'],
    [' v3.20.0-rc.1 ', 'v3.20.0-rc.1'],
  ])('normalizes %j', (raw, version) => {
    expect(normalizeHelmVersion(raw)).toBe(version)
  })

  it.each(['latest', '3.19', 'v3'])('refuses %j', (raw) => {
    expect(() => normalizeHelmVersion(raw)).toThrow(/Input 'helm-version' must be a Helm release/)
  })

  it.each([
    ['linux', 'x64', 'helm-v3.19.0-linux-amd64.tar.gz'],
    ['linux', 'arm64', 'helm-v3.19.0-linux-arm64.tar.gz'],
    ['darwin', 'arm64', 'helm-v3.19.0-darwin-arm64.tar.gz'],
  ] as const)('archive for %s/%s', (platform, arch, name) => {
    const target = releasePlatform(platform, arch)
    expect(target && HELM.archivePath('v3.19.0', target.os, target.arch)).toBe(name)
  })

  it('refuses a platform it cannot install on', async () => {
    await expect(installHelm('v3.19.0', { ...(await deps()), platform: 'win32', arch: 'x64' })).rejects.toThrow(
      /Installing Helm on win32\/x64 is not supported/,
    )
  })
})
