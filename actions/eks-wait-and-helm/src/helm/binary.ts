import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import * as core from '../../../../lib/core'
import { UserError } from '../../../../lib/errors'
import { hostChecksumNotice, pinnedSha256 } from '../../../../lib/tool-checksums'
import { checksumFor, download, ensureTool, toolDir } from '../../../../lib/tools'

/** Installed when helm-version is empty and no helm is on PATH; the Airflow chart needs 3.19 or newer. */
export const DEFAULT_HELM_VERSION = 'v3.19.0'
export const HELM_DOWNLOADS = 'https://get.helm.sh'

export interface HelmInstallDeps {
  env: NodeJS.ProcessEnv
  fetch: typeof fetch
  /** Where release archives and their .sha256sum files are served; tests pass a local server. */
  baseUrl?: string
  platform?: NodeJS.Platform
  arch?: string
}

export function normalizeHelmVersion(raw: string): string {
  const text = raw.trim()
  if (!/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(text)) {
    throw new UserError(`Input 'helm-version' must be a Helm release such as v3.19.0 or 4.0.0; got '${raw}'.`)
  }
  return text.startsWith('v') ? text : `v${text}`
}

export function helmArchiveName(version: string, platform: NodeJS.Platform, arch: string): string {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : undefined
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined
  if (!os || !cpu)
    throw new UserError(`Installing Helm on ${platform}/${arch} is not supported; put helm on PATH and leave helm-version empty.`)
  return `helm-${version}-${os}-${cpu}.tar.gz`
}

/**
 * The helm to run: the pinned `helm-version` when given (downloaded once,
 * verified against the sha256 this action keeps for the default version or
 * else the one get.helm.sh publishes, and cached by version), else the helm
 * on PATH, else the default version installed the same way.
 */
export async function resolveHelm(pinned: string | undefined, deps: HelmInstallDeps): Promise<string> {
  if (pinned === undefined) {
    const onPath = await findOnPath('helm', deps.env.PATH ?? '')
    if (onPath) return onPath
  }
  return installHelm(pinned ?? DEFAULT_HELM_VERSION, deps)
}

export async function installHelm(version: string, deps: HelmInstallDeps): Promise<string> {
  const cached = join(toolDir('helm', version, deps.env), 'helm')
  if (await isExecutable(cached)) return cached
  const file = helmArchiveName(version, deps.platform ?? process.platform, deps.arch ?? process.arch)
  const url = `${deps.baseUrl ?? HELM_DOWNLOADS}/${file}`
  const pinned = pinnedSha256(url)
  if (pinned) {
    return ensureTool(
      { name: 'helm', version, url, sha256: pinned, archive: 'tar.gz', binary: 'helm', stripComponents: 1 },
      { env: deps.env, fetch: deps.fetch },
    )
  }
  core.info(hostChecksumNotice('Helm', version, `${url}.sha256sum`))
  const listing = (await download(`${url}.sha256sum`, deps.fetch)).toString('utf8')
  const sha256 = checksumFor(listing, file) ?? /^\s*([0-9a-f]{64})\s*$/i.exec(listing)?.[1]?.toLowerCase()
  if (!sha256) throw new UserError(`The checksum file for Helm ${version} at ${url}.sha256sum does not list ${file}.`)
  return ensureTool(
    { name: 'helm', version, url, sha256, archive: 'tar.gz', binary: 'helm', stripComponents: 1 },
    { env: deps.env, fetch: deps.fetch },
  )
}

export async function findOnPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    if (await isExecutable(candidate)) return candidate
  }
  return undefined
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
