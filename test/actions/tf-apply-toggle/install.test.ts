import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TERRAFORM_RELEASE } from '../../../actions/tf-apply-toggle/src/install'
import { run } from '../../../actions/tf-apply-toggle/src/main'
import { installReleaseTool, releasePlatform } from '../../../lib/release-tool'
import { pinnedSha256 } from '../../../lib/tool-checksums'
import { sha256 } from '../../../lib/tools'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { type FileServer, serveFolder } from '../../bench/file-server'
import { type Moto, startMoto } from '../../bench/moto'
import { AWS_ENV, backendConfig, createBucket, workspaceWithFixture } from '../../bench/terraform-state'
import { requireTool, runInProcess } from '../../harness/in-process'

/**
 * terraform-version: the action installs the release itself. No download
 * from HashiCorp or GitHub is possible here, so the machine's own Terraform
 * 1.11.4 and OpenTofu 1.12.6 binaries are packed the way their releases pack
 * them (a zip; a tar.gz), laid out as on the release hosts with a SHA256SUMS
 * file, and served from loopback through the documented mirror variables.
 * Then each runs a real plan against the S3 state on moto, with a PATH that
 * holds neither.
 */

const PATH = '/usr/bin:/bin'
const target = releasePlatform(process.platform, process.arch)
const terraformOnMachine = execFileSync('sh', ['-c', 'command -v terraform || true'], { encoding: 'utf8' }).trim()
const tofu = requireTool('tofu', toolPaths().tofu)

let moto: Moto
let server: FileServer
let releases: string
let workspace: string
let cache: string

async function publish(dir: string, archive: string, sums: string, members: { from: string; name: string }[], kind: 'zip' | 'tar.gz') {
  const folder = join(releases, dir)
  const staging = await mkdtemp(join(tmpdir(), 'tf-release-'))
  for (const member of members) await writeFile(join(staging, member.name), await readFile(member.from))
  await mkdir(folder, { recursive: true })
  const names = members.map((member) => member.name)
  // The fastest compression: the archives are large and the test needs only their format.
  if (kind === 'zip') execFileSync('zip', ['-q', '-1', '-X', join(folder, archive), ...names], { cwd: staging })
  else execFileSync('sh', ['-c', 'tar -cf - "$@" | gzip -1 > "$0"', join(folder, archive), ...names], { cwd: staging })
  await rm(staging, { recursive: true, force: true })
  const sum = sha256(await readFile(join(folder, archive)))
  await writeFile(join(folder, sums), `${'0'.repeat(64)}  ${archive.replace(/_(linux|darwin)_/, '_windows_')}\n${sum}  ${archive}\n`)
  return sum
}

beforeAll(async () => {
  moto = await startMoto()
  await createBucket(moto.endpoint)
  workspace = await workspaceWithFixture()
  releases = await mkdtemp(join(tmpdir(), 'tf-releases-'))
  cache = await mkdtemp(join(tmpdir(), 'tf-tool-cache-'))
  if (target && terraformOnMachine) {
    const license = join(releases, 'LICENSE.txt')
    await writeFile(license, 'license text\n')
    const members = [
      { from: terraformOnMachine, name: 'terraform' },
      { from: license, name: 'LICENSE.txt' },
    ]
    const zip = (version: string) => `terraform_${version}_${target.os}_${target.arch}.zip`
    await publish('terraform/1.11.4', zip('1.11.4'), 'terraform_1.11.4_SHA256SUMS', members, 'zip')
    // A substituted archive: SHA256SUMS names a sum the archive does not have.
    await mkdir(join(releases, 'terraform/1.11.3'))
    await copyFile(join(releases, 'terraform/1.11.4', zip('1.11.4')), join(releases, 'terraform/1.11.3', zip('1.11.3')))
    await writeFile(join(releases, 'terraform/1.11.3/terraform_1.11.3_SHA256SUMS'), `${'f'.repeat(64)}  ${zip('1.11.3')}\n`)
  }
  if (target && !tofu.skip) {
    const archive = `tofu_1.12.6_${target.os}_${target.arch}.tar.gz`
    await publish('opentofu/download/v1.12.6', archive, 'tofu_1.12.6_SHA256SUMS', [{ from: tofu.path, name: 'tofu' }], 'tar.gz')
  }
  server = await serveFolder(releases)
})

afterAll(async () => {
  await server?.stop()
  await moto?.stop()
  for (const dir of [workspace, releases, cache]) if (dir) await rm(dir, { recursive: true, force: true })
})

function toggle(inputs: Record<string, string>, key: string, env: Record<string, string> = {}) {
  return runInProcess(() => run({ cwd: workspace }), {
    inputs: {
      mode: 'plan',
      'working-directory': 'infra',
      'backend-config': backendConfig(moto.endpoint, key),
      variables: 'db_password=not-a-real-secret-2',
      'lock-timeout': '1m',
      terraform: 'terraform',
      'github-token': '',
      ...inputs,
    },
    env: {
      ...AWS_ENV,
      PATH,
      // The machine's own CLI configuration is not the runner's; OpenTofu prints a missing one's warning into show -json.
      TF_CLI_CONFIG_FILE: undefined,
      PIPELINE_ACTIONS_TOOL_CACHE: cache,
      PIPELINE_ACTIONS_TERRAFORM_RELEASES: `${server.url}/terraform`,
      PIPELINE_ACTIONS_OPENTOFU_RELEASES: `${server.url}/opentofu`,
      ...env,
    },
  })
}

describe.skipIf(!target || !terraformOnMachine)('terraform-version installs Terraform', () => {
  it('fails as before without terraform-version when PATH has no terraform: nothing is downloaded unasked', async () => {
    server.reset()
    const result = await toggle({}, 'install/none.tfstate')
    expect(result.exitCode).toBe(1)
    expect(server.requests).toEqual([])
    expect(await readdir(cache)).toEqual([])
  })

  it('downloads the release, checks it against SHA256SUMS, keeps it in the tool cache and plans with it', async () => {
    server.reset()
    const result = await toggle({ 'terraform-version': 'v1.11.4' }, 'install/terraform.tfstate')
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ changes: 'true', 'to-add': '4' })
    const binary = join(cache, 'terraform-1.11.4', 'terraform')
    expect(result.stdout).toContain(`Running Terraform 1.11.4 from ${binary}.`)
    expect(result.stdout).toContain(
      `Terraform 1.11.4 has no sha256 pinned in this action; it is verified against the checksum its own download host publishes (${server.url}/terraform/1.11.4/terraform_1.11.4_SHA256SUMS).`,
    )
    expect(server.requests.map((request) => request.path)).toEqual([
      '/terraform/1.11.4/terraform_1.11.4_SHA256SUMS',
      `/terraform/1.11.4/terraform_1.11.4_${target?.os}_${target?.arch}.zip`,
    ])
    // Only the binary is taken from the zip.
    expect(await readdir(join(cache, 'terraform-1.11.4'))).toEqual(['terraform'])
    expect(execFileSync(binary, ['version'], { encoding: 'utf8' })).toMatch(/^Terraform v1\.11\.4/)
  })

  it('asks nothing of the host the second time: the cache answers', async () => {
    server.reset()
    const result = await toggle({ 'terraform-version': '1.11.4' }, 'install/terraform.tfstate')
    expect(result.failure).toBeUndefined()
    expect(result.outputs.changes).toBe('true')
    expect(server.requests).toEqual([])
  })

  it('refuses an archive whose sha256 does not match, in one line, leaving nothing in the cache', async () => {
    server.reset()
    const result = await toggle({ 'terraform-version': '1.11.3' }, 'install/mismatch.tfstate')
    expect(result.exitCode).toBe(1)
    expect(result.failure).toMatch(
      new RegExp(
        `^The download of terraform 1\\.11\\.3 from ${server.url}/terraform/1\\.11\\.3/terraform_1\\.11\\.3_\\w+_\\w+\\.zip has sha256 [0-9a-f]{64}, expected f{64}; refusing to use it\\.$`,
      ),
    )
    expect(result.stdout).not.toContain('Initializing the backend')
    expect((await readdir(cache)).sort()).toEqual(['terraform-1.11.4'])
  })

  const bad: { name: string; inputs: Record<string, string>; failure: string }[] = [
    {
      name: 'a version range',
      inputs: { 'terraform-version': '~> 1.11' },
      failure: "Input 'terraform-version' must be an exact release such as 1.11.4 (no range or 'latest'); got '~> 1.11'.",
    },
    {
      name: 'latest',
      inputs: { 'terraform-version': 'latest' },
      failure: "Input 'terraform-version' must be an exact release such as 1.11.4 (no range or 'latest'); got 'latest'.",
    },
    {
      name: 'a version with a path to a binary',
      inputs: { 'terraform-version': '1.11.4', terraform: './bin/terraform' },
      failure:
        "Input 'terraform-version' installs a release, so input 'terraform' must be terraform or tofu; got './bin/terraform'. Leave 'terraform-version' empty to run that binary as it is.",
    },
  ]
  for (const { name, inputs, failure } of bad) {
    it(`refuses ${name} in one line, asking nothing of the host`, async () => {
      server.reset()
      const result = await toggle(inputs, 'install/bad.tfstate')
      expect(result.exitCode).toBe(1)
      expect(result.failure).toBe(failure)
      expect(server.requests).toEqual([])
    })
  }
})

describe('the pinned sums of the default versions', () => {
  it('refuses a substituted Terraform 1.11.4 from the official host, in one line, without asking it for SHA256SUMS', async () => {
    const requests: string[] = []
    const host = (async (url: string | URL) => {
      requests.push(String(url))
      return new Response('not the release')
    }) as typeof fetch
    const dir = await mkdtemp(join(tmpdir(), 'tf-pinned-'))
    try {
      const error = await installReleaseTool(TERRAFORM_RELEASE, '1.11.4', {
        env: { PIPELINE_ACTIONS_TOOL_CACHE: dir },
        fetch: host,
        platform: 'linux',
        arch: 'x64',
      }).catch((caught: unknown) => caught)
      const url = 'https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_amd64.zip'
      expect(requests).toEqual([url])
      expect((error as Error).message).toBe(
        `The download of terraform 1.11.4 from ${url} has sha256 ${sha256('not the release')}, expected 1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc; refusing to use it.`,
      )
      expect(await readdir(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('pins every platform of Terraform 1.11.4 and OpenTofu 1.12.6 on linux/amd64, by their official URLs', () => {
    for (const platform of ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64']) {
      expect(pinnedSha256(`https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_${platform}.zip`)).toMatch(/^[0-9a-f]{64}$/)
    }
    expect(pinnedSha256('https://github.com/opentofu/opentofu/releases/download/v1.12.6/tofu_1.12.6_linux_amd64.tar.gz')).toMatch(
      /^[0-9a-f]{64}$/,
    )
  })
})

describe.skipIf(!target || tofu.skip)('terraform-version with terraform: tofu installs OpenTofu', () => {
  it('downloads the tar.gz release, checks it, caches it and plans with OpenTofu', async () => {
    server.reset()
    // A CLI configuration file that does not exist: OpenTofu warns about it on stdout, ahead of show -json's document.
    const result = await toggle({ terraform: 'tofu', 'terraform-version': '1.12.6' }, 'install/tofu.tfstate', {
      TF_CLI_CONFIG_FILE: join(releases, 'no-such.tfrc'),
    })
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ changes: 'true', 'to-add': '4' })
    expect(result.summary).toContain('### OpenTofu plan: `infra`')
    expect(result.stdout).toContain(`Running OpenTofu 1.12.6 from ${join(cache, 'tofu-1.12.6', 'tofu')}.`)
    expect(server.requests.map((request) => request.path)).toEqual([
      '/opentofu/download/v1.12.6/tofu_1.12.6_SHA256SUMS',
      `/opentofu/download/v1.12.6/tofu_1.12.6_${target?.os}_${target?.arch}.tar.gz`,
    ])
    expect(existsSync(join(cache, 'tofu-1.12.6', 'tofu'))).toBe(true)
  })
})
