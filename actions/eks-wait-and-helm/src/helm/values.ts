import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { Release } from '../releases'

/**
 * Writes a release's inline values to a private YAML file for `--values`:
 * helm reads it as YAML, so commas, `=` and dots in values stay intact,
 * and the values (which may hold secrets) never appear in a command line.
 */
export async function writeInlineValues(dir: string, release: Release, index: number): Promise<string | undefined> {
  if (!release.values) return undefined
  const path = join(dir, `values-${index}-${release.name}.yaml`)
  await writeFile(path, stringify(release.values), { mode: 0o600 })
  return path
}
