import { parse, YAMLParseError } from 'yaml'
import { UserError } from '../../../lib/errors'
import { parseDuration } from '../../../lib/inputs'
import { displayUrl, isPlainHttpBeyondLoopback } from '../../../lib/loopback'

/** One Helm release to deploy, as the `releases` input describes it. */
export interface Release {
  name: string
  /** A local path, an oci:// reference, a chart archive URL, or a chart name in `repository`. */
  chart: string
  /** An http(s) chart repository that holds `chart`. */
  repository?: string
  version?: string
  namespace: string
  valuesFiles: string[]
  /** Written to a values file, so no value is ever split on commas or parsed by --set. */
  values?: Record<string, unknown>
  timeoutMs: number
  wait: boolean
  /** Roll back (or remove a first install) when the release fails. */
  atomic: boolean
  username?: string
  password?: string
}

const KEYS = [
  'name',
  'chart',
  'repository',
  'version',
  'namespace',
  'values-files',
  'values',
  'timeout',
  'wait',
  'atomic',
  'repository-username',
  'repository-password',
] as const

/**
 * Plain manifests or a kustomization, applied server-side in the list's order
 * with the Helm releases, each object labelled with the entry's name so an
 * uninstall can find and delete them by label.
 */
export interface ManifestSet {
  kind: 'manifests'
  name: string
  /** For namespaced objects that name none; created when missing, never deleted. */
  namespace: string
  /** YAML files or folders of them (not recursive), in the workspace. */
  paths: string[]
  /** A kustomization folder, rendered with `kubectl kustomize`. */
  kustomization?: string
}

export type Deployment = Release | ManifestSet

export function isManifestSet(entry: Deployment): entry is ManifestSet {
  return 'kind' in entry && entry.kind === 'manifests'
}

const MANIFEST_KEYS = ['name', 'namespace', 'manifests', 'kustomization'] as const

export const DEFAULT_RELEASE_TIMEOUT_MS = 10 * 60_000

// Helm's own rule for release names: a DNS-1123 subdomain of at most 53 characters.
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * Parses the `releases` input: a YAML list of maps. Errors name the release
 * and the field, never the offending text, which may hold a password.
 */
export function parseReleases(raw: string): Deployment[] {
  if (raw.trim() === '') return []
  let document: unknown
  try {
    document = parse(raw)
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : ''
      throw new UserError(`Input 'releases' is not valid YAML${where}: ${error.message.split(' at line ')[0]}.`)
    }
    // The yaml library refuses aliases that would expand without bound (a billion laughs) with a ReferenceError.
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new UserError("Input 'releases' uses YAML aliases that expand too far (more than 100 references); write the values out.")
    }
    throw error
  }
  if (document === null || document === undefined) return []
  if (!Array.isArray(document)) throw new UserError("Input 'releases' must be a YAML list of releases (each item starting with '- name:').")
  const releases = document.map((item, index) => parseRelease(item, index))
  const seen = new Set<string>()
  for (const release of releases) {
    const key = `${release.namespace}/${release.name}`
    if (seen.has(key)) {
      const what = isManifestSet(release) ? 'manifests' : 'release'
      throw new UserError(`Input 'releases' lists ${what} '${release.name}' in namespace '${release.namespace}' twice.`)
    }
    seen.add(key)
  }
  return releases
}

function parseRelease(item: unknown, index: number): Deployment {
  const label = `releases[${index}]`
  if (!isMap(item)) throw new UserError(`Input '${label}' must be a map with at least name and chart (or manifests, or kustomization).`)
  if ('manifests' in item || 'kustomization' in item) return parseManifestSet(item, label)
  for (const key of Object.keys(item)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new UserError(`Input '${label}' has an unknown field '${key}'; the fields are ${KEYS.join(', ')}.`)
    }
  }
  const name = requiredString(item, 'name', label)
  const where = `release '${name}'`
  if (name.length > 53 || !RELEASE_NAME.test(name)) {
    throw new UserError(`Input 'releases': name '${name}' must be lowercase letters, digits, '-' and '.', at most 53 characters.`)
  }
  const chart = requiredString(item, 'chart', where)
  const repository = optionalString(item, 'repository', where)
  if (repository !== undefined) {
    if (!/^https?:\/\//.test(repository))
      throw new UserError(`Input 'releases': ${where} repository must be an http(s) URL; got '${repository}'.`)
    if (chart.includes('/') || chart.startsWith('oci:')) {
      throw new UserError(
        `Input 'releases': ${where} has a repository, so its chart must be a chart name such as 'airflow'; got '${chart}'.`,
      )
    }
  }
  const namespace = optionalString(item, 'namespace', where) ?? 'default'
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) {
    throw new UserError(`Input 'releases': ${where} namespace '${namespace}' must be a DNS label (lowercase letters, digits and '-').`)
  }
  const values = item.values
  if (values !== undefined && values !== null && !isMap(values)) {
    throw new UserError(
      `Input 'releases': ${where} values must be a YAML map (nested keys), not ${typeof values === 'string' ? 'a string' : 'a list or scalar'}; it is written to a values file, never split like --set.`,
    )
  }
  const username = optionalString(item, 'repository-username', where)
  const password = optionalString(item, 'repository-password', where)
  if ((username === undefined) !== (password === undefined)) {
    throw new UserError(`Input 'releases': ${where} needs both repository-username and repository-password, or neither.`)
  }
  if (username !== undefined && repository === undefined && !chart.startsWith('oci://')) {
    throw new UserError(
      `Input 'releases': ${where} has repository credentials but neither a repository nor an oci:// chart to use them for.`,
    )
  }
  refuseCredentialsOverPlainHttp(where, { repository, chart, withCredentials: username !== undefined })
  const timeout = item.timeout
  if (timeout !== undefined && typeof timeout !== 'string' && typeof timeout !== 'number') {
    throw new UserError(`Input 'releases': ${where} timeout must be a duration such as '10m'.`)
  }
  const version = versionOf(item, where)
  return {
    name,
    chart,
    ...(repository !== undefined ? { repository } : {}),
    ...(version !== undefined ? { version } : {}),
    namespace,
    valuesFiles: stringList(item, 'values-files', where),
    ...(isMap(values) ? { values } : {}),
    timeoutMs: parseDuration(`releases: ${where} timeout`, timeout === undefined ? '' : String(timeout), DEFAULT_RELEASE_TIMEOUT_MS),
    wait: optionalBoolean(item, 'wait', where, true),
    atomic: optionalBoolean(item, 'atomic', where, true),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  }
}

function parseManifestSet(item: Record<string, unknown>, label: string): ManifestSet {
  for (const key of Object.keys(item)) {
    if (!(MANIFEST_KEYS as readonly string[]).includes(key)) {
      throw new UserError(
        `Input '${label}' has a field '${key}' that an entry with manifests or a kustomization does not take; its fields are ${MANIFEST_KEYS.join(', ')}.`,
      )
    }
  }
  const name = requiredString(item, 'name', label)
  const where = `manifests '${name}'`
  // The name becomes a label value (63 characters) on every object; the same rule as release names keeps one shape.
  if (name.length > 53 || !RELEASE_NAME.test(name)) {
    throw new UserError(`Input 'releases': name '${name}' must be lowercase letters, digits, '-' and '.', at most 53 characters.`)
  }
  const namespace = optionalString(item, 'namespace', where) ?? 'default'
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) {
    throw new UserError(`Input 'releases': ${where} namespace '${namespace}' must be a DNS label (lowercase letters, digits and '-').`)
  }
  const paths = stringList(item, 'manifests', where)
  const kustomization = optionalString(item, 'kustomization', where)
  if (paths.length > 0 === (kustomization !== undefined && kustomization !== '')) {
    throw new UserError(`Input 'releases': ${where} needs either manifests (files or folders) or a kustomization folder, not both.`)
  }
  return { kind: 'manifests', name, namespace, paths, ...(kustomization ? { kustomization } : {}) }
}

/**
 * Repository credentials (given as fields or embedded in a URL) sent over
 * plain http:// can be read by anyone on the path; only a chart server on
 * this machine's loopback may take them unencrypted.
 */
function refuseCredentialsOverPlainHttp(
  where: string,
  release: { repository: string | undefined; chart: string; withCredentials: boolean },
): void {
  const check = (field: string, text: string | undefined, withCredentials: boolean) => {
    if (text === undefined || !/^http:\/\//i.test(text)) return
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return
    }
    if ((withCredentials || url.username !== '' || url.password !== '') && isPlainHttpBeyondLoopback(url)) {
      throw new UserError(
        `Input 'releases': ${where} ${field} must be an https:// URL to send repository credentials (plain http:// only on a loopback address such as 127.0.0.1); got '${displayUrl(url)}'.`,
      )
    }
  }
  check('repository', release.repository, release.withCredentials)
  check('chart', release.chart, false)
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requiredString(item: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(item, key, where)
  if (value === undefined || value === '') throw new UserError(`Input 'releases': ${where} needs a '${key}'.`)
  return value
}

function optionalString(item: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = item[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new UserError(`Input 'releases': ${where} ${key} must be a string.`)
  return value.trim()
}

// YAML reads `version: 1.10` as the number 1.1; refuse numbers rather than deploy the wrong chart version.
function versionOf(item: Record<string, unknown>, where: string): string | undefined {
  const value = item.version
  if (typeof value === 'number') {
    throw new UserError(
      `Input 'releases': ${where} version must be quoted (for example version: "1.10.0"), or YAML may read it as a different number.`,
    )
  }
  return optionalString(item, 'version', where) || undefined
}

function stringList(item: Record<string, unknown>, key: string, where: string): string[] {
  const value = item[key]
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value as string[]
  throw new UserError(`Input 'releases': ${where} ${key} must be a file path or a list of file paths.`)
}

function optionalBoolean(item: Record<string, unknown>, key: string, where: string, fallback: boolean): boolean {
  const value = item[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'boolean') throw new UserError(`Input 'releases': ${where} ${key} must be true or false.`)
  return value
}
