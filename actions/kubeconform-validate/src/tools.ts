import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '../../../lib/core'
import { UserError } from '../../../lib/errors'
import type { Exec } from '../../../lib/exec'
import { hostChecksumNotice, pinnedSha256 } from '../../../lib/tool-checksums'
import { checksumFor, download, ensureTool, toolDir } from '../../../lib/tools'

/**
 * kubeconform and helm at pinned versions: taken from the tool cache when
 * present, else downloaded from their releases and checked against the sha256
 * this action pins for the default versions, or for any other version against
 * the checksum file published with it. The checksum file is fetched only on a
 * cache miss, so a warm run makes no request at all.
 */

export interface ToolDeps {
  fetch: typeof fetch
  exec: Exec
  env: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  arch?: string
}

export function releasePlatform(platform: NodeJS.Platform, arch: string): { os: string; arch: string } {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : undefined
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined
  if (!os || !cpu)
    throw new UserError(`kubeconform-validate runs on Linux and macOS runners (x64 or arm64); this runner is ${platform}/${arch}.`)
  return { os, arch: cpu }
}

export async function ensureKubeconform(version: string, deps: ToolDeps): Promise<string> {
  const { os, arch } = releasePlatform(deps.platform ?? process.platform, deps.arch ?? process.arch)
  const base = (deps.env.PIPELINE_ACTIONS_KUBECONFORM_RELEASES ?? 'https://github.com/yannh/kubeconform/releases').replace(/\/+$/, '')
  const file = `kubeconform-${os}-${arch}.tar.gz`
  return ensureWithChecksums(
    { name: 'kubeconform', version, binary: 'kubeconform', stripComponents: 0 },
    `${base}/download/${version}/${file}`,
    `${base}/download/${version}/CHECKSUMS`,
    file,
    deps,
  )
}

export async function ensureHelm(version: string, deps: ToolDeps): Promise<string> {
  const { os, arch } = releasePlatform(deps.platform ?? process.platform, deps.arch ?? process.arch)
  const base = (deps.env.PIPELINE_ACTIONS_HELM_DOWNLOADS ?? 'https://get.helm.sh').replace(/\/+$/, '')
  const file = `helm-${version}-${os}-${arch}.tar.gz`
  return ensureWithChecksums(
    { name: 'helm', version, binary: 'helm', stripComponents: 1 },
    `${base}/${file}`,
    `${base}/${file}.sha256sum`,
    file,
    deps,
  )
}

interface Tool {
  name: string
  version: string
  binary: string
  stripComponents: number
}

async function ensureWithChecksums(tool: Tool, url: string, checksumsUrl: string, file: string, deps: ToolDeps): Promise<string> {
  const cached = join(toolDir(tool.name, tool.version, deps.env), tool.binary)
  if (await isFile(cached)) return cached
  const pinned = pinnedSha256(url)
  if (pinned) return ensureTool({ ...tool, url, sha256: pinned, archive: 'tar.gz' }, { fetch: deps.fetch, exec: deps.exec, env: deps.env })
  core.info(hostChecksumNotice(tool.name, tool.version, checksumsUrl))
  const listing = (await download(checksumsUrl, deps.fetch)).toString('utf8')
  const sha256 = checksumFor(listing, file)
  if (!sha256)
    throw new UserError(`${checksumsUrl} lists no checksum for ${file}; refusing to install ${tool.name} ${tool.version} unverified.`)
  return ensureTool({ ...tool, url, sha256, archive: 'tar.gz' }, { fetch: deps.fetch, exec: deps.exec, env: deps.env })
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
