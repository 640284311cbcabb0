import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll } from 'vitest'
import { type ExecResult, exec } from '../../lib/exec'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { repoRoot } from '../harness/runner'

/** Terraform's warning that a dev_overrides provider is in use: expected here, and the only one allowed. */
export const DEV_OVERRIDES_WARNING = 'Provider development overrides are in effect'

export interface Diagnostic {
  severity: 'error' | 'warning'
  summary: string
  detail?: string
  range?: { filename: string; start: { line: number } }
}

export interface TerraformCopy {
  /** The copy's `terraform/` folder. */
  root: string
  /** Runs terraform in a folder of the copy (`bootstrap`, `modules/ecr`, ...). */
  run(folder: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ExecResult>
  /**
   * Prepares a root configuration of the copy for moto: its modules installed, S3 addressed
   * path-style (moto on 127.0.0.1 has no name for bucket subdomains) and, with `localState`,
   * its backend block taken out so its state stays in the folder.
   */
  pointAtMoto(folder: string, options?: { localState?: boolean }): Promise<void>
  remove(): Promise<void>
}

/** A configuration's terraform block without its `backend` block. */
export function withoutBackend(versionsTf: string): string {
  const start = versionsTf.search(/^ {2}backend "[^"]+" \{$/m)
  if (start < 0) throw new Error('no backend block to remove')
  const end = versionsTf.indexOf('\n  }\n', start)
  if (end < 0) throw new Error('the backend block does not end with a two-space "}" line')
  return versionsTf.slice(0, start) + versionsTf.slice(end + '\n  }\n'.length)
}

/**
 * A scratch copy of the repository's `terraform/` folder, run with the AWS
 * provider the setup built from source: no provider can be downloaded here,
 * so a CLI configuration points Terraform at it through `dev_overrides`,
 * Terraform's own mechanism for a provider built locally. With it, Terraform
 * (1.11) wants no `init`, and its init would fail asking the registry for the
 * overridden provider; `terraform get` installs the local modules. So only
 * configurations with local state can be planned: a backend needs init.
 * A copy, because modules and state are written next to the configuration.
 */
export async function copyOfTerraform(): Promise<TerraformCopy> {
  const provider = toolPaths().awsProvider
  if (!existsSync(provider)) throw new Error(`the AWS provider is not built (${provider}): run 'npm run setup'`)
  const scratch = await mkdtemp(join(tmpdir(), 'terraform-aws-'))
  const root = join(scratch, 'terraform')
  await cp(join(repoRoot, 'terraform'), root, {
    recursive: true,
    filter: (source) => !/[/\\](\.terraform|terraform\.tfstate[^/\\]*)$/.test(source),
  })
  const cliConfig = join(scratch, 'terraform.rc')
  await writeFile(
    cliConfig,
    [
      'provider_installation {',
      '  dev_overrides {',
      `    "hashicorp/aws" = ${JSON.stringify(dirname(provider))}`,
      '  }',
      '  direct {}',
      '}',
      '',
    ].join('\n'),
  )
  const baseEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
  }
  const run: TerraformCopy['run'] = (folder, args, env = {}) =>
    exec('terraform', args, { cwd: join(root, folder), silent: true, env: { ...baseEnv, ...env } })
  return {
    root,
    run,
    async pointAtMoto(folder, { localState = false } = {}) {
      const dir = join(root, folder)
      await writeFile(join(dir, 'moto_override.tf'), 'provider "aws" {\n  s3_use_path_style = true\n}\n')
      if (localState) await writeFile(join(dir, 'versions.tf'), withoutBackend(await readFile(join(dir, 'versions.tf'), 'utf8')))
      const get = await run(folder, ['get', '-no-color'])
      if (get.exitCode !== 0) throw new Error(`terraform get in ${folder} failed: ${get.stderr}`)
    },
    remove: () => rm(scratch, { recursive: true, force: true }),
  }
}

/** What the validate -json report says, less the expected dev_overrides warning. */
export function validationProblems(stdout: string): Diagnostic[] {
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] }
  return report.diagnostics.filter((diagnostic) => diagnostic.summary !== DEV_OVERRIDES_WARNING)
}

/** After the file's tests: the copy removed, then moto stopped (each given by a getter, as beforeAll sets them). */
export function cleanUpAfterAll(parts: () => { copy?: TerraformCopy; aws?: { stop(): Promise<void> } }): void {
  afterAll(async () => {
    const { copy, aws } = parts()
    await copy?.remove()
    await aws?.stop()
  })
}

/**
 * A copy whose two bootstrap layers point at moto, both with local state: the
 * account layer by design (it creates the bucket remote state lives in), the
 * environment layer because its S3 backend needs an init, which Terraform
 * refuses while the provider is overridden.
 */
export async function copyWithBootstrapOnMoto(): Promise<TerraformCopy> {
  const copy = await copyOfTerraform()
  await copy.pointAtMoto('bootstrap/account')
  await copy.pointAtMoto('bootstrap/environment', { localState: true })
  return copy
}
