import { resolveRegion } from '../../../lib/aws/region'
import { UserError } from '../../../lib/errors'
import { inputsFrom, parseItems, type ReadInput, readRaw } from '../../../lib/inputs'
import { resolveInWorkspace } from '../../../lib/workspace'
import { type Destination, parseDestinations } from './destinations'
import { parseRegistryTarget, type RegistryTarget } from './registry-target'
import { parseTagTemplates, type TagTemplate } from './tag-templates'

export const BUILDERS = ['docker', 'buildah'] as const
export type BuilderName = (typeof BUILDERS)[number]
/** BuildKit's SLSA provenance modes; 'builder' leaves the choice to buildx (min on a BuildKit builder, none on the docker driver). */
export const PROVENANCE = ['builder', 'false', 'min', 'max'] as const
export type Provenance = (typeof PROVENANCE)[number]

export interface Inputs {
  repository: string
  createRepository: boolean
  region: string
  registry: RegistryTarget
  /** KMS key for new repositories; AES256 when absent. */
  kmsKey?: string
  scanOnPush: boolean
  repositoryTags: Map<string, string>
  /** How many images the lifecycle policy of a new repository keeps; 0 means no policy. */
  keepImages: number
  context: string
  file?: string
  target?: string
  buildArgs: Map<string, string>
  /** BuildKit secrets, id → value: files mounted for the RUN steps that ask, never arguments or layers. */
  buildSecrets: Map<string, string>
  platforms: string[]
  labels: Map<string, string>
  ociLabels: boolean
  builder: BuilderName
  cache: boolean
  cacheRepository: string
  /** Tags beyond the commit SHA, literal or templates of the git ref (tag-templates.ts). */
  tags: TagTemplate[]
  keepLogin: boolean
  /** False: build only, for pull requests (no AWS, no registry). */
  push: boolean
  /** The provenance attestation BuildKit attaches to the image index. */
  provenance: Provenance
  /** An SBOM attestation, made by BuildKit's scanner image. */
  sbom: boolean
  /** More ECR repositories (other accounts, ECR Public) that get the same image by digest, without a rebuild. */
  alsoPushTo: Destination[]
}

// ECR's own pattern for repository names (namespaces separated by '/').
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/

export function parseRepositoryName(name: string, raw: string): string {
  if (raw.length < 2 || raw.length > 256 || !REPOSITORY.test(raw)) {
    throw new UserError(
      `Input '${name}' must be an ECR repository name: 2 to 256 lowercase letters, digits, '.', '_', '-' and '/' between parts, such as team/app; got '${raw}'.`,
    )
  }
  return raw
}

/** Platforms as buildx writes them, comma- or newline-separated: linux/amd64,linux/arm64/v8. */
export function parsePlatforms(name: string, raw: string): string[] {
  const platforms = parseItems(raw)
  for (const platform of platforms) {
    if (!PLATFORM.test(platform))
      throw new UserError(`Input '${name}' must list platforms such as linux/amd64 or linux/arm64/v8; got '${platform}'.`)
  }
  return [...new Set(platforms)]
}

/**
 * The build context and Dockerfile are read from the checkout: a path out of
 * it (`..`, absolute, a symlink) would send the runner's own files to the
 * builder. A remote context (a Git or HTTP URL) is the builder's to fetch.
 */
function parseBuildPath(name: string, raw: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (raw === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.startsWith('git@')) return raw
  resolveInWorkspace(name, raw, { workspace: env.GITHUB_WORKSPACE || process.cwd() })
  return raw
}

/** Reads every input once (a runner's by default), failing on the first bad one with a line that names it. */
export function parseInputs(read: ReadInput = readRaw, env: NodeJS.ProcessEnv = process.env): Inputs {
  const input = inputsFrom(read)
  const repository = parseRepositoryName('repository', input.required('repository'))
  const cacheRepository = input.optional('cache-repository')
  const push = input.boolean('push', true)
  return {
    repository,
    push,
    createRepository: input.boolean('create-repository', true),
    // A build that pushes nothing talks to no AWS API, so it needs no region (a fork's pull request has none).
    region: push ? resolveRegion('aws-region', input.optional('aws-region'), env) : '',
    registry: parseRegistryTarget('registry', input.raw('registry')),
    kmsKey: input.optional('kms-key'),
    scanOnPush: input.boolean('scan-on-push', true),
    repositoryTags: input.keyValues('repository-tags'),
    keepImages: input.integer('keep-images', 30, { min: 0, max: 10_000 }),
    context: parseBuildPath('context', input.optional('context'), env) ?? '.',
    file: parseBuildPath('file', input.optional('file'), env),
    target: input.optional('target'),
    buildArgs: input.keyValues('build-args'),
    buildSecrets: input.keyValues('build-secrets'),
    platforms: parsePlatforms('platforms', input.raw('platforms')),
    labels: input.keyValues('labels'),
    ociLabels: input.boolean('oci-labels', true),
    builder: input.enum('builder', BUILDERS, 'docker'),
    cache: input.boolean('cache', false),
    cacheRepository: cacheRepository ? parseRepositoryName('cache-repository', cacheRepository) : `${repository}-build-cache`,
    tags: parseTagTemplates('tags', input.list('tags')),
    keepLogin: input.boolean('keep-login', false),
    provenance: input.enum('provenance', PROVENANCE, 'builder'),
    sbom: input.boolean('sbom', false),
    alsoPushTo: parseDestinations('also-push-to', input.raw('also-push-to')),
  }
}
