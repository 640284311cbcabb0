import { join } from 'node:path'
import * as core from './core'
import { UserError } from './errors'
import type { Exec } from './exec'
import { isFile } from './files'
import { hostChecksumNotice, pinnedSha256 } from './tool-checksums'
import { checksumFor, download, ensureTool, toolDir } from './tools'

/**
 * The one installer for the tools the actions download as official releases
 * (Helm for eks-wait-and-helm and kubeconform-validate, kubeconform, and
 * Terraform and OpenTofu for tf-apply-toggle): the
 * platform's archive name, the download host or the mirror an environment
 * variable names, the sha256 pinned in lib/tool-checksums for the default
 * versions (else the checksum file the host publishes, and the log says so),
 * and the per-version tool cache of lib/tools. A warm cache makes no request.
 */
export interface ReleaseTool {
  /** The binary's name, and the cache folder's prefix. */
  name: string
  /** How messages name it. */
  label: string
  stripComponents: number
  /** How the release packs the binary; tar.gz unless said. */
  archive?: 'tar.gz' | 'zip'
  officialBase: string
  /** The environment variable that points downloads at a mirror of officialBase. */
  mirrorVariable: string
  /** The archive's path below the base, for a release and a platform in the release's own spelling. */
  archivePath(version: string, os: string, arch: string): string
  /** The checksum file's path below the base. */
  checksumsPath(version: string, archivePath: string): string
}

export const HELM: ReleaseTool = {
  name: 'helm',
  label: 'Helm',
  stripComponents: 1,
  officialBase: 'https://get.helm.sh',
  mirrorVariable: 'PIPELINE_ACTIONS_HELM_DOWNLOADS',
  archivePath: (version, os, arch) => `helm-${version}-${os}-${arch}.tar.gz`,
  checksumsPath: (_version, archive) => `${archive}.sha256sum`,
}

export const KUBECONFORM: ReleaseTool = {
  name: 'kubeconform',
  label: 'kubeconform',
  stripComponents: 0,
  officialBase: 'https://github.com/yannh/kubeconform/releases',
  mirrorVariable: 'PIPELINE_ACTIONS_KUBECONFORM_RELEASES',
  archivePath: (version, os, arch) => `download/${version}/kubeconform-${os}-${arch}.tar.gz`,
  checksumsPath: (version) => `download/${version}/CHECKSUMS`,
}

/** The versions installed when an action is given none: the ones lib/tool-checksums pins. */
export const DEFAULT_HELM_VERSION = 'v3.19.0'
export const DEFAULT_KUBECONFORM_VERSION = 'v0.7.0'

/** Node's platform and CPU in the release archives' spelling, or undefined where the tools publish none. */
export function releasePlatform(platform: NodeJS.Platform, arch: string): { os: string; arch: string } | undefined {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : undefined
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined
  return os && cpu ? { os, arch: cpu } : undefined
}

export interface ReleaseToolDeps {
  fetch: typeof fetch
  env: NodeJS.ProcessEnv
  exec?: Exec
  platform?: NodeJS.Platform
  arch?: string
  /** The action's own line for a runner the tool has no release for (what the user can do instead differs). */
  unsupported?: (platform: NodeJS.Platform, arch: string) => string
}

/** The path of the tool's binary at `version`, from the cache, else downloaded and verified. */
export async function installReleaseTool(tool: ReleaseTool, version: string, deps: ReleaseToolDeps): Promise<string> {
  const cached = join(toolDir(tool.name, version, deps.env), tool.name)
  if (await isFile(cached)) return cached
  const platform = deps.platform ?? process.platform
  const arch = deps.arch ?? process.arch
  const target = releasePlatform(platform, arch)
  if (!target) {
    throw new UserError(deps.unsupported?.(platform, arch) ?? `${tool.label} publishes no release for ${platform}/${arch}.`)
  }
  const base = (deps.env[tool.mirrorVariable] || tool.officialBase).replace(/\/+$/, '')
  const archive = tool.archivePath(version, target.os, target.arch)
  const url = `${base}/${archive}`
  const spec = {
    name: tool.name,
    version,
    url,
    archive: tool.archive ?? 'tar.gz',
    binary: tool.name,
    stripComponents: tool.stripComponents,
  }
  const toolDeps = { fetch: deps.fetch, env: deps.env, ...(deps.exec ? { exec: deps.exec } : {}) }
  const pinned = pinnedSha256(url)
  if (pinned) return ensureTool({ ...spec, sha256: pinned }, toolDeps)

  const checksumsUrl = `${base}/${tool.checksumsPath(version, archive)}`
  core.info(hostChecksumNotice(tool.label, version, checksumsUrl))
  const listing = (await download(checksumsUrl, deps.fetch)).toString('utf8')
  const file = archive.split('/').pop() as string
  // A CHECKSUMS listing names each file; Helm's .sha256sum may hold the bare digest.
  const sha256 = checksumFor(listing, file) ?? /^\s*([0-9a-f]{64})\s*$/i.exec(listing)?.[1]?.toLowerCase()
  if (!sha256) throw new UserError(`${checksumsUrl} lists no checksum for ${file}; refusing to install ${tool.name} ${version} unverified.`)
  return ensureTool({ ...spec, sha256 }, toolDeps)
}
