import * as core from '../../../lib/core'
import { UserError } from '../../../lib/errors'
import { quote } from '../../../lib/escape'
import { installReleaseTool, type ReleaseTool } from '../../../lib/release-tool'
import { productOf } from './product'

/**
 * Terraform or OpenTofu installed by the action itself, at the exact
 * `terraform-version` asked for (a runner without Terraform on PATH needs no
 * setup step). Through lib/release-tool: the sha256 pinned in
 * lib/tool-checksums for the default versions, else the SHA256SUMS file of the
 * release, and the per-version tool cache, so a second run downloads nothing.
 *
 * The signatures over SHA256SUMS (HashiCorp's GPG key, OpenTofu's cosign
 * bundle) are not checked: that needs an OpenPGP and a Sigstore client in the
 * bundle and their keys kept here. The pinned sums of PINNED_VERSIONS give
 * the independent anchor a signature would, for the versions this action is tested with.
 */
export const TERRAFORM_RELEASE: ReleaseTool = {
  name: 'terraform',
  label: 'Terraform',
  stripComponents: 0,
  archive: 'zip',
  officialBase: 'https://releases.hashicorp.com/terraform',
  mirrorVariable: 'PIPELINE_ACTIONS_TERRAFORM_RELEASES',
  archivePath: (version, os, arch) => `${version}/terraform_${version}_${os}_${arch}.zip`,
  checksumsPath: (version) => `${version}/terraform_${version}_SHA256SUMS`,
}

export const OPENTOFU_RELEASE: ReleaseTool = {
  name: 'tofu',
  label: 'OpenTofu',
  stripComponents: 0,
  archive: 'tar.gz',
  officialBase: 'https://github.com/opentofu/opentofu/releases',
  mirrorVariable: 'PIPELINE_ACTIONS_OPENTOFU_RELEASES',
  archivePath: (version, os, arch) => `download/v${version}/tofu_${version}_${os}_${arch}.tar.gz`,
  checksumsPath: (version) => `download/v${version}/tofu_${version}_SHA256SUMS`,
}

/** The versions this action is tested with, whose archives' sums lib/tool-checksums pins. */
export const PINNED_VERSIONS = { terraform: '1.11.4', tofu: '1.12.6' } as const

const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$/

/**
 * `terraform-version`: an exact release (1.11.4, v1.12.6, 1.12.0-beta1), no
 * range: what ran must be what was asked for. It installs, so `terraform`
 * must then name the product, not a path to some binary.
 */
export function parseTerraformVersion(raw: string, terraform: string): string | undefined {
  const text = raw.trim()
  if (text === '') return undefined
  const match = VERSION.exec(text)
  if (!match)
    throw new UserError(`Input 'terraform-version' must be an exact release such as 1.11.4 (no range or 'latest'); got ${quote(text)}.`)
  if (terraform !== 'terraform' && terraform !== 'tofu') {
    throw new UserError(
      `Input 'terraform-version' installs a release, so input 'terraform' must be terraform or tofu; got ${quote(terraform)}.`,
      "Leave 'terraform-version' empty to run that binary as it is.",
    )
  }
  return match[1]
}

export interface InstallDeps {
  env: NodeJS.ProcessEnv
  fetch: typeof fetch
  platform?: NodeJS.Platform
  arch?: string
}

/**
 * The binary to run: with `terraform-version`, the installed release's path;
 * without it, the `terraform` input unchanged (the binary on PATH or the
 * path given, as before). Installing is asked for, never implied: a runner
 * whose PATH lacks Terraform fails as it did, rather than downloading a
 * release nobody chose into a job that may have meant another one.
 */
export async function resolveTerraform(terraform: string, version: string | undefined, deps: InstallDeps): Promise<string> {
  if (version === undefined) return terraform
  return install(productOf(terraform).command, version, deps)
}

const RELEASES = { terraform: TERRAFORM_RELEASE, tofu: OPENTOFU_RELEASE }

async function install(command: 'terraform' | 'tofu', version: string, deps: InstallDeps): Promise<string> {
  const tool = RELEASES[command]
  const path = await installReleaseTool(tool, version, {
    ...deps,
    unsupported: (platform, arch) =>
      `${tool.label} cannot be installed on ${platform}/${arch} by this action; put ${command} on PATH and leave terraform-version empty.`,
  })
  core.info(`Running ${tool.label} ${version} from ${path}.`)
  return path
}
