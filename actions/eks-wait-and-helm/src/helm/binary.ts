import { findOnPath } from '../../../../lib/files'
import { parseReleaseVersion } from '../../../../lib/inputs'
import { DEFAULT_HELM_VERSION, HELM, installReleaseTool } from '../../../../lib/release-tool'

export { DEFAULT_HELM_VERSION }

export interface HelmInstallDeps {
  env: NodeJS.ProcessEnv
  fetch: typeof fetch
  platform?: NodeJS.Platform
  arch?: string
}

export function normalizeHelmVersion(raw: string): string {
  return parseReleaseVersion('helm-version', raw, { example: 'v3.19.0 or 4.0.0', what: 'Helm release' })
}

/**
 * The helm to run: the pinned `helm-version` when given, else the helm on
 * PATH, else the default version (lib/release-tool: verified, cached by
 * version; PIPELINE_ACTIONS_HELM_DOWNLOADS names a mirror).
 */
export async function resolveHelm(pinned: string | undefined, deps: HelmInstallDeps): Promise<string> {
  if (pinned === undefined) {
    const onPath = await findOnPath('helm', deps.env.PATH)
    if (onPath) return onPath
  }
  return installHelm(pinned ?? DEFAULT_HELM_VERSION, deps)
}

export function installHelm(version: string, deps: HelmInstallDeps): Promise<string> {
  return installReleaseTool(HELM, version, {
    ...deps,
    unsupported: (platform, arch) =>
      `Installing Helm on ${platform}/${arch} is not supported; put helm on PATH and leave helm-version empty.`,
  })
}
