import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../../../lib/log'
import { writeBuildSecrets } from './build-secrets'
import { BuildahBuilder } from './builders/buildah'
import { dockerBuilder } from './builders/docker'
import type { Builder, BuilderDeps, BuildRequest, BuildResult } from './builders/types'
import type { Inputs } from './inputs'
import { imageLabels } from './labels'

/** What differs between a build that pushes and one that does not: the names, the login, the cache. */
export type BuildTarget = Pick<BuildRequest, 'references' | 'push' | 'insecure' | 'cacheRepository' | 'dockerConfigDir' | 'authFile'>

/**
 * One build by the builder the inputs name, from the inputs' build settings
 * (context, Dockerfile, arguments, labels, platforms, secrets), in a work
 * folder that is removed afterwards, secret files with it.
 */
export async function build(
  inputs: Inputs,
  deps: BuilderDeps & { log: Logger },
  commit: string,
  target: BuildTarget,
  announce: (builder: Builder) => string,
): Promise<{ builder: Builder; built: BuildResult }> {
  const builderDeps: BuilderDeps = { exec: deps.exec, clock: deps.clock, random: deps.random, env: deps.env }
  const builder: Builder = inputs.builder === 'buildah' ? new BuildahBuilder(builderDeps) : await dockerBuilder(builderDeps)
  deps.log.info(announce(builder))
  const workDir = await mkdtemp(join(deps.env.RUNNER_TEMP || tmpdir(), 'ecr-build-push-work-'))
  try {
    const built = await builder.buildAndPush({
      context: inputs.context,
      file: inputs.file,
      target: inputs.target,
      buildArgs: inputs.buildArgs,
      labels: imageLabels({ oci: inputs.ociLabels, commit, now: deps.clock.now(), env: deps.env, extra: inputs.labels }),
      platforms: inputs.platforms,
      tempDir: workDir,
      secretFiles: await writeBuildSecrets(inputs.buildSecrets, workDir),
      attestations: { provenance: inputs.provenance, sbom: inputs.sbom },
      ...target,
    })
    return { builder, built }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
