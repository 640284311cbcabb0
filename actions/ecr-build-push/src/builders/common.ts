import * as core from '../../../../lib/core'
import { UserError } from '../../../../lib/errors'
import { type ExecResult, tail } from '../../../../lib/exec'
import { cacheFailureLine, mentionsCache, outputOf } from '../tool-output'
import type { BuildRequest } from './types'

/** Flags every builder here spells the same way. */
export function commonBuildFlags(request: BuildRequest): string[] {
  const flags: string[] = []
  if (request.file) flags.push('--file', request.file)
  if (request.target) flags.push('--target', request.target)
  for (const [key, value] of request.buildArgs) flags.push('--build-arg', `${key}=${value}`)
  for (const [key, value] of request.labels) flags.push('--label', `${key}=${value}`)
  for (const reference of request.references) flags.push('--tag', reference)
  return flags
}

/**
 * A cache is an optimisation: when a build that used it fails and the failure
 * names the cache, the build runs again without it and the step only warns.
 */
export async function withCacheFallback(useCache: boolean, build: (withCache: boolean) => Promise<ExecResult>): Promise<ExecResult> {
  const first = await build(useCache)
  const output = outputOf(first)
  if (first.exitCode === 0 || !useCache || !mentionsCache(output)) return first
  // buildx's default builder on a runner uses the docker driver, which refuses any cache export before it builds.
  const hint = /not supported for the docker driver/i.test(output)
    ? ' buildx\'s default "docker" driver keeps no registry cache: run docker/setup-buildx-action before this step, whose docker-container builder does.'
    : ''
  core.warning(`The registry build cache failed, so the image is built again without it: ${cacheFailureLine(output)}${hint}`)
  return build(false)
}

export function buildFailure(tool: string, result: ExecResult): UserError {
  return new UserError(
    `The image build failed (${tool} exited ${result.exitCode}). Last lines of its output:\n${tail(outputOf(result), 12)}`,
  )
}

/** Only one platform without buildx: the classic builder and a plain buildah build make one image. */
export function singlePlatform(request: BuildRequest, builder: string): string[] {
  if (request.platforms.length > 1) {
    throw new UserError(
      `Input 'platforms' lists ${request.platforms.length} platforms, but ${builder} builds one image per run.`,
      'Use builder: docker with buildx installed (docker/setup-buildx-action) for multi-platform images.',
    )
  }
  return request.platforms.length === 1 ? ['--platform', request.platforms[0] as string] : []
}

/** Provenance and SBOM attestations are BuildKit's: a builder without it fails before building rather than pushing without them. */
export function refuseAttestations(request: BuildRequest, builder: string): void {
  const { provenance, sbom } = request.attestations
  const asked = [provenance === 'min' || provenance === 'max' ? `provenance: ${provenance}` : '', sbom ? 'sbom: true' : ''].filter(Boolean)
  if (asked.length === 0) return
  throw new UserError(
    `${asked.length > 1 ? 'Inputs' : 'Input'} ${asked.map((text) => `'${text.split(':')[0]}'`).join(' and ')} (${asked.join(', ')}) needs BuildKit attestations, which ${builder} cannot make.`,
    'Use builder: docker with buildx and a BuildKit builder (docker/setup-buildx-action), or leave these inputs at their defaults.',
  )
}
