import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { secretFlags } from '../build-secrets'
import { pushWithRetry } from '../tool-output'
import { buildFailure, commonBuildFlags, refuseAttestations, singlePlatform, withCacheFallback } from './common'
import type { Builder, BuilderDeps, BuildRequest, BuildResult } from './types'

/**
 * buildah: daemonless, so it runs where no Docker engine does. Storage driver
 * and isolation come from the environment (containers-storage.conf,
 * BUILDAH_ISOLATION), as on any host set up for it. The registry cache uses
 * buildah's --cache-from/--cache-to, which store one image per layer key.
 */
export class BuildahBuilder implements Builder {
  readonly description = 'buildah'
  constructor(private readonly deps: BuilderDeps) {}

  async buildAndPush(request: BuildRequest): Promise<BuildResult> {
    refuseAttestations(request, 'buildah')
    const env = { ...this.deps.env, ...(request.authFile ? { REGISTRY_AUTH_FILE: request.authFile } : {}) }
    const authFlags = request.authFile ? ['--authfile', request.authFile] : []
    const base = [
      'build',
      '--layers',
      '--format',
      'docker',
      ...commonBuildFlags(request),
      ...secretFlags(request.secretFiles),
      ...singlePlatform(request, 'buildah'),
    ]
    const cache = request.cacheRepository
    const built = await withCacheFallback(Boolean(cache), (withCache) => {
      const flags = [...base, ...authFlags]
      if (withCache && cache) {
        flags.push('--cache-from', cache, '--cache-to', cache)
        // The cache lives on the plain-HTTP endpoint; the flag covers every pull of this build, so it is set only with a cache.
        if (request.insecure) flags.push('--tls-verify=false')
      }
      return this.deps.exec('buildah', [...flags, request.context], { env })
    })
    if (built.exitCode !== 0) throw buildFailure('buildah build', built)
    if (!request.push) return {}

    const digestFile = join(request.tempDir, 'buildah-digest')
    const [first] = request.references
    if (!first) throw new Error('buildah push needs at least one reference')
    let digest: string | undefined
    for (const reference of request.references) {
      const args = ['push', ...authFlags, '--digestfile', digestFile]
      if (request.insecure) args.push('--tls-verify=false')
      // Every tag pushes the image built under the commit's tag: one image, many names.
      args.push(first, `docker://${reference}`)
      await pushWithRetry(`buildah push ${reference}`, () => this.deps.exec('buildah', args, { env }), this.deps)
      digest ??= (await readFile(digestFile, 'utf8').catch(() => '')).trim() || undefined
    }
    await rm(digestFile, { force: true })
    return { digest }
  }
}
