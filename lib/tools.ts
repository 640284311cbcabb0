import { createHash } from 'node:crypto'
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withChildEnv } from './child-env'
import { UserError } from './errors'
import { exec as defaultExec, type Exec, tail } from './exec'
import { isFile } from './files'
import { retry } from './retry'
import { toolCacheRoot } from './tool-cache-root.mjs'

/**
 * Pinned tools are downloaded once, checked against a sha256 and kept in one
 * per-user folder keyed by name and version, so later runs (and fresh clones)
 * reuse them; lib/tool-cache-root says where, for the setup scripts too.
 */
export { toolCacheRoot }

export function toolDir(name: string, version: string, env?: NodeJS.ProcessEnv): string {
  return join(toolCacheRoot(env), `${name}-${version}`)
}

export interface ToolSpec {
  name: string
  version: string
  url: string
  /** Expected sha256 (hex) of the downloaded file. */
  sha256: string
  /** How the download holds the binary: a tar.gz or zip archive, or the binary itself. */
  archive: 'tar.gz' | 'zip' | 'binary'
  /** The binary's path inside the unpacked archive (tar.gz, zip) or its file name (binary). */
  binary: string
  /** Leading folders to drop when unpacking, so every tool sits at <cache>/<name>-<version>/<binary>. */
  stripComponents?: number
}

export interface ToolDeps {
  fetch?: typeof fetch
  exec?: Exec
  env?: NodeJS.ProcessEnv
}

/** Returns the path of the tool's binary, downloading and verifying it only when the cache lacks it. */
export async function ensureTool(spec: ToolSpec, deps: ToolDeps = {}): Promise<string> {
  const dir = toolDir(spec.name, spec.version, deps.env)
  const binaryPath = join(dir, spec.binary)
  if (await isFile(binaryPath)) return binaryPath

  const bytes = await download(spec.url, deps.fetch ?? fetch)
  const actual = sha256(bytes)
  if (actual !== spec.sha256.toLowerCase()) {
    throw new UserError(
      `The download of ${spec.name} ${spec.version} from ${spec.url} has sha256 ${actual}, expected ${spec.sha256}; refusing to use it.`,
    )
  }
  // Unpack beside the final folder and rename, so a half-written cache entry is never seen.
  const staging = `${dir}.partial-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  if (spec.archive !== 'binary') {
    const archivePath = join(tmpdir(), `${spec.name}-${spec.version}-${process.pid}.${spec.archive}`)
    await writeFile(archivePath, bytes)
    // Terraform publishes zips only. unzip is on every hosted runner image, as tar is; only the binary is taken.
    const [command, args] =
      spec.archive === 'tar.gz'
        ? ['tar', ['-xzf', archivePath, '-C', staging, `--strip-components=${spec.stripComponents ?? 0}`]]
        : ['unzip', ['-q', '-o', archivePath, spec.binary, '-d', staging]]
    const result = await (deps.exec ?? withChildEnv(defaultExec))(command, args, { silent: true }).catch((error: unknown) => ({
      exitCode: 127,
      stdout: '',
      stderr: `${command}: ${error instanceof Error ? error.message : String(error)}`,
    }))
    await rm(archivePath, { force: true })
    if (result.exitCode !== 0) {
      await rm(staging, { recursive: true, force: true })
      throw new UserError(`Could not unpack ${spec.name} ${spec.version}: ${tail(result.stderr, 3)}`)
    }
  } else {
    await writeFile(join(staging, spec.binary), bytes)
  }
  await chmod(join(staging, spec.binary), 0o755)
  await rm(dir, { recursive: true, force: true })
  await rename(staging, dir)
  return binaryPath
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Finds a file's checksum in a `sha256  name` listing such as a release's CHECKSUMS file. */
export function checksumFor(listing: string, fileName: string): string | undefined {
  for (const line of listing.split(/\r?\n/)) {
    const [sum, name] = line.trim().split(/\s+\*?/)
    if (name === fileName && sum && /^[0-9a-f]{64}$/i.test(sum)) return sum.toLowerCase()
  }
  return undefined
}

/** Downloads with retries on 429, 5xx and network failures. */
export async function download(url: string, fetchImpl: typeof fetch): Promise<Buffer> {
  return retry(
    async () => {
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) })
      if (!response.ok) throw new HttpStatusError(url, response.status)
      return Buffer.from(await response.arrayBuffer())
    },
    {
      maxAttempts: 4,
      baseDelayMs: 1000,
      maxDelayMs: 10_000,
      isRetryable: (error) => !(error instanceof HttpStatusError) || error.isTransient,
    },
  ).catch((error: unknown) => {
    if (error instanceof UserError) throw error
    throw new UserError(`Could not download ${url}: ${error instanceof Error ? error.message : String(error)}.`)
  })
}

export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`HTTP ${status} from ${url}`)
  }
  get isTransient(): boolean {
    return this.status === 429 || this.status >= 500
  }
}
