import { stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as core from '../../../lib/core'
import { messageOf, UserError } from '../../../lib/errors'
import type { Exec } from '../../../lib/exec'
import { build } from './build'
import { buildOnly } from './build-only'
import { resolveCommit } from './commit'
import { LOGIN_STATE, userDockerConfigDir, writeDockerLogin } from './docker-config'
import { type EcrApi, fetchRegistryCredentials } from './ecr-login'
import type { Inputs } from './inputs'
import { copyToMirrors, logInToMirrors, type MirrorDeps, type Mirrored } from './mirror'
import { RegistryApi } from './registry-api'
import { describeSettings, type EnsureRepositoryRequest, ensureRepository, isTagImmutable, type RepositorySettings } from './repository'
import type { ImageReport } from './summary'
import { planTags, refuseMovingTags } from './tag-plan'
import { resolveTagTemplates } from './tag-templates'

export interface PublishDeps extends MirrorDeps {
  exec: Exec
  env: NodeJS.ProcessEnv
}

export interface Published extends ImageReport {
  registry: string
  skipped: boolean
  /** This run pushed the image (false when it was already there, or push is false). */
  pushed: boolean
  /** host/repository of the main push; empty with push false. */
  repositoryUri: string
  /** The also-push-to repositories the image was copied to. */
  mirrored: Mirrored[]
}

/**
 * The phases, each a group in the log: log in to ECR's registry, make sure
 * the repository (and its cache) exist as configured, plan the tags against
 * what the registry holds, then build and push, or only retag an image that
 * is already there.
 */
export async function publishImage(inputs: Inputs, deps: PublishDeps): Promise<Published> {
  if (!inputs.push) return deps.log.group('Build (push: false)', () => buildOnly(inputs, deps))
  const commit = await resolveCommit(deps.env, deps.exec)
  const resolved = await resolveTagTemplates('tags', inputs.tags, { commit, env: deps.env })
  await requireDirectory('context', inputs.context)
  const ecr = deps.ecr(inputs.region)
  const session = await deps.log.group('Log in to the registry', () => logIn(ecr, inputs, deps))
  const mirrors =
    inputs.alsoPushTo.length > 0
      ? await deps.log.group('Log in to the also-push-to registries', () => logInToMirrors(inputs.alsoPushTo, deps))
      : []
  const { repository, settings } = await deps.log.group(`Prepare repository ${inputs.repository}`, () =>
    prepareRepositories(ecr, inputs, deps, (found) => refuseMovingTags(resolved, found, inputs.repository)),
  )
  const registry = new RegistryApi({
    baseUrl: `${inputs.registry.endpoint?.insecure ? 'http' : 'https'}://${session.host}`,
    username: session.credentials.username,
    password: session.credentials.password,
    fetch: deps.fetch,
    clock: deps.clock,
    random: deps.random,
  })
  const tags = [commit, ...resolved.map((entry) => entry.tag).filter((tag) => tag !== commit)]
  const states = await Promise.all(tags.map(async (tag) => ({ tag, digest: await registry.digestOf(inputs.repository, tag) })))
  const plan = planTags(states, (tag) => isTagImmutable(repository, tag), inputs.repository)
  const target: Target = { uri: `${session.host}/${inputs.repository}`, commit, tags, host: session.host }

  const { digest, outcome } =
    plan.kind === 'skip'
      ? await deps.log.group('Retag the existing image', () => retag(registry, inputs, target, plan, deps))
      : await deps.log.group('Build and push', () => buildAndPush(registry, inputs, target, session.login, deps))

  const mirrored =
    mirrors.length > 0
      ? await deps.log.group(`Copy to ${mirrors.length} more ${mirrors.length === 1 ? 'repository' : 'repositories'}`, () =>
          copyToMirrors(mirrors, { api: registry, repository: inputs.repository }, { digest, tags }, deps),
        )
      : []
  const sizeBytes = await registry.imageSize(inputs.repository, digest).catch((error: unknown) => {
    core.debug(`image size unavailable: ${messageOf(error)}`)
    return undefined
  })
  return {
    registry: session.host,
    image: `${target.uri}:${commit}`,
    imageRef: `${target.uri}@${digest}`,
    digest,
    sizeBytes,
    tags,
    skipped: plan.kind === 'skip',
    pushed: plan.kind !== 'skip',
    mirrored,
    repositoryUri: target.uri,
    outcome,
    repository: {
      name: inputs.repository,
      created: repository.created,
      mutability: repository.mutability,
      settings: repository.created ? describeSettings(settings) : undefined,
    },
  }
}

interface Target {
  /** host/repository */
  uri: string
  commit: string
  tags: string[]
  host: string
}

/** ECR's login token, written to a private Docker config whose folder the post step removes. */
async function logIn(ecr: EcrApi, inputs: Inputs, deps: PublishDeps) {
  const credentials = await fetchRegistryCredentials(ecr, inputs.registry.registryId, { clock: deps.clock, random: deps.random })
  const host = inputs.registry.endpoint?.host ?? credentials.host
  if (!host) throw new Error('ECR returned no registry endpoint with the login token')
  const tempRoot = deps.env.RUNNER_TEMP || tmpdir()
  const login = await writeDockerLogin({ tempRoot, host, credentials, userConfigDir: userDockerConfigDir(deps.env) })
  core.saveState(LOGIN_STATE, login.dir)
  if (inputs.keepLogin) {
    core.exportVariable('DOCKER_CONFIG', login.dir)
    core.exportVariable('REGISTRY_AUTH_FILE', login.configFile)
  }
  deps.log.info(`Logged in to ${host} as ${credentials.username} (credentials in a private Docker config, not on any command line).`)
  return { credentials, host, login }
}

/** The image repository (immutable tags, scanning, lifecycle) and, with cache, its cache repository. */
async function prepareRepositories(ecr: EcrApi, inputs: Inputs, deps: PublishDeps, check: EnsureRepositoryRequest['check']) {
  const options = { clock: deps.clock, random: deps.random }
  const settings: RepositorySettings = {
    mutability: 'IMMUTABLE',
    scanOnPush: inputs.scanOnPush,
    kmsKey: inputs.kmsKey,
    tags: inputs.repositoryTags,
    keepImages: inputs.keepImages,
  }
  const repository = await ensureRepository(
    ecr,
    { name: inputs.repository, registryId: inputs.registry.registryId, create: inputs.createRepository, settings, check },
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
  return { repository, settings }
}

/** The commit's image is already there: nothing is built; the other tags are pointed at it. */
async function retag(
  registry: RegistryApi,
  inputs: Inputs,
  target: Target,
  plan: Extract<ReturnType<typeof planTags>, { kind: 'skip' }>,
  deps: PublishDeps,
): Promise<{ digest: string; outcome: ImageReport['outcome'] }> {
  const digest = plan.digest
  deps.log.info(`${target.uri}:${target.commit} already exists (${digest}): nothing to build.`)
  if (plan.retag.length > 0) {
    const manifest = await registry.manifest(inputs.repository, digest)
    if (!manifest) throw new Error(`the registry lost ${digest} between two requests`)
    for (const { tag, previous } of plan.retag) {
      await registry.putManifest(inputs.repository, tag, manifest)
      deps.log.info(previous ? `Moved tag ${tag} from ${previous} to ${digest}.` : `Tagged ${digest} as ${tag}.`)
    }
  }
  return { digest, outcome: { kind: 'skipped', retagged: plan.retag.map((entry) => entry.tag) } }
}

/** One build pushed under every tag; the digest is the registry's own answer, whatever the builder printed. */
async function buildAndPush(
  registry: RegistryApi,
  inputs: Inputs,
  target: Target,
  login: Awaited<ReturnType<typeof writeDockerLogin>>,
  deps: PublishDeps,
): Promise<{ digest: string; outcome: ImageReport['outcome'] }> {
  const { uri, commit, tags, host } = target
  const { builder, built } = await build(
    inputs,
    deps,
    commit,
    {
      references: tags.map((tag) => `${uri}:${tag}`),
      cacheRepository: inputs.cache ? `${host}/${inputs.cacheRepository}` : undefined,
      dockerConfigDir: login.dir,
      authFile: login.configFile,
      insecure: inputs.registry.endpoint?.insecure ?? false,
      push: true,
    },
    (builder) => `Building ${uri}:${commit} with ${builder.description}.`,
  )
  const pushed = await registry.digestOf(inputs.repository, commit)
  if (!pushed) throw new UserError(`${builder.description} reported a successful push, but ${uri}:${commit} is not in the registry.`)
  if (built.digest && built.digest !== pushed) {
    deps.log.warning(`${builder.description} reported digest ${built.digest}, the registry has ${pushed}; the registry's is used.`)
  }
  return { digest: pushed, outcome: { kind: 'built', builder: builder.description } }
}

export async function requireDirectory(input: string, path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined)
  if (!found?.isDirectory()) throw new UserError(`Input '${input}' must be a folder in the workspace; '${path}' is not one.`)
}
