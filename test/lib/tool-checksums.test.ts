import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_HELM_VERSION, installHelm } from '../../actions/eks-wait-and-helm/src/helm/binary'
import { toolDeps } from '../../actions/kubeconform-validate/src/validate'
import { isUserError } from '../../lib/errors'
import { exec } from '../../lib/exec'
import { HELM, installReleaseTool, KUBECONFORM } from '../../lib/release-tool'
import { PINNED_SHA256 } from '../../lib/tool-checksums'
import { sha256 } from '../../lib/tools'
import { captureStdout } from '../harness/capture'

/**
 * The default tool versions are checked against sha256 figures kept in this
 * repository, not against a checksum file from the host that served the
 * archive. The official hosts cannot be reached from here, so `fetch` plays
 * a compromised one: it serves a substituted archive and, beside it, a
 * checksum file that vouches for it.
 */

let substitute: Buffer

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tool-substitute-'))
  await mkdir(join(dir, 'linux-amd64'))
  await writeFile(join(dir, 'linux-amd64', 'helm'), '#!/bin/sh\necho substituted\n', { mode: 0o755 })
  await writeFile(join(dir, 'kubeconform'), '#!/bin/sh\necho substituted\n', { mode: 0o755 })
  spawnSync('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', dir, 'linux-amd64', 'kubeconform'])
  substitute = await readFile(join(dir, 'out.tar.gz'))
})

/** A host that answers every archive with `substitute` and every checksum file with its sha256. */
function compromisedHost() {
  const requests: string[] = []
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input)
    requests.push(url)
    const name = url.split('/').at(-1) ?? ''
    if (url.endsWith('.sha256sum')) return new Response(`${sha256(substitute)}  ${name.replace(/\.sha256sum$/, '')}\n`)
    if (url.endsWith('/CHECKSUMS'))
      return new Response(`${sha256(substitute)}  kubeconform-linux-amd64.tar.gz\n${sha256(substitute)}  kubeconform-linux-arm64.tar.gz\n`)
    return new Response(substitute)
  }) as typeof fetch
  return { fetch: fetchImpl, requests }
}

type Deps = Parameters<typeof toolDeps>[0] & { platform?: NodeJS.Platform; arch?: string }
const ensureKubeconform = (version: string, d: Deps) => installReleaseTool(KUBECONFORM, version, { ...d, ...toolDeps(d) })
const ensureHelm = (version: string, d: Deps) => installReleaseTool(HELM, version, { ...d, ...toolDeps(d) })

const cache = () => mkdtemp(join(tmpdir(), 'tool-cache-'))

describe('pinned checksums of the default versions', () => {
  it('holds the four release archives of each default, as 64 hex digits', () => {
    const urls = Object.keys(PINNED_SHA256)
    for (const platform of ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64']) {
      expect(urls).toContain(`https://get.helm.sh/helm-${DEFAULT_HELM_VERSION}-${platform}.tar.gz`)
      expect(urls).toContain(`https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-${platform}.tar.gz`)
    }
    for (const sum of Object.values(PINNED_SHA256)) expect(sum).toMatch(/^[0-9a-f]{64}$/)
  })

  it(`refuses a substituted Helm ${DEFAULT_HELM_VERSION} (eks-wait-and-helm) in one line, without asking the host for a checksum`, async () => {
    const host = compromisedHost()
    const dir = await cache()
    const error = await installHelm(DEFAULT_HELM_VERSION, {
      env: { PIPELINE_ACTIONS_TOOL_CACHE: dir },
      fetch: host.fetch,
      platform: 'linux',
      arch: 'x64',
    }).catch((caught: unknown) => caught)
    expect(isUserError(error)).toBe(true)
    const url = `https://get.helm.sh/helm-${DEFAULT_HELM_VERSION}-linux-amd64.tar.gz`
    expect((error as Error).message).toBe(
      `The download of helm ${DEFAULT_HELM_VERSION} from ${url} has sha256 ${sha256(substitute)}, expected ${PINNED_SHA256[url]}; refusing to use it.`,
    )
    expect((error as Error).message).not.toContain('\n')
    expect(host.requests).toEqual([url])
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a substituted kubeconform v0.7.0 and Helm v3.19.0 (kubeconform-validate)', async () => {
    for (const arch of ['x64', 'arm64']) {
      const host = compromisedHost()
      const deps = { fetch: host.fetch, exec, env: { PIPELINE_ACTIONS_TOOL_CACHE: await cache() }, platform: 'linux' as const, arch }
      await expect(ensureKubeconform('v0.7.0', deps)).rejects.toThrow(/^The download of kubeconform v0\.7\.0 from .* refusing to use it\.$/)
      await expect(ensureHelm('v3.19.0', deps)).rejects.toThrow(/^The download of helm v3\.19\.0 from .* refusing to use it\.$/)
      expect(host.requests.some((url) => url.endsWith('CHECKSUMS') || url.endsWith('.sha256sum'))).toBe(false)
    }
  })

  it("keeps checking any other version against its host's checksum file, and says so in the log", async () => {
    const host = compromisedHost()
    const env = { PIPELINE_ACTIONS_TOOL_CACHE: await cache() }
    const { result, stdout } = await captureStdout(() => installHelm('v3.20.0', { env, fetch: host.fetch, platform: 'linux', arch: 'x64' }))
    expect(spawnSync(result).stdout.toString()).toBe('substituted\n')
    expect(stdout).toContain(
      'Helm v3.20.0 has no sha256 pinned in this action; it is verified against the checksum its own download host publishes (https://get.helm.sh/helm-v3.20.0-linux-amd64.tar.gz.sha256sum).',
    )
    const kubeconform = await captureStdout(() =>
      ensureKubeconform('v0.8.0', { fetch: host.fetch, exec, env, platform: 'linux', arch: 'x64' }),
    )
    expect(kubeconform.stdout).toContain(
      'kubeconform v0.8.0 has no sha256 pinned in this action; it is verified against the checksum its own download host publishes (https://github.com/yannh/kubeconform/releases/download/v0.8.0/CHECKSUMS).',
    )
  })
})
