import { resolveRegion } from '../../../lib/aws/region'
import { UserError } from '../../../lib/errors'
import { parseBoolean, parseDuration, parseEnum, parseItems, type ReadInput, readRaw } from '../../../lib/inputs'
import type { NodegroupSelection } from './eks/wait-nodegroups'
import { normalizeHelmVersion } from './helm/binary'
import { type Deployment, parseReleases } from './releases'

export const MODES = ['deploy', 'uninstall', 'diff'] as const
export type Mode = (typeof MODES)[number]

export interface Inputs {
  clusterName: string
  region: string
  mode: Mode
  /** Bounds waiting for the cluster, its node groups and its API. */
  timeoutMs: number
  /** How long a cluster (or named node group) that does not exist yet is waited for. */
  appearTimeoutMs: number
  nodegroups: NodegroupSelection
  checkApi: boolean
  releases: Deployment[]
  /** Server-side apply's field manager for manifests entries. */
  fieldManager: string
  helmVersion?: string
  exportKubeconfig: boolean
  /** For the diff comment on a pull request; empty: no comment. */
  githubToken: string
}

const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]*$/

/** Reads every input once (a runner's by default), failing on the first bad one with a line that names it. */
export function parseInputs(read: ReadInput = readRaw, env: NodeJS.ProcessEnv = process.env): Inputs {
  const raw = (name: string) => read(name).trim()
  const clusterName = raw('cluster-name')
  if (clusterName === '') throw new UserError("Input 'cluster-name' is required.")
  if (clusterName.length > 100 || !EKS_NAME.test(clusterName)) {
    throw new UserError(`Input 'cluster-name' must be an EKS cluster name (letters, digits, '-' and '_'); got '${clusterName}'.`)
  }
  const timeoutMs = parseDuration('timeout', raw('timeout'), 30 * 60_000)
  if (timeoutMs <= 0) throw new UserError(`Input 'timeout' must be longer than zero; got '${raw('timeout')}'.`)
  const checkApi = parseBoolean('check-api', raw('check-api'), true)
  const mode = parseEnum('mode', raw('mode'), MODES, 'deploy')
  const releases = parseReleases(raw('releases'))
  if (!checkApi && releases.length > 0) {
    throw new UserError(
      "Input 'releases' needs check-api true: with check-api false (a private endpoint this runner cannot reach) the step stops after writing the kubeconfig.",
    )
  }
  if (mode === 'diff' && releases.length === 0) {
    throw new UserError("Input 'mode' diff compares the 'releases' with the cluster: list at least one release or manifests entry.")
  }
  return {
    clusterName,
    region: resolveRegion('aws-region', raw('aws-region') || undefined, env),
    mode,
    timeoutMs,
    appearTimeoutMs: parseDuration('appear-timeout', raw('appear-timeout'), 10 * 60_000),
    nodegroups: parseNodegroups(raw('nodegroups')),
    checkApi,
    releases,
    ...(raw('helm-version') ? { helmVersion: normalizeHelmVersion(raw('helm-version')) } : {}),
    exportKubeconfig: parseBoolean('export-kubeconfig', raw('export-kubeconfig'), true),
    fieldManager: parseFieldManager(raw('field-manager')),
    githubToken: raw('github-token'),
  }
}

/** `all`, `none`, or node group names separated by commas or new lines (EKS names cannot contain either). */
export function parseNodegroups(raw: string): NodegroupSelection {
  const text = raw.trim()
  if (text === '' || text.toLowerCase() === 'all') return { kind: 'all' }
  if (text.toLowerCase() === 'none') return { kind: 'none' }
  const names = parseItems(text, { blanks: true })
  for (const name of names) {
    if (!EKS_NAME.test(name) || name.length > 63) {
      throw new UserError(`Input 'nodegroups' must be all, none, or node group names; '${name}' is not a node group name.`)
    }
  }
  return { kind: 'names', names: [...new Set(names)] }
}

/** A field manager name as the API server accepts it (printable, at most 128 characters). */
export function parseFieldManager(raw: string): string {
  const name = raw.trim() || 'pipeline-actions'
  if (name.length > 128 || !/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(name)) {
    throw new UserError(`Input 'field-manager' must be up to 128 letters, digits, '.', '_', ':', '/' and '-'; got '${raw}'.`)
  }
  return name
}
