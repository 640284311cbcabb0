import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { UserError } from '../../../../lib/errors'
import { lastLines } from '../../../../lib/exec'
import { resolveInWorkspace } from '../../../../lib/workspace'
import type { Release } from '../releases'
import { repoAddArgs } from './args'
import type { HelmCli } from './cli'

/** The workspace folder of a release's chart when it is a local chart, else undefined (a repository, OCI or archive chart). */
export async function localChartDir(release: Release, workspace: string): Promise<string | undefined> {
  if (release.repository || /^[a-z][a-z0-9+.-]*:/i.test(release.chart)) return undefined
  const dir = resolveInWorkspace('releases', release.chart, { workspace })
  const found = await stat(join(dir, 'Chart.yaml')).catch(() => undefined)
  return found?.isFile() ? dir : undefined
}

/**
 * `helm dependency build` for a local chart that declares dependencies, as
 * `helm package` would need: without it an install of such a chart fails
 * ("found in Chart.yaml, but missing in charts/ directory"). The dependencies'
 * http(s) repositories are added to helm's private repository list first,
 * which `dependency build` requires; file:// and oci:// need none.
 */
export async function buildDependencies(release: Release, dir: string, helm: HelmCli): Promise<boolean> {
  const where = `release '${release.name}'`
  const chart = parse(await readFile(join(dir, 'Chart.yaml'), 'utf8')) as { apiVersion?: string; dependencies?: unknown }
  let dependencies = chart?.dependencies
  if (chart?.apiVersion === 'v1') {
    // Charts of apiVersion v1 declare them in requirements.yaml.
    const requirements = await readFile(join(dir, 'requirements.yaml'), 'utf8').catch(() => undefined)
    dependencies = requirements ? (parse(requirements) as { dependencies?: unknown })?.dependencies : undefined
  }
  if (!Array.isArray(dependencies) || dependencies.length === 0) return false
  const repositories = new Set<string>()
  for (const dependency of dependencies) {
    const repository = typeof dependency?.repository === 'string' ? dependency.repository : ''
    if (/^https?:\/\//.test(repository)) repositories.add(repository.replace(/\/$/, ''))
  }
  for (const [index, url] of [...repositories].entries()) {
    const added = await helm.run(repoAddArgs(`${release.name}-dependency-${index + 1}`, url), { silent: true })
    if (added.exitCode !== 0) {
      throw new UserError(
        `${where}: the chart repository of a dependency, ${url}, could not be added: ${lastLine(added.stderr || added.stdout)}.`,
      )
    }
  }
  const built = await helm.run(['dependency', 'build', dir], { silent: true })
  if (built.exitCode !== 0) {
    throw new UserError(`${where}: helm dependency build of chart '${release.chart}' failed: ${lastLine(built.stderr || built.stdout)}.`)
  }
  return true
}

/** The tool's last line, for a one-line error. */
function lastLine(text: string): string {
  return lastLines(text, 1) || 'no output'
}
