import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exec } from '../../lib/exec'
import { repoRoot } from '../harness/runner'
import { lockProblems, parseLockFile, rootRequirements, satisfies, terraformRoots } from './lock-files'

/**
 * Every Terraform root commits its dependency lock file, and the file agrees with the configuration:
 * a provider upgrade is a reviewed change, and `terraform init` verifies the downloaded provider against
 * the registry's checksums recorded here. Terraform cannot check this on this machine (its init asks the
 * registry; the tests run the provider through dev_overrides, which ignores the lock file), so the check
 * reads both files itself (test/terraform/lock-files.ts).
 */

const scratch = mkdtempSync(join(tmpdir(), 'lock-files-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('the committed .terraform.lock.hcl files', () => {
  const roots = terraformRoots(repoRoot)

  it('are checked for every root: envs/dev, both bootstrap layers, the rehearsal and the examples', () => {
    expect(roots.map((root) => relative(repoRoot, root))).toEqual([
      'examples/checks-only/terraform',
      'examples/ml-platform/terraform/envs/dev',
      'examples/streaming/terraform/envs/dev',
      'terraform/bootstrap/account',
      'terraform/bootstrap/environment',
      'terraform/envs/dev',
      'terraform/rehearsal',
    ])
    // The ones with providers; the rehearsal and checks-only keep to built-in resources, so Terraform writes no lock.
    expect(roots.filter((root) => rootRequirements(root).size > 0).map((root) => relative(repoRoot, root))).toEqual([
      'examples/ml-platform/terraform/envs/dev',
      'examples/streaming/terraform/envs/dev',
      'terraform/bootstrap/account',
      'terraform/bootstrap/environment',
      'terraform/envs/dev',
    ])
  })

  it.each(terraformRoots(repoRoot).map((root) => [relative(repoRoot, root), root]))(
    '%s: lock file present and consistent',
    (_name, root) => {
      expect(lockProblems(root, relative(repoRoot, root))).toEqual([])
    },
  )

  it('lock the same AWS provider release everywhere, with the registry checksums of every platform', () => {
    const locks = ['terraform/bootstrap/account', 'terraform/bootstrap/environment', 'terraform/envs/dev'].map((root) =>
      parseLockFile(readFileSync(join(repoRoot, root, '.terraform.lock.hcl'), 'utf8')).get('registry.terraform.io/hashicorp/aws'),
    )
    expect(new Set(locks.map((lock) => JSON.stringify({ ...lock, constraints: undefined }))).size).toBe(1)
    // One zh: per package the release publishes (15 for hashicorp/aws 6.28.0), so init verifies on any platform.
    expect(locks[0]?.hashes.filter((hash) => hash.startsWith('zh:'))).toHaveLength(15)
  })
})

describe('terraform init with the committed lock files', () => {
  // A filesystem mirror holding a stand-in hashicorp/aws 6.28.0 package (init installs a provider without
  // running it): what Terraform writes into a lock file of its own, and whether it enforces ours.
  const platform = `linux_${process.arch === 'arm64' ? 'arm64' : 'amd64'}`
  const mirror = join(scratch, 'mirror')
  const packages = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws')
  mkdirSync(packages, { recursive: true })
  writeFileSync(join(scratch, 'terraform-provider-aws_v6.28.0_x5'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
  const zip = spawnSync(
    'python3',
    ['-m', 'zipfile', '-c', join(packages, `terraform-provider-aws_6.28.0_${platform}.zip`), 'terraform-provider-aws_v6.28.0_x5'],
    {
      cwd: scratch,
    },
  )
  const cliConfig = join(scratch, 'mirror.tfrc')
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`)
  const init = (dir: string, args: string[] = []) =>
    exec('terraform', ['init', '-backend=false', '-input=false', '-no-color', ...args], {
      cwd: dir,
      silent: true,
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1' },
    })

  it.each(['bootstrap/account', 'bootstrap/environment', 'envs/dev'])(
    '%s: Terraform records the same constraints, and refuses a package the lock file does not name',
    async (root) => {
      expect(zip.status, String(zip.stderr)).toBe(0)
      const copy = join(mkdtempSync(join(scratch, 'init-')), 'terraform')
      cpSync(join(repoRoot, 'terraform'), copy, { recursive: true, filter: (source) => !source.endsWith('.terraform') })
      const dir = join(copy, root)
      const committed = parseLockFile(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8'))

      const enforced = await init(dir, ['-lockfile=readonly'])
      expect(enforced.exitCode).toBe(1)
      expect(enforced.stderr.replace(/\s+/g, ' ')).toContain(
        "registry.terraform.io/hashicorp/aws 6.28.0 doesn't match any of the checksums previously recorded in the dependency lock file",
      )

      rmSync(join(dir, '.terraform.lock.hcl'))
      const fresh = await init(dir)
      expect(fresh.exitCode, fresh.stderr).toBe(0)
      const written = parseLockFile(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8'))
      expect([...written.keys()]).toEqual([...committed.keys()])
      for (const [address, entry] of written) {
        expect(entry.constraints).toBe(committed.get(address)?.constraints)
        expect(entry.version).toBe(committed.get(address)?.version)
      }
    },
    120_000,
  )
})

describe('the lock-file check itself', () => {
  const copyOf = (root: string) => {
    const dir = mkdtempSync(join(scratch, 'root-'))
    cpSync(join(repoRoot, 'terraform'), join(dir, 'terraform'), { recursive: true })
    return join(dir, 'terraform', root)
  }

  it('fails a root without a lock file', () => {
    const root = copyOf('envs/dev')
    rmSync(join(root, '.terraform.lock.hcl'))
    expect(lockProblems(root, 'envs/dev')).toEqual(['envs/dev: no .terraform.lock.hcl (run terraform init, commit the file)'])
  })

  it('fails a lock whose constraints or version disagree with a module the root calls', () => {
    const root = copyOf('envs/dev')
    const eks = join(root, '..', '..', 'modules', 'eks', 'versions.tf')
    writeFileSync(eks, readFileSync(eks, 'utf8').replace('version = "~> 6.0"', 'version = "~> 6.30"'))
    expect(lockProblems(root, 'envs/dev')).toEqual([
      'envs/dev: registry.terraform.io/hashicorp/aws is locked with constraints "~> 6.0", the configuration says "~> 6.0, ~> 6.30"',
      'envs/dev: registry.terraform.io/hashicorp/aws 6.28.0 does not meet "~> 6.30"',
    ])
  })

  it('fails a provider that is required but not locked, or locked but no longer required', () => {
    const root = copyOf('bootstrap/account')
    const versions = join(root, 'versions.tf')
    writeFileSync(
      versions,
      readFileSync(versions, 'utf8').replace(
        'required_providers {',
        'required_providers {\n    random = { source = "hashicorp/random", version = "~> 3.0" }',
      ),
    )
    expect(lockProblems(root, 'account')).toEqual(['account: registry.terraform.io/hashicorp/random is required but not in the lock file'])
    writeFileSync(
      versions,
      readFileSync(join(repoRoot, 'terraform/bootstrap/account/versions.tf'), 'utf8').replace(/required_providers \{[\s\S]*?\n {2}\}/, ''),
    )
    expect(lockProblems(root, 'account')).toEqual([])
  })

  it('fails malformed hashes and a lock without the registry checksums', () => {
    const root = copyOf('envs/dev')
    const lock = join(root, '.terraform.lock.hcl')
    writeFileSync(
      lock,
      readFileSync(lock, 'utf8')
        .replace(/\s+"zh:[^"]+",/g, '')
        .replace('"h1:pAg', '"h1:short", "h1:pAg'),
    )
    expect(lockProblems(root, 'envs/dev')).toEqual([
      'envs/dev: registry.terraform.io/hashicorp/aws has malformed hashes: h1:short',
      "envs/dev: registry.terraform.io/hashicorp/aws has no zh: hash (the registry's per-platform package checksums)",
    ])
  })

  it.each([
    ['6.28.0', '~> 6.0', true],
    ['7.0.0', '~> 6.0', false],
    ['6.28.0', '~> 6.28.1', false],
    ['6.28.3', '~> 6.28.1', true],
    ['6.29.0', '~> 6.28.1', false],
    ['6.28.0', '>= 5.0, < 7.0', true],
    ['6.28.0', '= 6.28.0', true],
    ['6.28.0', '6.27.0', false],
  ])('%s meets "%s": %s', (version, constraint, expected) => {
    expect(satisfies(version, constraint)).toBe(expected)
  })
})
