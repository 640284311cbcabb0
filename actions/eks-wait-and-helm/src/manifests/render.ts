import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { UserError } from '../../../../lib/errors'
import { lastLines } from '../../../../lib/exec'
import { resolveInWorkspace } from '../../../../lib/workspace'
import type { ManifestSet } from '../releases'
import type { Kubectl } from './kubectl'
import { parseObjects, type RenderedObject } from './objects'

const MANIFEST_FILE = /\.(ya?ml|json)$/i

/**
 * A manifests entry's objects, read the way `kubectl apply -f` reads them:
 * files, or a folder's YAML and JSON files in name order (not its
 * subfolders); a kustomization through `kubectl kustomize`. Every path is
 * kept inside the checkout.
 */
export async function renderManifestSet(set: ManifestSet, workspace: string, kubectl: Kubectl): Promise<RenderedObject[]> {
  const entry = `manifests '${set.name}'`
  if (set.kustomization !== undefined) {
    const dir = resolveInWorkspace('releases', set.kustomization, { workspace })
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      throw new UserError(`${entry}: kustomization '${set.kustomization}' is not a folder in the workspace.`)
    }
    const result = await kubectl.run(['kustomize', dir], { silent: true })
    if (result.exitCode !== 0) {
      throw new UserError(`${entry}: kustomize could not build '${set.kustomization}': ${lastLine(result.stderr || result.stdout)}.`)
    }
    return parseObjects(result.stdout, set.kustomization, entry)
  }
  const objects: RenderedObject[] = []
  for (const path of set.paths) {
    const absolute = resolveInWorkspace('releases', path, { workspace })
    const found = await stat(absolute).catch(() => undefined)
    if (!found) throw new UserError(`${entry}: '${path}' does not exist; paths are relative to the workspace.`)
    const files = found.isDirectory()
      ? (await readdir(absolute))
          .filter((name) => MANIFEST_FILE.test(name))
          .sort()
          .map((name) => join(absolute, name))
      : [absolute]
    if (files.length === 0) throw new UserError(`${entry}: folder '${path}' holds no .yaml, .yml or .json file.`)
    for (const file of files) objects.push(...parseObjects(await readFile(file, 'utf8'), relative(workspace, file), entry))
  }
  if (objects.length === 0) throw new UserError(`${entry}: its manifests hold no Kubernetes object.`)
  return objects
}

/** The tool's last line, for a one-line error. */
function lastLine(text: string): string {
  return lastLines(text, 1) || 'no output'
}
