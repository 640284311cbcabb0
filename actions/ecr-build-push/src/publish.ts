import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import type { Exec } from '../../../lib/exec'
import { buildOnly } from './build-only'
import { writeBuildSecrets } from './build-secrets'
import { BuildahBuilder } from './builders/buildah'
import { dockerBuilder } from './builders/docker'
import type { Builder, BuilderDeps } from './builders/types'
import { resolveCommit } from './commit'
import { LOGIN_STATE, userDockerConfigDir, writeDockerLogin } from './docker-config'
import { type EcrApi, fetchRegistryCredentials } from './ecr-login'
import type { Inputs } from './inputs'
import { imageLabels } from './labels'
import { RegistryApi } from './registry-api'
import { describeSettings, ensureRepository, isTagImmutable, type RepositorySettings } from './repository'
import type { ImageReport } from './summary'
import { planTags } from './tag-plan'

export interface Deps {
  exec: Exec
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  env: NodeJS.ProcessEnv
  ecr: (region: string) => EcrApi
}

export interface Published extends ImageReport {
  registry: string
  skipped: boolean
  /** This run pushed the image (false when it was already there, or push is false). */
  pushed: boolean
}

export async function publishImage(inputs: Inputs, deps: Deps): Promise<Published> {
  if (!inputs.push) return buildOnly(inputs, deps)
  const options = { clock: deps.clock, random: deps.random }
  const commit = await resolveCommit(deps.env, deps.exec)
  await requireDirectory('context', inputs.context)
  const ecr = deps.ecr(inputs.region)

  const credentials = await fetchRegistryCredentials(ecr, inputs.registry.registryId, options)
  const host = inputs.registry.endpoint?.host ?? credentials.host
  if (!host) throw new Error('ECR returned no registry endpoint with the login token')
  const tempRoot = deps.env.RUNNER_TEMP || tmpdir()
  const login = await writeDockerLogin({ tempRoot, host, credentials, userConfigDir: userDockerConfigDir(deps.env) })
  core.saveState(LOGIN_STATE, login.dir)
  if (inputs.keepLogin) {
    core.exportVariable('DOCKER_CONFIG', login.dir)
    core.exportVariable('REGISTRY_AUTH_FILE', login.configFile)
  }
  core.info(`Logged in to ${host} as ${credentials.username} (credentials in a private Docker config, not on any command line).`)

  const settings: RepositorySettings = {
    mutability: 'IMMUTABLE',
    scanOnPush: inputs.scanOnPush,
    kmsKey: inputs.kmsKey,
    tags: inputs.repositoryTags,
    keepImages: inputs.keepImages,
  }
  const repository = await ensureRepository(
    ecr,
    { name: inputs.repository, registryId: inputs.registry.registryId, create: inputs.createRepository, settings },
    options,
  )
  if (inputs.cache) {
    // The cache is overwritten on every build, so its repository has mutable tags and no scanning.
    await ensureRepository(
      ecr,
      {
        name: inputs.cacheRepository,
        registryId: inputs.registry.registryId,
        create: inputs.createRepository,
        settings: { ...settings, mutability: 'MUTABLE', scanOnPush: false },
      },
      options,
    )
  }

  const registry = new RegistryApi({
    baseUrl: `${inputs.registry.endpoint?.insecure ? 'http' : 'https'}://${host}`,
    username: credentials.username,
    password: credentials.password,
    fetch: deps.fetch,
    ...options,
  })
  const tags = [commit, ...inputs.tags.filter((tag) => tag !== commit)]
  const states = await Promise.all(tags.map(async (tag) => ({ tag, digest: await registry.digestOf(inputs.repository, tag) })))
  const plan = planTags(states, (tag) => isTagImmutable(repository, tag), inputs.repository)
  const uri = `${host}/${inputs.repository}`

  let digest: string
  let outcome: ImageReport['outcome']
  if (plan.kind === 'skip') {
    digest = plan.digest
    core.info(`${uri}:${commit} already exists (${digest}): nothing to build.`)
    if (plan.retag.length > 0) {
      const manifest = await registry.manifest(inputs.repository, digest)
      if (!manifest) throw new Error(`the registry lost ${digest} between two requests`)
      for (const { tag, previous } of plan.retag) {
        await registry.putManifest(inputs.repository, tag, manifest)
        core.info(previous ? `Moved tag ${tag} from ${previous} to ${digest}.` : `Tagged ${digest} as ${tag}.`)
      }
    }
    outcome = { kind: 'skipped', retagged: plan.retag.map((entry) => entry.tag) }
  } else {
    const builderDeps: BuilderDeps = { exec: deps.exec, clock: deps.clock, random: deps.random, env: deps.env }
    const builder: Builder = inputs.builder === 'buildah' ? new BuildahBuilder(builderDeps) : await dockerBuilder(builderDeps)
    core.info(`Building ${uri}:${commit} with ${builder.description}.`)
    const workDir = await mkdtemp(join(tempRoot, 'ecr-build-push-work-'))
    try {
      const built = await builder.buildAndPush({
        context: inputs.context,
        file: inputs.file,
        target: inputs.target,
        buildArgs: inputs.buildArgs,
        labels: imageLabels({ oci: inputs.ociLabels, commit, now: deps.clock.now(), env: deps.env, extra: inputs.labels }),
        platforms: inputs.platforms,
        references: tags.map((tag) => `${uri}:${tag}`),
        cacheRepository: inputs.cache ? `${host}/${inputs.cacheRepository}` : undefined,
        dockerConfigDir: login.dir,
        authFile: login.configFile,
        insecure: inputs.registry.endpoint?.insecure ?? false,
        tempDir: workDir,
        secretFiles: await writeBuildSecrets(inputs.buildSecrets, workDir),
        push: true,
      })
      // The registry's own answer is the digest users get, whatever the builder printed.
      const pushed = await registry.digestOf(inputs.repository, commit)
      if (!pushed) throw new UserError(`${builder.description} reported a successful push, but ${uri}:${commit} is not in the registry.`)
      if (built.digest && built.digest !== pushed) {
        core.warning(`${builder.description} reported digest ${built.digest}, the registry has ${pushed}; the registry's is used.`)
      }
      digest = pushed
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
    outcome = { kind: 'built', builder: builder.description }
  }

  const sizeBytes = await registry.imageSize(inputs.repository, digest).catch((error: unknown) => {
    core.debug(`image size unavailable: ${messageOf(error)}`)
    return undefined
  })
  return {
    registry: host,
    image: `${uri}:${commit}`,
    imageRef: `${uri}@${digest}`,
    digest,
    sizeBytes,
    tags,
    skipped: plan.kind === 'skip',
    pushed: plan.kind !== 'skip',
    outcome,
    repository: {
      name: inputs.repository,
      created: repository.created,
      mutability: repository.mutability,
      settings: repository.created ? describeSettings(settings) : undefined,
    },
  }
}

export async function requireDirectory(input: string, path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined)
  if (!found?.isDirectory()) throw new UserError(`Input '${input}' must be a folder in the workspace; '${path}' is not one.`)
}
