import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { Clock } from '../../../lib/clock'
import type { Exec } from '../../../lib/exec'
import type { Logger } from '../../../lib/log'
import { HELM, installReleaseTool, KUBECONFORM } from '../../../lib/release-tool'
import { toolCacheRoot } from '../../../lib/tools'
import { type Discovery, discoverFiles } from './discover'
import { kindsOf, type Resource, resourcesOf } from './documents'
import { type Finding, STATUS_OF } from './findings'
import type { Inputs } from './inputs'
import { type Counts, type KubeconformOptions, type KubeconformOutput, type KubeconformResult, runKubeconform } from './kubeconform'
import { type Located, lineOf, matchOrdered, matchUnordered, settleFields } from './match'
import {
  checkChart,
  checkKustomization,
  kustomizationFile,
  kustomizeCommand,
  type Rendered,
  renderChart,
  renderKustomization,
  templateFile,
} from './render'
import { checkKubernetesVersion, checkSchemaDirs, checkSchemaDirVersions, EVERY_RELEASE_HAS, isVersioned } from './schema/coverage'
import { crdSchemasOf } from './schema/crd'
import { cacheFolder, type Gvk, gvkKey, type ResolverOptions, resolveSchemas, type SchemaOutcome } from './schema/resolve'
import { RESOLVED_LAYOUT } from './schema/template'
import { templateLineOf } from './template-line'

/** All of a step's schema downloads together, retries included; a host that hangs cannot hold the step longer. */
export const SCHEMA_DOWNLOADS_MS = 5 * 60_000
export interface ValidateDeps {
  exec: Exec
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  env: NodeJS.ProcessEnv
  /** Where relative paths start and what annotations are relative to. */
  workspace: string
  /** A scratch folder that outlives nothing (RUNNER_TEMP on a runner). */
  tempDir: string
  log: Logger
}

export interface Validation {
  findings: Finding[]
  counts: Counts
  discovery: Discovery
  rendered: Rendered[]
  schemas: Map<string, SchemaOutcome>
  /** Number of files kubeconform read (plain and rendered). */
  fileCount: number
}

/** A file as kubeconform is given it, and where its results belong. */
interface Target {
  /** The argument passed to kubeconform, which it prints back as `filename`. */
  arg: string
  absolute: string
  /** Set for rendered output. */
  rendered?: Rendered
}

export async function validate(inputs: Inputs, deps: ValidateDeps): Promise<Validation> {
  const runDir = await mkdtemp(join(deps.tempDir, 'kubeconform-validate-'))
  try {
    return await validateIn(runDir, inputs, deps)
  } finally {
    await rm(runDir, { recursive: true, force: true })
  }
}

/**
 * The phases, each a group in the log: find and render the manifests,
 * resolve their schemas, run kubeconform, and turn its results into
 * findings placed on lines.
 */
async function validateIn(runDir: string, inputs: Inputs, deps: ValidateDeps): Promise<Validation> {
  const schemaDirs = inputs.schemaDirs.map((dir) => ({ input: dir, absolute: absolute(deps.workspace, dir) }))
  await checkSchemaDirs(schemaDirs)
  await checkSchemaDirVersions(schemaDirs, inputs.kubernetesVersion)
  const { discovery, rendered, targets } = await deps.log.group('Find and render the manifests', () => findTargets(runDir, inputs, deps))
  const texts = readAll(targets)
  const generated = inputs.crdSchemas ? crdSchemas(targets, texts, inputs.strict, deps) : undefined
  const resolved = await deps.log.group('Resolve the schemas', () =>
    resolveAll(runDir, inputs, deps, kindsToResolve(targets, texts, inputs.skip), generated),
  )
  const output = await deps.log.group('Validate with kubeconform', () => runValidation(targets, inputs, deps, resolved))
  const located = await locate(
    output.resources,
    new Map(targets.map((target) => [target.arg, target])),
    texts,
    resolved.options(),
    deps.exec,
  )
  const findings = await toFindings(located, targets, rendered, resolved.schemas, inputs, deps.workspace)
  const renderFailures = rendered.filter((item) => item.failure).length
  const counts = { ...output.summary, errors: output.summary.errors + renderFailures }
  return { findings, counts, discovery, rendered, schemas: resolved.schemas, fileCount: targets.length }
}

/** The files kubeconform is given: those `paths` selects, and what the charts and kustomizations render. */
async function findTargets(runDir: string, inputs: Inputs, deps: ValidateDeps) {
  const renderDir = join(runDir, 'rendered')
  await mkdir(renderDir, { recursive: true })
  const discovery = inputs.paths.length > 0 ? await discoverFiles(inputs.paths, deps.workspace) : { files: [], excluded: [] }
  const rendered = await renderAll(inputs, deps, renderDir)
  const targets: Target[] = [
    ...discovery.files.map((file) => ({ arg: file, absolute: join(deps.workspace, file) })),
    ...rendered.flatMap((item) => (item.output ? [{ arg: item.output, absolute: item.output, rendered: item }] : [])),
  ]
  return { discovery, rendered, targets }
}

interface Resolved {
  schemas: Map<string, SchemaOutcome>
  resolverOptions: ResolverOptions
  /** kubeconform's options for the schemas as resolved so far. */
  options: () => KubeconformOptions
}

/** Every kind's schema, found before kubeconform runs (schema-dir, cache, then the locations), and kubeconform itself. */
async function resolveAll(
  runDir: string,
  inputs: Inputs,
  deps: ValidateDeps,
  gvks: Gvk[],
  generated: ResolverOptions['generated'],
): Promise<Resolved> {
  const schemasDir = join(runDir, 'schemas')
  const cacheDir = inputs.cache
    ? cacheFolder(toolCacheRoot(deps.env), { kubernetesVersion: inputs.kubernetesVersion, strict: inputs.strict }, inputs.schemaLocations)
    : undefined
  const resolverOptions: ResolverOptions = {
    kubernetesVersion: inputs.kubernetesVersion,
    strict: inputs.strict,
    schemaDirs: inputs.schemaDirs.map((dir) => absolute(deps.workspace, dir)),
    locations: inputs.schemaLocations,
    cacheDir,
    runDir: schemasDir,
    generated,
    http: {
      fetch: deps.fetch,
      clock: deps.clock,
      deadline: deps.clock.now() + SCHEMA_DOWNLOADS_MS,
      random: deps.random,
      onRetry: (url: string, attempt: number, delayMs: number, reason: string) =>
        deps.log.info(`Schema download ${url} failed (${reason}); retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1}).`),
    },
  }
  const versioned = inputs.schemaLocations.filter(isVersioned)
  if (versioned.length > 0) {
    const probe = await resolveSchemas([EVERY_RELEASE_HAS], { ...resolverOptions, locations: versioned })
    checkKubernetesVersion(inputs.kubernetesVersion, probe.get(gvkKey(EVERY_RELEASE_HAS)))
  }
  const schemas = await resolveSchemas(gvks, resolverOptions)
  deps.log.info(describeSchemas(schemas))

  const kubeconform = await installReleaseTool(KUBECONFORM, inputs.kubeconformVersion, toolDeps(deps))
  const options = (): KubeconformOptions => ({
    binary: kubeconform,
    kubernetesVersion: inputs.kubernetesVersion,
    strict: inputs.strict,
    // kubeconform reports a schema that exists but does not compile as missing, which -ignore-missing-schemas
    // would then skip in silence; missing schemas are told apart and skipped here instead (see missingSchemas).
    ignoreMissingSchemas: false,
    skip: inputs.skip,
    // A kind whose schema could not be fetched is rejected, so it is reported as an error and never skipped as "missing".
    reject: [...inputs.reject, ...failedKinds(schemas)],
    schemaLocations: [join(schemasDir, RESOLVED_LAYOUT), ...(cacheDir ? [join(cacheDir, RESOLVED_LAYOUT)] : [])],
    // Every resource is listed only when a JUnit report needs a test case for each; otherwise failures suffice.
    verbose: inputs.report.junit.length > 0,
    cwd: deps.workspace,
  })
  return { schemas, resolverOptions, options }
}

/**
 * Schemas from the CRDs among the files and rendered output, by kind. Where two
 * CRDs define the same version of a kind, the first one (files before rendered
 * output, in input order) is used and the other is named in the log.
 */
function crdSchemas(
  targets: readonly Target[],
  texts: Map<string, string>,
  strict: boolean,
  deps: ValidateDeps,
): NonNullable<ResolverOptions['generated']> {
  const generated: NonNullable<ResolverOptions['generated']> = new Map()
  for (const target of targets) {
    const rendered = target.rendered
    const where = (line: number, source: string | undefined): string => {
      if (!rendered) return `${target.arg}:${line}`
      if (rendered.origin === 'chart' && source) return join(rendered.dir, ...source.split('/').slice(1))
      return `${rendered.dir} (rendered, line ${line})`
    }
    const scan = crdSchemasOf(texts.get(target.arg) ?? '', { strict, where })
    for (const problem of scan.problems) {
      if (problem.gvk && !generated.has(gvkKey(problem.gvk))) generated.set(gvkKey(problem.gvk), problem)
      else if (!problem.gvk) deps.log.info(`Ignoring the CRD at ${problem.from}: ${problem.reason}.`)
    }
    for (const crd of scan.schemas) {
      const key = gvkKey(crd.gvk)
      const first = generated.get(key)
      if (!first) generated.set(key, crd)
      else if (!('schema' in first) || JSON.stringify(first.schema) !== JSON.stringify(crd.schema)) {
        deps.log.info(`${key} is defined again, differently, at ${crd.from}; the CRD at ${first.from} is used.`)
      }
    }
  }
  if (generated.size > 0) {
    deps.log.info(`Schemas made from CRDs: ${[...generated.keys()].join(', ')}.`)
  }
  return generated
}

/** kubeconform over every file, again when it met a kind the quick scan did not see; missing schemas then told apart. */
async function runValidation(
  targets: readonly Target[],
  inputs: Inputs,
  deps: ValidateDeps,
  resolved: Resolved,
): Promise<KubeconformOutput> {
  deps.log.info(
    `Validating ${targets.length} file${targets.length === 1 ? '' : 's'} against Kubernetes ${inputs.kubernetesVersion} with kubeconform ${inputs.kubeconformVersion}.`,
  )
  const files = targets.map((target) => target.arg)
  const empty: KubeconformOutput = { resources: [], summary: { valid: 0, invalid: 0, errors: 0, skipped: 0 } }
  let output = files.length > 0 ? await runKubeconform(files, resolved.options(), deps.exec) : empty

  // A kind the quick scan did not see (a document only kubeconform's parser reads): resolve it and validate again.
  const unseen = unseenKinds(output.resources, resolved.schemas)
  if (unseen.length > 0) {
    for (const [key, outcome] of await resolveSchemas(unseen, resolved.resolverOptions)) resolved.schemas.set(key, outcome)
    output = await runKubeconform(files, resolved.options(), deps.exec)
  }
  return missingSchemas(output, resolved.schemas, inputs.ignoreMissingSchemas)
}

/** Findings for the located results and for renders that failed, in file and line order. */
async function toFindings(
  located: readonly Located[],
  targets: readonly Target[],
  rendered: readonly Rendered[],
  schemas: Map<string, SchemaOutcome>,
  inputs: Inputs,
  workspace: string,
): Promise<Finding[]> {
  const byArg = new Map(targets.map((target) => [target.arg, target]))
  const findings: Finding[] = []
  const templates = new TextCache()
  for (const item of located) {
    const finding = await toFinding(item, byArg.get(item.result.filename), schemas, inputs, workspace, templates)
    if (finding) findings.push(finding)
  }
  for (const item of rendered) {
    if (item.failure) {
      findings.push({
        status: 'error',
        file: item.failure.file,
        line: item.failure.line,
        kind: '',
        apiVersion: '',
        name: '',
        msg: `${item.origin === 'chart' ? 'helm template' : 'kustomize'} failed for '${item.input}': ${item.failure.message}`,
        validationErrors: [],
        rendered: { origin: item.origin, dir: item.dir },
      })
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.name.localeCompare(b.name))
}

async function renderAll(inputs: Inputs, deps: ValidateDeps, renderDir: string): Promise<Rendered[]> {
  const rendered: Rendered[] = []
  const context = {
    exec: deps.exec,
    workspace: deps.workspace,
    outDir: renderDir,
    kubernetesVersion: inputs.kubernetesVersion,
    env: deps.env,
  }
  if (inputs.charts.length > 0) {
    for (const chart of inputs.charts) await checkChart(chart, deps.workspace)
    const helm = await installReleaseTool(HELM, inputs.helmVersion, toolDeps(deps))
    for (const [index, chart] of inputs.charts.entries()) {
      deps.log.info(`Rendering the chart ${chart.line} with helm ${inputs.helmVersion}.`)
      rendered.push(await renderChart(chart, helm, index, context))
    }
  }
  if (inputs.kustomize.length > 0) {
    for (const dir of inputs.kustomize) await checkKustomization(dir, deps.workspace)
    const tool = await kustomizeCommand(deps.env)
    for (const [index, dir] of inputs.kustomize.entries()) {
      deps.log.info(`Rendering ${dir} with ${tool.command} ${tool.args.join(' ')}.`)
      rendered.push(await renderKustomization(dir, tool, index, context))
    }
  }
  return rendered
}

/**
 * Every file is read up front (its kinds decide which schemas to fetch) and
 * kept for placing failures on lines. Synchronous reads: for thousands of
 * small files they cost a fraction of the promise round trips.
 */
function readAll(targets: readonly Target[]): Map<string, string> {
  const texts = new Map<string, string>()
  for (const target of targets) {
    try {
      texts.set(target.arg, readFileSync(target.absolute, 'utf8'))
    } catch {
      // kubeconform reports an unreadable file itself, as an error on that file.
      texts.set(target.arg, '')
    }
  }
  return texts
}

function kindsToResolve(targets: readonly Target[], texts: Map<string, string>, skip: readonly string[]): Gvk[] {
  const seen = new Map<string, Gvk>()
  for (const target of targets) {
    for (const gvk of kindsOf(texts.get(target.arg) ?? '')) {
      if (!skip.includes(gvk.kind) && !skip.includes(gvkKey(gvk))) seen.set(gvkKey(gvk), gvk)
    }
  }
  return [...seen.values()].sort((a, b) => gvkKey(a).localeCompare(gvkKey(b)))
}

/**
 * kubeconform says "could not find schema" both for a kind without a schema
 * and for one whose schema it could not compile. The resolver knows which:
 * a missing one is skipped when `ignore-missing-schemas` asks, as kubeconform
 * would; one that was found but could not be used stays an error, named.
 */
export function missingSchemas(output: KubeconformOutput, schemas: Map<string, SchemaOutcome>, ignoreMissing: boolean): KubeconformOutput {
  const summary = { ...output.summary }
  const resources: KubeconformResult[] = []
  for (const result of output.resources) {
    if (result.status !== 'statusError' || !result.msg.startsWith('could not find schema for')) {
      resources.push(result)
      continue
    }
    const outcome = schemas.get(gvkKey({ kind: result.kind, apiVersion: result.version }))
    if (outcome?.status === 'found') {
      resources.push({
        ...result,
        msg: `kubeconform could not compile the schema of ${result.version} ${result.kind} (from ${outcome.from})`,
      })
    } else if (ignoreMissing) {
      summary.errors--
      summary.skipped++
      resources.push({ ...result, status: 'statusSkipped', msg: '' })
    } else {
      resources.push(result)
    }
  }
  return { resources, summary }
}

function failedKinds(schemas: Map<string, SchemaOutcome>): string[] {
  return [...schemas.entries()].filter(([, outcome]) => outcome.status === 'failed').map(([key]) => key)
}

function unseenKinds(results: readonly KubeconformResult[], schemas: Map<string, SchemaOutcome>): Gvk[] {
  const unseen = new Map<string, Gvk>()
  for (const result of results) {
    if (result.status !== 'statusError' || !result.msg.startsWith('could not find schema for')) continue
    const gvk = { kind: result.kind, apiVersion: result.version }
    if (!schemas.has(gvkKey(gvk))) unseen.set(gvkKey(gvk), gvk)
  }
  return [...unseen.values()]
}

const isFailureResult = (result: KubeconformResult) => result.status === 'statusInvalid' || result.status === 'statusError'

/** Lines for the failures: files with a failure are parsed in full; a file whose results cannot be told apart is run again in order. */
async function locate(
  results: KubeconformResult[],
  targets: Map<string, Target>,
  texts: Map<string, string>,
  options: KubeconformOptions,
  exec: Exec,
): Promise<Located[]> {
  const byFile = new Map<string, KubeconformResult[]>()
  for (const result of results) {
    const list = byFile.get(result.filename)
    if (list) list.push(result)
    else byFile.set(result.filename, [result])
  }
  const located: Located[] = []
  const ambiguous: string[] = []
  const parsed = new Map<string, Resource[]>()
  for (const [file, fileResults] of byFile) {
    if (!fileResults.some(isFailureResult) || !targets.has(file)) {
      located.push(...fileResults.map((result) => ({ result })))
      continue
    }
    const resources = resourcesOf(texts.get(file) ?? '')
    parsed.set(file, resources)
    const match = matchUnordered(resources, fileResults)
    if (match.ambiguous) ambiguous.push(file)
    else {
      located.push(...settleFields(match.located, resources))
      parsed.delete(file)
    }
  }
  if (ambiguous.length > 0) {
    const ordered = await runKubeconform(ambiguous, { ...options, workers: 1, verbose: true }, exec)
    const perFile = new Map<string, KubeconformResult[]>()
    for (const result of ordered.resources) perFile.set(result.filename, [...(perFile.get(result.filename) ?? []), result])
    for (const file of ambiguous) {
      const resources = parsed.get(file) ?? []
      located.push(...settleFields(matchOrdered(resources, perFile.get(file) ?? []), resources))
    }
  }
  return located
}

async function toFinding(
  item: Located,
  target: Target | undefined,
  schemas: Map<string, SchemaOutcome>,
  inputs: Inputs,
  workspace: string,
  templates: TextCache,
): Promise<Finding | undefined> {
  const { result } = item
  const status = STATUS_OF[result.status]
  if (!status) return undefined
  const finding: Finding = {
    status,
    file: result.filename,
    line: status === 'invalid' || status === 'error' ? lineOf(item) : undefined,
    kind: result.kind,
    apiVersion: result.version,
    name: result.name,
    msg: result.msg,
    validationErrors: result.validationErrors ?? [],
  }
  const schema = schemas.get(gvkKey({ kind: result.kind, apiVersion: result.version }))
  const rejectedByUser =
    inputs.reject.includes(result.kind) || inputs.reject.includes(gvkKey({ kind: result.kind, apiVersion: result.version }))
  if (schema?.status === 'failed' && result.msg.startsWith('prohibited resource kind') && !rejectedByUser) {
    finding.msg = `no usable schema for ${result.version} ${result.kind}: ${schema.reason}`
  }
  const rendered = target?.rendered
  if (rendered) {
    finding.rendered = { origin: rendered.origin, dir: rendered.dir, line: finding.line }
    finding.line = undefined
    const source = item.resource?.source
    const template = rendered.origin === 'chart' && source ? await templateFile(rendered.dir, source, workspace) : undefined
    const field = template ? item.field : undefined
    if (template && field) {
      finding.line = templateLineOf(await templates.read(join(workspace, template)), field.path, item.resource?.sourceDocument)
    }
    finding.file =
      template ??
      (rendered.origin === 'chart'
        ? `${rendered.dir === '.' ? '' : `${rendered.dir}/`}Chart.yaml`
        : await kustomizationFile(rendered.dir, workspace))
  }
  return finding
}

function describeSchemas(schemas: Map<string, SchemaOutcome>): string {
  const counts = new Map<string, number>()
  for (const outcome of schemas.values()) {
    const label = outcome.status === 'found' ? `from ${outcome.source}` : outcome.status
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  const parts = [...counts.entries()].map(([label, count]) => `${count} ${label}`)
  return `Schemas for ${schemas.size} kind${schemas.size === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}.`
}

/** kubeconform and Helm as this action installs them: the release-tool installer, with this action's line for an unsupported runner. */
export function toolDeps(deps: Pick<ValidateDeps, 'fetch' | 'exec' | 'env'>) {
  return {
    fetch: deps.fetch,
    exec: deps.exec,
    env: deps.env,
    unsupported: (platform: NodeJS.Platform, arch: string) =>
      `kubeconform-validate runs on Linux and macOS runners (x64 or arm64); this runner is ${platform}/${arch}.`,
  }
}

/** Each chart template is read once, however many of its resources fail. */
class TextCache {
  private readonly texts = new Map<string, Promise<string>>()
  read(path: string): Promise<string> {
    let text = this.texts.get(path)
    if (!text) {
      text = readFile(path, 'utf8').catch(() => '')
      this.texts.set(path, text)
    }
    return text
  }
}

function absolute(workspace: string, path: string): string {
  return isAbsolute(path) ? path : join(workspace, path)
}
