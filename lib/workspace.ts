import { realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { UserError } from './errors'
import { quote } from './escape'

/**
 * Paths that inputs name inside the repository's checkout. An input that
 * reads a file (a token, a var file, a chart) must not be turned into a way
 * to read the runner's own files (`../../..`, `/etc/shadow`, a symlink
 * committed to point out of the checkout), so each path is resolved, its
 * symlinks followed, and refused when it ends outside every allowed root.
 */
export interface WorkspaceRoots {
  /** The checkout (GITHUB_WORKSPACE); relative paths start here. */
  workspace: string
  /** Other folders the input's documentation allows, e.g. RUNNER_TEMP for a token a previous step wrote. */
  also?: readonly string[]
  /** Where a relative path starts, when not at the workspace (Terraform's var files start in the working directory). */
  from?: string
}

/**
 * The absolute path `given` names, resolved from the workspace, or a
 * UserError naming the input when it leads outside the allowed roots, through
 * `..`, an absolute path or a symlink. A path that does not exist yet is
 * judged by its nearest existing parent.
 */
export function resolveInWorkspace(input: string, given: string, roots: WorkspaceRoots): string {
  const absolute = resolve(roots.from ?? roots.workspace, given)
  const real = realPathOfNearest(absolute)
  const allowed = [roots.workspace, ...(roots.also ?? [])].filter((root) => root !== '').map((root) => realPathOfNearest(resolve(root)))
  if (!allowed.some((root) => isInside(real, root))) {
    const where = roots.also?.length ? 'the workspace (or the runner temp folder)' : 'the workspace'
    throw new UserError(
      `Input '${input}' must name a path inside ${where}; ${quote(given)} leads outside it${real !== absolute ? ' (through a symlink or ..)' : ''}.`,
    )
  }
  return absolute
}

/** True when `path` (absolute, or relative to the workspace) ends outside it once its symlinks are followed. */
export function leavesWorkspace(path: string, workspace: string): boolean {
  return !isInside(realPathOfNearest(resolve(workspace, path)), realPathOfNearest(resolve(workspace)))
}

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/** The real path of `path`, or of its nearest existing parent joined with the rest. */
function realPathOfNearest(path: string): string {
  let current = path
  const rest: string[] = []
  for (;;) {
    try {
      return resolve(realpathSync(current), ...rest)
    } catch {
      const parent = dirname(current)
      if (parent === current) return path
      rest.unshift(current.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)))
      current = parent
    }
  }
}
