import { UserError } from '../../../lib/errors'
import { parseList } from '../../../lib/inputs'
import { parseRepositoryName } from './inputs'
import { parseRegistryTarget, type RegistryEndpoint } from './registry-target'

/**
 * The `also-push-to` input: more ECR repositories that receive the same
 * image, copied by digest after the main push. Each line is a repository
 * URI, another account's private ECR (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`)
 * or ECR Public (`public.ecr.aws/<alias>/<name>`), optionally followed by
 * `via <endpoint>`: a data-plane address that replaces the URI's host while
 * ECR still issues the login, as the `registry` input's endpoint form does.
 */
export type Destination =
  | { kind: 'private'; uri: string; accountId: string; region: string; repository: string; host: string; endpoint?: RegistryEndpoint }
  | { kind: 'public'; uri: string; repository: string; host: string; endpoint?: RegistryEndpoint }

/** ECR Public's registry, and the one region its API (and so its login) lives in. */
export const ECR_PUBLIC_HOST = 'public.ecr.aws'
export const ECR_PUBLIC_REGION = 'us-east-1'

const PRIVATE_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/
// ECR Public registry aliases: lowercase letters, digits, '-' and '_', 2 to 50 characters.
const PUBLIC_ALIAS = /^[a-z0-9][a-z0-9_-]{1,49}$/

export function parseDestinations(name: string, raw: string): Destination[] {
  const destinations: Destination[] = []
  for (const line of parseList(raw)) {
    const [uri = '', via, endpoint, ...rest] = line.split(/\s+/)
    if ((via !== undefined && (via !== 'via' || endpoint === undefined)) || rest.length > 0) {
      throw new UserError(`Input '${name}' lines are '<repository URI>' or '<repository URI> via <registry endpoint>'; got '${line}'.`)
    }
    const destination = parseUri(name, uri)
    if (endpoint !== undefined) {
      const target = parseRegistryTarget(name, endpoint)
      if (!target.endpoint) throw new UserError(`Input '${name}': 'via' needs a registry endpoint (host[:port] or URL); got '${endpoint}'.`)
      destination.endpoint = target.endpoint
    }
    if (destinations.some((other) => other.uri === destination.uri)) continue
    destinations.push(destination)
  }
  return destinations
}

function parseUri(name: string, uri: string): Destination {
  const slash = uri.indexOf('/')
  const host = slash > 0 ? uri.slice(0, slash).toLowerCase() : ''
  const path = slash > 0 ? uri.slice(slash + 1) : ''
  const privateHost = PRIVATE_HOST.exec(host)
  if (privateHost && path) {
    const [, accountId, region] = privateHost as unknown as [string, string, string]
    return { kind: 'private', uri, accountId, region, host, repository: parseRepositoryName(name, path) }
  }
  if (host === ECR_PUBLIC_HOST) {
    const [alias = '', ...rest] = path.split('/')
    if (PUBLIC_ALIAS.test(alias) && rest.length > 0) {
      return { kind: 'public', uri, host, repository: `${alias}/${parseRepositoryName(name, rest.join('/'))}` }
    }
  }
  throw new UserError(
    `Input '${name}' must list ECR repository URIs, such as 210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app or public.ecr.aws/my-alias/app; got '${uri}'.`,
  )
}
