import { existsSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { UserError } from '../../../lib/errors'
import { leavesWorkspace, resolveInWorkspace } from '../../../lib/workspace'
import { compileGlob, isGlob } from './glob'

/**
 * Turns the `paths` input into an explicit list: every file it validates and
 * every manifest-looking file it leaves out, each with the reason. The seed
 * projects' `[!kustomization]*.yaml` silently dropped `namespace.yaml`; here
 * that file shows up as "not matched by …" in the summary.
 */

export interface ExcludedFile {
  path: string
  reason: string
}

export interface Discovery {
  /** Workspace-relative paths (with `/`), sorted. */
  files: string[]
  excluded: ExcludedFile[]
}

// Never searched: version control internals and installed packages hold no manifests of the repository.
const NEVER_WALKED = new Set(['.git', 'node_modules'])
const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization'])

export function isManifestFileName(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name)
}

export async function discoverFiles(lines: readonly string[], workspace: string): Promise<Discovery> {
  const included = new Map<string, true>()
  const excluded = new Map<string, string>()
  const exclusions = lines.filter((line) => line.startsWith('!')).map((line) => compileGlob(line.slice(1).trim()))
  const walker = new Walker(workspace)
  const charts = new ChartFinder(workspace)

  const exclude = (path: string, reason: string) => {
    if (!excluded.has(path)) excluded.set(path, reason)
  }
  const consider = (path: string, explicit: boolean) => {
    const name = path.split('/').pop() ?? path
    if (!isManifestFileName(name)) return exclude(path, 'not a .yaml, .yml or .json file (kubeconform reads no other)')
    if (leavesWorkspace(path, workspace)) return exclude(path, 'a symlink out of the workspace; not read')
    if (!explicit && KUSTOMIZATION_FILES.has(name)) {
      return exclude(path, "a kustomization file, not a resource; list its folder under 'kustomize'")
    }
    const chart = explicit ? undefined : charts.chartOf(path)
    if (chart !== undefined) return exclude(path, `inside the Helm chart '${chart}'; list the chart under 'charts'`)
    included.set(path, true)
  }

  for (const line of lines) {
    if (line.startsWith('!')) continue
    if (isGlob(line)) {
      const glob = compileGlob(line)
      resolveInWorkspace('paths', glob.base || '.', { workspace })
      const files = await walker.filesUnder(glob.base)
      let matched = 0
      for (const file of files) {
        if (glob.matches(file)) {
          matched++
          consider(file, false)
        } else if (isManifestFileName(file)) {
          exclude(file, `not matched by '${line}'`)
        }
      }
      if (matched === 0) throw new UserError(`Input 'paths': the pattern '${line}' matches no file.`, 'Fix or remove the line.')
      continue
    }
    resolveInWorkspace('paths', line, { workspace })
    const path = toRelative(workspace, line)
    const info = await stat(join(workspace, path)).catch(() => undefined)
    if (!info) throw new UserError(`Input 'paths': '${line}' does not exist.`, 'Paths are relative to the workspace.')
    if (info.isDirectory()) {
      for (const file of await walker.filesUnder(path)) consider(file, false)
    } else {
      consider(path, true)
    }
  }

  for (const path of included.keys()) {
    const rule = exclusions.find((glob) => glob.matches(path))
    if (rule) {
      included.delete(path)
      excluded.set(path, `excluded by '!${rule.pattern}'`)
    }
  }
  for (const path of included.keys()) excluded.delete(path)
  return {
    files: [...included.keys()].sort(),
    excluded: [...excluded.entries()].map(([path, reason]) => ({ path, reason })).sort((a, b) => a.path.localeCompare(b.path)),
  }
}

/** A workspace-relative path with `/` separators; `..` stays when the path lies outside. */
export function toRelative(workspace: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(workspace, path)
  const rel = relative(workspace, absolute)
  return rel === '' ? '.' : rel.split(sep).join('/')
}

class Walker {
  private readonly cache = new Map<string, Promise<string[]>>()
  constructor(private readonly workspace: string) {}

  /** Every file below `base` (relative), as relative paths. A missing base holds no files. */
  filesUnder(base: string): Promise<string[]> {
    const key = base === '' ? '.' : base
    let found = this.cache.get(key)
    if (!found) {
      found = this.walk(key)
      this.cache.set(key, found)
    }
    return found
  }

  private async walk(base: string): Promise<string[]> {
    const files: string[] = []
    const pending = [base]
    while (pending.length > 0) {
      const dir = pending.pop() as string
      const entries = await readdir(join(this.workspace, dir), { withFileTypes: true }).catch(() => [])
      for (const entry of entries) {
        const path = dir === '.' ? entry.name : `${dir}/${entry.name}`
        if (entry.isDirectory()) {
          if (!NEVER_WALKED.has(entry.name)) pending.push(path)
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          files.push(path)
        }
      }
    }
    return files.sort()
  }
}

/** Finds whether a file lies inside a Helm chart (a folder holding Chart.yaml), looking up to the workspace. */
class ChartFinder {
  private readonly known = new Map<string, string | undefined>()
  constructor(private readonly workspace: string) {}

  chartOf(path: string): string | undefined {
    let dir = dirname(path)
    const visited: string[] = []
    let chart: string | undefined
    while (true) {
      if (this.known.has(dir)) {
        chart = this.known.get(dir)
        break
      }
      visited.push(dir)
      if (existsSync(join(this.workspace, dir, 'Chart.yaml'))) {
        chart = dir
        break
      }
      const parent = dirname(dir)
      if (dir === '.' || parent === dir || dir.startsWith('..')) break
      dir = parent
    }
    for (const seen of visited) this.known.set(seen, chart)
    return chart
  }
}
