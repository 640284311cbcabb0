import { UserError } from '../../../../lib/errors'
import { type Exec, tail } from '../../../../lib/exec'

export interface HelmInfo {
  path: string
  /** As helm prints it: v3.19.0, or v3.19 for a build without release metadata. */
  version: string
  major: number
}

export function parseHelmVersion(text: string): { version: string; major: number } {
  const match = /v?(\d+)\.(\d+)(?:\.(\d+))?[^\s"]*/.exec(text.trim())
  if (!match) throw new UserError(`Could not read the Helm version from '${text.trim().slice(0, 80)}'.`)
  return { version: match[0].startsWith('v') ? match[0] : `v${match[0]}`, major: Number(match[1]) }
}

/** Flags differ between Helm 3 and 4 (--atomic became --rollback-on-failure), so the installed major decides them. */
export async function detectHelm(path: string, exec: Exec): Promise<HelmInfo> {
  const result = await exec(path, ['version', '--template', '{{.Version}}'], { silent: true })
  if (result.exitCode !== 0) throw new UserError(`'${path} version' failed: ${tail(result.stderr || result.stdout, 3)}`)
  const { version, major } = parseHelmVersion(result.stdout)
  if (major < 3)
    throw new UserError(`Helm ${version} is too old: this action supports Helm 3 and 4.`, "Set helm-version to 'v3.19.0' or newer.")
  return { path, version, major }
}
