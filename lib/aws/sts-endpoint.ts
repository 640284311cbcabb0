import { UserError } from '../errors'
import { displayUrl, isPlainHttpBeyondLoopback } from '../loopback'
import { endpointFromEnv } from './endpoints'

/**
 * Where STS requests go. Regional endpoints always: the global one lives in
 * a single region, issues tokens that are not valid in opt-in regions, and
 * AWS recommends against it. The partition (China, GovCloud, the isolated
 * regions) follows from the region, so a GovCloud region never talks to a
 * commercial endpoint.
 */

/** What the `sts-endpoint` input can say: the region's regional or FIPS endpoint, or a URL. */
export type StsEndpointSetting = { kind: 'regional' } | { kind: 'fips' } | { kind: 'url'; url: URL }

export interface Partition {
  id: 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b'
  dnsSuffix: string
  /** The FIPS host for a region, when the partition offers FIPS STS endpoints. */
  fipsHost?: (region: string) => string
}

const PARTITIONS: readonly (Partition & { regions: RegExp })[] = [
  { id: 'aws-cn', regions: /^cn-/, dnsSuffix: 'amazonaws.com.cn' },
  // GovCloud's regular STS endpoints are the FIPS-validated ones.
  { id: 'aws-us-gov', regions: /^us-gov-/, dnsSuffix: 'amazonaws.com', fipsHost: (region) => `sts.${region}.amazonaws.com` },
  { id: 'aws-iso-b', regions: /^us-isob-/, dnsSuffix: 'sc2s.sgov.gov' },
  { id: 'aws-iso', regions: /^us-iso-/, dnsSuffix: 'c2s.ic.gov' },
  { id: 'aws', regions: /^[a-z]{2}-[a-z]+-\d$/, dnsSuffix: 'amazonaws.com', fipsHost: (region) => `sts-fips.${region}.amazonaws.com` },
]

/** The partition a region belongs to, or undefined for one this table does not know (pass a URL then). */
export function partitionOf(region: string): Partition | undefined {
  return PARTITIONS.find((partition) => partition.regions.test(region))
}

export function parseStsEndpointSetting(inputName: string, raw: string): StsEndpointSetting {
  const value = raw.trim()
  if (value === '' || value.toLowerCase() === 'regional') return { kind: 'regional' }
  if (value.toLowerCase() === 'fips') return { kind: 'fips' }
  if (/^https?:\/\//i.test(value)) {
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      // falls through to the one-line error below
    }
    // The web identity token goes to this endpoint and credentials come back from it.
    if (url && isPlainHttpBeyondLoopback(url)) {
      throw new UserError(
        `Input '${inputName}' must be an https:// URL (plain http:// only on a loopback address such as 127.0.0.1): the token and the credentials would cross the network unencrypted; got '${displayUrl(url)}'.`,
      )
    }
    if (url) return { kind: 'url', url }
  }
  throw new UserError(`Input '${inputName}' must be regional, fips, or an http(s) URL; got '${value}'.`)
}

export interface ResolvedStsEndpoint {
  url: URL
  /** Why this endpoint: shown in the log so a surprising one can be traced to its cause. */
  source: 'input' | 'environment' | 'regional' | 'fips'
}

/**
 * A URL in the input wins; then AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL (how
 * local test setups point every tool at one endpoint); then the region's own.
 */
export function resolveStsEndpoint(
  region: string,
  setting: StsEndpointSetting = { kind: 'regional' },
  env: NodeJS.ProcessEnv = process.env,
  inputName = 'sts-endpoint',
): ResolvedStsEndpoint {
  if (setting.kind === 'url') return { url: setting.url, source: 'input' }
  const configured = endpointFromEnv('STS', env)
  if (configured) return { url: new URL(configured), source: 'environment' }
  const partition = partitionOf(region)
  if (!partition) {
    throw new UserError(`No STS endpoint is known for region '${region}'.`, `Set input '${inputName}' to the endpoint URL for that region.`)
  }
  if (setting.kind === 'fips') {
    if (!partition.fipsHost) {
      throw new UserError(
        `STS has no FIPS endpoint in partition ${partition.id} (region ${region}).`,
        `Set input '${inputName}' to regional or to an endpoint URL.`,
      )
    }
    return { url: new URL(`https://${partition.fipsHost(region)}/`), source: 'fips' }
  }
  return { url: new URL(`https://sts.${region}.${partition.dnsSuffix}/`), source: 'regional' }
}
