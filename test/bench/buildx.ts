import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type BuildKit, type BuildKitOptions, startBuildKit } from './buildkitd'
import type { DockerEngine } from './docker'

/** A Docker config folder with buildx installed as a CLI plugin, as docker/setup-buildx-action leaves the user's. */
export async function dockerConfigWithBuildx(dir: string): Promise<string> {
  await mkdir(join(dir, 'cli-plugins'), { recursive: true })
  await symlink(toolPaths().buildx, join(dir, 'cli-plugins', 'docker-buildx'))
  return dir
}

export interface BuildxBuilder {
  buildkit: BuildKit
  /** The user's Docker config folder, with buildx and the builder selected in it. */
  dockerConfig: string
  /** The bench's base image in the registry: BuildKit pulls what FROM names, it cannot read the engine's images. */
  baseImage: string
  stop(): Promise<void>
}

/**
 * What docker/setup-buildx-action does in the pipeline's image job: a BuildKit
 * builder of its own (here buildx's remote driver to the bench's buildkitd),
 * selected in a Docker config folder outside any build context. The base image
 * is pushed to the registry first, through `registry` with its credentials.
 */
export async function setUpBuildx(
  docker: DockerEngine,
  registry: { host: string; username: string; password: string },
  more: Pick<BuildKitOptions, 'tlsRegistries'> = {},
): Promise<BuildxBuilder> {
  const buildkit = await startBuildKit({ plainHttpRegistries: [registry.host], ...more })
  const dir = await mkdtemp(join(tmpdir(), 'pa-buildx-'))
  const pushConfig = join(dir, 'push')
  await mkdir(pushConfig)
  const asPusher = { env: { DOCKER_CONFIG: pushConfig } }
  await docker.docker(['login', registry.host, '--username', registry.username, '--password-stdin'], {
    ...asPusher,
    input: registry.password,
  })
  const baseImage = `${registry.host}/base/busybox:bench`
  await docker.docker(['tag', docker.baseImage, baseImage])
  await docker.docker(['push', baseImage], asPusher)
  await rm(pushConfig, { recursive: true, force: true })
  const dockerConfig = await dockerConfigWithBuildx(join(dir, 'user'))
  await docker.docker(['buildx', 'create', '--name', 'bench', '--driver', 'remote', '--use', buildkit.address], {
    env: { DOCKER_CONFIG: dockerConfig },
  })
  return {
    buildkit,
    dockerConfig,
    baseImage,
    stop: async () => {
      await buildkit.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
