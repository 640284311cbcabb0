import { spawnSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolDeps } from '../../../actions/kubeconform-validate/src/validate'
import { UserError } from '../../../lib/errors'
import { exec } from '../../../lib/exec'
import { HELM, installReleaseTool, KUBECONFORM, releasePlatform } from '../../../lib/release-tool'
import { sha256 } from '../../../lib/tools'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { startServer, type TestServer, tempDir } from './helpers'

/** kubeconform-validate's installs, as validate() makes them. */
type Deps = Parameters<typeof toolDeps>[0] & { platform?: NodeJS.Platform; arch?: string }
const ensureKubeconform = (version: string, d: Deps) => installReleaseTool(KUBECONFORM, version, { ...d, ...toolDeps(d) })
const ensureHelm = (version: string, d: Deps) => installReleaseTool(HELM, version, { ...d, ...toolDeps(d) })

let server: TestServer
const files = new Map<string, Buffer | string>()

/** A release tarball holding a script that prints `name version`, laid out as the real release is. */
async function tarball(name: string, version: string, folder?: string): Promise<Buffer> {
  const dir = await tempDir('kcv-release-')
  const inner = folder ? join(dir, folder) : dir
  await mkdir(inner, { recursive: true })
  await writeFile(join(inner, name), `#!/bin/sh\necho ${name} ${version}\n`, { mode: 0o755 })
  await writeFile(join(inner, 'LICENSE'), 'license\n')
  spawnSync('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', dir, ...(folder ? [folder] : [name, 'LICENSE'])])
  return readFile(join(dir, 'out.tar.gz'))
}

beforeAll(async () => {
  const kubeconform = await tarball('kubeconform', 'v9.9.9')
  files.set('/yannh/releases/download/v9.9.9/kubeconform-linux-amd64.tar.gz', kubeconform)
  files.set(
    '/yannh/releases/download/v9.9.9/CHECKSUMS',
    `${sha256('other')}  kubeconform-darwin-arm64.tar.gz\n${sha256(kubeconform)}  kubeconform-linux-amd64.tar.gz\n`,
  )
  files.set('/yannh/releases/download/v8.8.8/kubeconform-linux-amd64.tar.gz', kubeconform)
  files.set('/yannh/releases/download/v8.8.8/CHECKSUMS', `${sha256('tampered')}  kubeconform-linux-amd64.tar.gz\n`)
  files.set('/yannh/releases/download/v7.7.7/CHECKSUMS', `${sha256('x')}  kubeconform-windows-amd64.zip\n`)
  const helm = await tarball('helm', 'v9.9.9', 'linux-amd64')
  files.set('/helm/helm-v9.9.9-linux-amd64.tar.gz', helm)
  files.set('/helm/helm-v9.9.9-linux-amd64.tar.gz.sha256sum', `${sha256(helm)}  helm-v9.9.9-linux-amd64.tar.gz\n`)
  server = await startServer((request, response) => {
    const body = files.get(request.url ?? '')
    if (body === undefined) return void response.writeHead(404).end()
    response.writeHead(200).end(body)
  })
})
afterAll(() => server.close())

const deps = async (cache?: string) => ({
  fetch,
  exec,
  env: {
    PIPELINE_ACTIONS_TOOL_CACHE: cache ?? (await tempDir('kcv-tools-')),
    PIPELINE_ACTIONS_KUBECONFORM_RELEASES: `${server.url}/yannh/releases`,
    PIPELINE_ACTIONS_HELM_DOWNLOADS: `${server.url}/helm/`,
  },
  platform: 'linux' as const,
  arch: 'x64',
})

describe('ensureKubeconform', () => {
  it('downloads the release, checks it against CHECKSUMS, keeps it, and reuses it without a request', async () => {
    const d = await deps()
    const before = server.requests.length
    const path = await ensureKubeconform('v9.9.9', d)
    expect(path).toBe(join(d.env.PIPELINE_ACTIONS_TOOL_CACHE, 'kubeconform-v9.9.9', 'kubeconform'))
    expect(spawnSync(path).stdout.toString()).toBe('kubeconform v9.9.9\n')
    expect(server.requests.slice(before)).toEqual([
      '/yannh/releases/download/v9.9.9/CHECKSUMS',
      '/yannh/releases/download/v9.9.9/kubeconform-linux-amd64.tar.gz',
    ])
    const warm = server.requests.length
    expect(await ensureKubeconform('v9.9.9', d)).toBe(path)
    expect(server.requests.length).toBe(warm)
  })

  it('uses the one the setup installed in the shared tool cache, with no request at all', async () => {
    const before = server.requests.length
    expect(await ensureKubeconform('v0.7.0', await deps(toolPaths().root))).toBe(toolPaths().kubeconform)
    expect(server.requests.length).toBe(before)
  })

  it('refuses a download that does not match its checksum, and keeps nothing', async () => {
    const d = await deps()
    const error = await ensureKubeconform('v8.8.8', d).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toContain('refusing to use it')
    expect(spawnSync('ls', [d.env.PIPELINE_ACTIONS_TOOL_CACHE]).stdout.toString()).toBe('')
  })

  it('refuses a release whose CHECKSUMS does not list the file', async () => {
    const error = await ensureKubeconform('v7.7.7', await deps()).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      `${server.url}/yannh/releases/download/v7.7.7/CHECKSUMS lists no checksum for kubeconform-linux-amd64.tar.gz; refusing to install kubeconform v7.7.7 unverified.`,
    )
  })

  it('names a release that does not exist', async () => {
    const error = await ensureKubeconform('v6.6.6', await deps()).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      `Could not download ${server.url}/yannh/releases/download/v6.6.6/CHECKSUMS: HTTP 404 from ${server.url}/yannh/releases/download/v6.6.6/CHECKSUMS.`,
    )
  })
})

describe('ensureHelm', () => {
  it('downloads helm, checks its .sha256sum and keeps the binary at the top of its cache folder', async () => {
    const d = await deps()
    const path = await ensureHelm('v9.9.9', d)
    expect(path).toBe(join(d.env.PIPELINE_ACTIONS_TOOL_CACHE, 'helm-v9.9.9', 'helm'))
    expect(spawnSync(path).stdout.toString()).toBe('helm v9.9.9\n')
  })
})

describe('releasePlatform', () => {
  it.each([
    ['linux', 'x64', { os: 'linux', arch: 'amd64' }],
    ['linux', 'arm64', { os: 'linux', arch: 'arm64' }],
    ['darwin', 'arm64', { os: 'darwin', arch: 'arm64' }],
  ] as const)('%s/%s', (platform, arch, expected) => {
    expect(releasePlatform(platform, arch)).toEqual(expected)
  })

  it.each([
    ['win32', 'x64'],
    ['linux', 'ia32'],
  ] as const)('refuses %s/%s', async (platform, arch) => {
    expect(releasePlatform(platform, arch)).toBeUndefined()
    await expect(ensureKubeconform('v0.7.0', { ...(await deps()), platform, arch })).rejects.toThrow(
      `kubeconform-validate runs on Linux and macOS runners (x64 or arm64); this runner is ${platform}/${arch}.`,
    )
  })
})
