import { writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { UserError } from '../../../lib/errors'
import { type Exec, tail } from '../../../lib/exec'
import { findOnPath, isFile } from '../../../lib/files'
import { resolveInWorkspace } from '../../../lib/workspace'
import { toRelative } from './discover'
import type { ChartInput } from './inputs'

/**
 * Charts and kustomizations are rendered to plain manifests in the run's
 * folder, then validated with everything else in the same kubeconform run.
 * A render that fails is itself a result (an error on the chart or
 * kustomization), never a crash of the step.
 */

export interface RenderFailure {
  message: string
  /** Workspace-relative file to put the error on, and its line when the tool named one. */
  file: string
  line?: number
}

export interface Rendered {
  origin: 'chart' | 'kustomize'
  /** The input line. */
  input: string
  /** Workspace-relative folder of the chart or kustomization. */
  dir: string
  /** Absolute path of the rendered manifests, when rendering worked. */
  output?: string
  failure?: RenderFailure
}

export interface RenderContext {
  exec: Exec
  workspace: string
  /** Absolute folder for rendered files. */
  outDir: string
  kubernetesVersion: string
  env: NodeJS.ProcessEnv
}

export async function checkChart(chart: ChartInput, workspace: string): Promise<void> {
  // Helm prints what it cannot parse: a chart or values file outside the checkout could be any file of the runner.
  for (const path of [chart.chart, ...chart.values]) resolveInWorkspace('charts', path, { workspace })
  if (!(await isFile(join(workspace, chart.chart, 'Chart.yaml')))) {
    throw new UserError(`Input 'charts': '${chart.chart}' is not a Helm chart folder (it has no Chart.yaml).`)
  }
  for (const values of chart.values) {
    if (!(await isFile(join(workspace, values)))) throw new UserError(`Input 'charts': the values file '${values}' does not exist.`)
  }
}

export async function renderChart(chart: ChartInput, helm: string, index: number, context: RenderContext): Promise<Rendered> {
  const dir = toRelative(context.workspace, chart.chart)
  const args = ['template', releaseName(dir), dir, '--kube-version', context.kubernetesVersion, '--include-crds']
  for (const values of chart.values) args.push('--values', values)
  const result = await context.exec(helm, args, { cwd: context.workspace, silent: true, env: context.env })
  if (result.exitCode !== 0) {
    return { origin: 'chart', input: chart.line, dir, failure: helmFailure(dir, result.stderr || result.stdout, context.workspace) }
  }
  const output = join(context.outDir, `chart-${index + 1}-${basename(dir)}.yaml`)
  await writeFile(output, result.stdout)
  return { origin: 'chart', input: chart.line, dir, output }
}

/** Helm release names are DNS labels; the chart folder's name usually is one already. */
export function releaseName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53)
  return name === '' ? 'release' : name
}

/**
 * Helm names the template and line of a failed render
 * (`template: demo/templates/cm.yaml:6:14: executing …`) or the template
 * whose output is not YAML (`YAML parse error on demo/templates/cm.yaml: …`).
 * The first path segment is the chart's name, not its folder.
 */
export function helmFailure(chartDir: string, output: string, workspace: string): RenderFailure {
  const message = tail(output, 3).replace(/^Error: /, '')
  const located = /(?:template: |execution error at \()([^\s:()]+):(\d+):\d+/.exec(output) ?? /YAML parse error on ([^\s:]+):/.exec(output)
  if (located?.[1]) {
    const inChart = located[1].split('/').slice(1).join('/')
    return { message, file: toRelative(workspace, join(workspace, chartDir, inChart)), line: located[2] ? Number(located[2]) : undefined }
  }
  return { message, file: `${chartDir === '.' ? '' : `${chartDir}/`}Chart.yaml` }
}

/** A template file for a `# Source:` comment, when the chart holds it (a packaged subchart does not). */
export async function templateFile(chartDir: string, source: string, workspace: string): Promise<string | undefined> {
  const inChart = source.split('/').slice(1).join('/')
  const relative = toRelative(workspace, join(workspace, chartDir, inChart))
  return (await isFile(join(workspace, relative))) ? relative : undefined
}

export async function checkKustomization(dir: string, workspace: string): Promise<void> {
  resolveInWorkspace('kustomize', dir, { workspace })
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (await isFile(join(workspace, dir, name))) return
  }
  throw new UserError(`Input 'kustomize': '${dir}' has no kustomization.yaml.`)
}

export async function kustomizationFile(dir: string, workspace: string): Promise<string> {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (await isFile(join(workspace, dir, name))) return toRelative(workspace, join(workspace, dir, name))
  }
  return toRelative(workspace, join(workspace, dir))
}

/** `kubectl kustomize` when kubectl is installed (hosted runners have it), else a standalone `kustomize build`. */
export async function kustomizeCommand(env: NodeJS.ProcessEnv): Promise<{ command: string; args: string[] }> {
  const kubectl = await findOnPath('kubectl', env.PATH)
  if (kubectl) return { command: kubectl, args: ['kustomize'] }
  const kustomize = await findOnPath('kustomize', env.PATH)
  if (kustomize) return { command: kustomize, args: ['build'] }
  throw new UserError(
    "Input 'kustomize' needs kubectl or kustomize on PATH, and neither is installed.",
    'Install one in an earlier step (GitHub-hosted runners have kubectl).',
  )
}

export async function renderKustomization(
  dir: string,
  tool: { command: string; args: string[] },
  index: number,
  context: RenderContext,
): Promise<Rendered> {
  const relative = toRelative(context.workspace, dir)
  const result = await context.exec(tool.command, [...tool.args, relative], { cwd: context.workspace, silent: true, env: context.env })
  if (result.exitCode !== 0) {
    const message = withoutLogPrefix(tail(result.stderr || result.stdout, 3))
    return {
      origin: 'kustomize',
      input: dir,
      dir: relative,
      failure: { message, file: await kustomizationFile(relative, context.workspace) },
    }
  }
  const output = join(context.outDir, `kustomize-${index + 1}-${basename(relative) || 'root'}.yaml`)
  await writeFile(output, result.stdout)
  return { origin: 'kustomize', input: dir, dir: relative, output }
}

/** kubectl logs through klog (`E1124 02:37:26.775317   26731 run.go:72] "command failed" err="…"`); the reader wants the part after err=. */
export function withoutLogPrefix(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const stripped = line.replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, '')
      const wrapped = /^"command failed" err="(.*)"$/.exec(stripped)
      return wrapped ? (wrapped[1] as string).replace(/\\"/g, '"') : stripped
    })
    .join('\n')
}
