import { UserError } from '../../../lib/errors'
import { parseBoolean, parseEnum, parseItems, parseList, parseReleaseVersion, type ReadInput, readRaw } from '../../../lib/inputs'
import { DEFAULT_HELM_VERSION, DEFAULT_KUBECONFORM_VERSION } from '../../../lib/release-tool'
import { CRDS_CATALOG_LOCATION, checkTemplate, expandLocation, STANDARD_LOCATION } from './schema/template'

export const FAIL_ON = ['invalid', 'error', 'never'] as const
export type FailOn = (typeof FAIL_ON)[number]

export interface ChartInput {
  chart: string
  values: string[]
  /** The input line, for messages. */
  line: string
}

export interface ReportTargets {
  junit: string[]
  sarif: string[]
}

export interface Inputs {
  paths: string[]
  charts: ChartInput[]
  kustomize: string[]
  /** x.y.z without a leading v. */
  kubernetesVersion: string
  strict: boolean
  ignoreMissingSchemas: boolean
  /** Validate custom resources against schemas made from the CRDs among the manifests. */
  crdSchemas: boolean
  skip: string[]
  reject: string[]
  /** Expanded kubeconform templates, in order. */
  schemaLocations: string[]
  /** Offline schema folders, tried first, in order. */
  schemaDirs: string[]
  kubeconformVersion: string
  helmVersion: string
  cache: boolean
  failOn: FailOn
  report: ReportTargets
}

/** Reads every input once (a runner's by default), failing on the first bad one with a line that names it. */
export function parseInputs(read: ReadInput = readRaw): Inputs {
  const trimmed = (name: string) => read(name).trim()
  const inputs: Inputs = {
    paths: parseList(read('paths')),
    charts: parseList(read('charts')).map(parseChart),
    kustomize: parseList(read('kustomize')),
    kubernetesVersion: parseKubernetesVersion(trimmed('kubernetes-version')),
    strict: parseBoolean('strict', trimmed('strict'), true),
    ignoreMissingSchemas: parseBoolean('ignore-missing-schemas', trimmed('ignore-missing-schemas'), false),
    crdSchemas: parseBoolean('crd-schemas', trimmed('crd-schemas'), true),
    skip: parseKinds('skip', read('skip')),
    reject: parseKinds('reject', read('reject')),
    schemaLocations: parseLocations(read('schema-locations')),
    schemaDirs: parseList(read('schema-dir')),
    kubeconformVersion: parseToolVersion('kubeconform-version', trimmed('kubeconform-version'), DEFAULT_KUBECONFORM_VERSION),
    helmVersion: parseToolVersion('helm-version', trimmed('helm-version'), DEFAULT_HELM_VERSION),
    cache: parseBoolean('cache', trimmed('cache'), true),
    failOn: parseEnum('fail-on', trimmed('fail-on'), FAIL_ON, 'invalid'),
    report: parseReport(read('report')),
  }
  if (inputs.paths.filter((line) => !line.startsWith('!')).length === 0 && inputs.charts.length === 0 && inputs.kustomize.length === 0) {
    throw new UserError("Nothing to validate: set 'paths', 'charts' or 'kustomize'.")
  }
  return inputs
}

export function parseKubernetesVersion(raw: string): string {
  if (raw === '') return '1.33.0'
  const match = /^v?(\d+\.\d+\.\d+)$/.exec(raw)
  if (!match) throw new UserError(`Input 'kubernetes-version' must be a full version such as 1.33.0; got '${raw}'.`)
  return match[1] as string
}

function parseToolVersion(name: string, raw: string, fallback: string): string {
  return parseReleaseVersion(name, raw, { example: fallback, fallback, what: 'release version', preRelease: false })
}

/** Kinds or GVKs, one per line or comma-separated, as kubeconform's -skip and -reject take them. */
function parseKinds(name: string, raw: string): string[] {
  const kinds = parseItems(raw)
  for (const kind of kinds) {
    if (!/^[A-Za-z0-9][\w.-]*(?:\/[\w.-]+){0,2}$/.test(kind)) {
      throw new UserError(`Input '${name}' must list kinds (Deployment) or apiVersion/kind (apps/v1/Deployment); got '${kind}'.`)
    }
  }
  return kinds
}

function parseLocations(raw: string): string[] {
  const lines = parseList(raw)
  const locations = (lines.length === 0 ? [STANDARD_LOCATION, CRDS_CATALOG_LOCATION] : lines).map(expandLocation)
  for (const location of locations) checkTemplate('schema-locations', location)
  return locations
}

/** `<chart folder> [-f values.yaml]...`: helm's own flag for values files. */
function parseChart(line: string): ChartInput {
  const words = line.split(/\s+/)
  const chart = words[0] as string
  const values: string[] = []
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string
    if ((word === '-f' || word === '--values') && words[i + 1]) {
      values.push(words[++i] as string)
    } else if (word.startsWith('--values=')) {
      values.push(word.slice('--values='.length))
    } else {
      throw new UserError(`Input 'charts' lines must be '<chart folder> [-f <values file>]...'; got '${line}'.`)
    }
  }
  return { chart, values, line }
}

/** One path per line; `.xml` is JUnit, `.sarif` or `.sarif.json` is SARIF. */
function parseReport(raw: string): ReportTargets {
  const targets: ReportTargets = { junit: [], sarif: [] }
  for (const path of parseList(raw)) {
    if (/\.xml$/i.test(path)) targets.junit.push(path)
    else if (/\.sarif(\.json)?$/i.test(path)) targets.sarif.push(path)
    else throw new UserError(`Input 'report' takes file paths ending in .xml (JUnit) or .sarif (SARIF); got '${path}'.`)
  }
  return targets
}
