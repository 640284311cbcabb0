import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '../../../../lib/core'
import { UserError } from '../../../../lib/errors'
import type { ExecResult } from '../../../../lib/exec'
import { secretFlags } from '../build-secrets'
import { isTransientRegistryFailure, outputOf, pushWithRetry } from '../tool-output'
import { attestationFlags, explainAttestationFailure } from './attestations'
import { buildFailure, commonBuildFlags, refuseAttestations, singlePlatform, withCacheFallback } from './common'
import type { Builder, BuilderDeps, BuildRequest, BuildResult } from './types'

/**
 * `docker` with buildx when the CLI has it (multi-platform, registry cache
 * with the flags ECR accepts), otherwise the classic builder, which builds
 * one platform with no registry cache and pushes with `docker push`.
 */
export async function dockerBuilder(deps: BuilderDeps): Promise<Builder> {
  const probe = await deps.exec('docker', ['buildx', 'version'], { silent: true, env: deps.env })
  return probe.exitCode === 0 ? new BuildxBuilder(deps) : new ClassicDockerBuilder(deps)
}

function dockerEnv(deps: BuilderDeps, request: BuildRequest, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...deps.env, ...(request.dockerConfigDir ? { DOCKER_CONFIG: request.dockerConfigDir } : {}), ...extra }
}

export class ClassicDockerBuilder implements Builder {
  readonly description = 'docker (classic builder)'
  constructor(private readonly deps: BuilderDeps) {}

  async buildAndPush(request: BuildRequest): Promise<BuildResult> {
    if (request.cacheRepository) {
      core.warning(
        'cache: the classic Docker builder cannot import or export a registry cache, so this build runs without one. Install buildx (docker/setup-buildx-action) or use builder: buildah.',
      )
    }
    refuseAttestations(request, 'the classic Docker builder')
    if (request.secretFiles.size > 0) {
      throw new UserError(
        "Input 'build-secrets' needs BuildKit: the classic Docker builder has no build secrets (it could only pass them as build arguments, which the image keeps).",
        'Install buildx (docker/setup-buildx-action) before this step, or use builder: buildah.',
      )
    }
    const args = ['build', ...commonBuildFlags(request), ...singlePlatform(request, 'the classic Docker builder'), request.context]
    // DOCKER_BUILDKIT=0: without buildx a newer CLI would otherwise refuse when BuildKit is asked for.
    const env = dockerEnv(this.deps, request, { DOCKER_BUILDKIT: '0' })
    const built = await this.deps.exec('docker', args, { env })
    if (built.exitCode !== 0) throw buildFailure('docker build', { ...built, stderr: withoutLegacyNotice(built.stderr) })
    let digest: string | undefined
    for (const reference of request.push ? request.references : []) {
      const pushed = await pushWithRetry(
        `docker push ${reference}`,
        () => this.deps.exec('docker', ['push', reference], { env }),
        this.deps,
      )
      digest ??= /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1]
    }
    return { digest }
  }
}

export class BuildxBuilder implements Builder {
  readonly description = 'docker buildx'
  constructor(private readonly deps: BuilderDeps) {}

  async buildAndPush(request: BuildRequest): Promise<BuildResult> {
    const metadataFile = join(request.tempDir, 'buildx-metadata.json')
    const insecure = request.insecure ? ',registry.insecure=true' : ''
    const env = dockerEnv(this.deps, request)
    const args = (withCache: boolean): string[] => {
      const flags = [
        'buildx',
        'build',
        ...commonBuildFlags(request),
        ...secretFlags(request.secretFiles),
        ...attestationFlags(request.attestations),
        '--metadata-file',
        metadataFile,
        '--output',
        `type=image,push=${request.push}${insecure}`,
      ]
      if (request.platforms.length > 0) flags.push('--platform', request.platforms.join(','))
      if (withCache && request.cacheRepository) {
        const ref = `${request.cacheRepository}:buildx`
        // ECR stores a registry cache only as an OCI image manifest; ignore-error keeps a failed export a warning.
        flags.push('--cache-from', `type=registry,ref=${ref}${insecure}`)
        flags.push('--cache-to', `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true${insecure}`)
      }
      flags.push(request.context)
      return flags
    }
    // The build and the push are one command; a push refused with 429/5xx reruns it, and the rerun's build is cached.
    // Without a push the retry never fires: a build failure is not transient.
    try {
      await pushWithRetry(
        'docker buildx build --push',
        async () => {
          const attempt = await withCacheFallback(Boolean(request.cacheRepository), (withCache) =>
            this.deps.exec('docker', args(withCache), { env }),
          )
          if (attempt.exitCode !== 0 && !isTransientRegistryFailure(outputOf(attempt))) throw new BuildFailed(attempt)
          return attempt
        },
        this.deps,
      )
    } catch (error) {
      if (error instanceof BuildFailed) {
        throw explainAttestationFailure(request.attestations, outputOf(error.result)) ?? buildFailure('docker buildx build', error.result)
      }
      throw error
    }
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8').catch(() => '{}')) as Record<string, unknown>
    await rm(metadataFile, { force: true })
    const digest = metadata['containerimage.digest']
    return { digest: typeof digest === 'string' ? digest : undefined }
  }
}

/** Newer CLIs print a deprecation notice for the classic builder; in a failure message it would hide the error. */
export function withoutLegacyNotice(stderr: string): string {
  return stderr.replace(/^DEPRECATED: The legacy builder[^\n]*\n(?:[ \t]+[^\n]*\n)*\n?/m, '')
}

/** A build that failed for a reason another attempt would not fix. */
class BuildFailed extends Error {
  constructor(readonly result: ExecResult) {
    super('build failed')
  }
}
