import type { Clock } from '../../../lib/clock'
import { messageOf, UserError } from '../../../lib/errors'
import type { Logger } from '../../../lib/log'
import { type Destination, ECR_PUBLIC_REGION } from './destinations'
import { type EcrApi, type EcrPublicApi, fetchPublicRegistryCredentials, fetchRegistryCredentials } from './ecr-login'
import { copyImage } from './image-copy'
import { RegistryApi, RegistryHttpError } from './registry-api'

/**
 * `also-push-to`: each destination's own ECR login (another account's
 * private registry through ECR's GetAuthorizationToken for that registry ID
 * and region, ECR Public through ecr-public in us-east-1), made before the
 * build so a missing permission fails first; then the image the main push
 * left in the registry copied there by digest.
 */
export interface MirrorDeps {
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  ecr: (region: string) => EcrApi
  ecrPublic: (region: string) => EcrPublicApi
  log: Logger
}

export interface Mirror {
  destination: Destination
  /** host/repository, with the endpoint's host when one replaces the URI's. */
  uri: string
  api: RegistryApi
}

export interface Mirrored {
  uri: string
  imageRef: string
  images: string[]
}

export async function logInToMirrors(destinations: readonly Destination[], deps: MirrorDeps): Promise<Mirror[]> {
  const options = { clock: deps.clock, random: deps.random }
  const mirrors: Mirror[] = []
  for (const destination of destinations) {
    const credentials =
      destination.kind === 'public'
        ? await fetchPublicRegistryCredentials(deps.ecrPublic(ECR_PUBLIC_REGION), options)
        : await fetchRegistryCredentials(deps.ecr(destination.region), destination.accountId, options)
    const host = destination.endpoint?.host ?? destination.host
    const api = new RegistryApi({
      baseUrl: `${destination.endpoint?.insecure ? 'http' : 'https'}://${host}`,
      username: credentials.username,
      password: credentials.password,
      fetch: deps.fetch,
      clock: deps.clock,
      random: deps.random,
    })
    deps.log.info(`Logged in to ${host} for ${destination.uri}.`)
    mirrors.push({ destination, uri: `${host}/${destination.repository}`, api })
  }
  return mirrors
}

export async function copyToMirrors(
  mirrors: readonly Mirror[],
  source: { api: RegistryApi; repository: string },
  image: { digest: string; tags: readonly string[] },
  deps: Pick<MirrorDeps, 'log'>,
): Promise<Mirrored[]> {
  const done: Mirrored[] = []
  for (const mirror of mirrors) {
    try {
      const copied = await copyImage({ source, target: { api: mirror.api, repository: mirror.destination.repository }, ...image })
      deps.log.info(
        `Copied ${image.digest} to ${mirror.uri} (${copied.blobsCopied} blob(s) sent${copied.tagsWritten.length > 0 ? `, tagged ${copied.tagsWritten.join(', ')}` : ', every tag already there'}).`,
      )
    } catch (error) {
      throw copyFailure(mirror, error, done)
    }
    done.push({
      uri: mirror.uri,
      imageRef: `${mirror.uri}@${image.digest}`,
      images: image.tags.map((tag) => `${mirror.uri}:${tag}`),
    })
  }
  return done
}

function copyFailure(mirror: Mirror, error: unknown, done: readonly Mirrored[]): unknown {
  const already = done.length > 0 ? ` (already copied to ${done.map((entry) => entry.uri).join(', ')})` : ''
  const message = `Copying the image to ${mirror.destination.uri} failed${already}: ${messageOf(error)}`
  if (error instanceof RegistryHttpError && /NAME_UNKNOWN|RepositoryNotFound|does not exist/i.test(error.detail)) {
    return new UserError(message, 'also-push-to creates no repository: create it in that registry first.')
  }
  if (error instanceof UserError || error instanceof RegistryHttpError) {
    return new UserError(
      message,
      "Check that the role may push to that repository (for another account, the repository's policy must allow it).",
    )
  }
  return error
}
