import { UserError } from '../../../lib/errors'

/**
 * Where the image goes, from the `registry` input: empty (the caller's own ECR
 * registry), a 12-digit account ID (another account's ECR registry, for the
 * control plane and the login token), or a registry endpoint (host[:port] or a
 * URL) that replaces the data-plane address while ECR stays the control plane
 * and the source of the credentials.
 */
export interface RegistryTarget {
  registryId?: string
  endpoint?: RegistryEndpoint
}

export interface RegistryEndpoint {
  /** host[:port], as image references and Docker's auths name it. */
  host: string
  /** Plain HTTP: only when the input said http:// explicitly. */
  insecure: boolean
}

const ACCOUNT = /^\d{12}$/
const HOST = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::\d{1,5})?$/

export function parseRegistryTarget(name: string, raw: string): RegistryTarget {
  if (raw === '') return {}
  if (ACCOUNT.test(raw)) return { registryId: raw }
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(raw)
  const host = match ? (match[2] as string) : raw
  if (!HOST.test(host)) {
    throw new UserError(
      `Input '${name}' must be a 12-digit AWS account ID, a registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com, or its URL; got '${raw}'.`,
    )
  }
  const insecure = match?.[1] === 'http'
  if (insecure && !isLoopback(host)) {
    throw new UserError(
      `Input '${name}' may use http:// only for a registry on this machine (loopback); ${host} would receive the ECR login in clear.`,
      'Use https:// (or the host alone).',
    )
  }
  return { endpoint: { host: host.toLowerCase(), insecure } }
}

/** The ECR login (a Basic password valid 12 hours) may cross plain HTTP only where it never leaves the machine. */
function isLoopback(hostAndPort: string): boolean {
  const host = hostAndPort
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1'
}

/** The registry host from the proxyEndpoint ECR returns with the token, e.g. https://123456789012.dkr.ecr.us-east-1.amazonaws.com. */
export function hostOfProxyEndpoint(proxyEndpoint: string): string {
  try {
    return new URL(proxyEndpoint).host
  } catch {
    return proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  }
}
