import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../../../../lib/errors'
import type { Gvk, SchemaOutcome } from './resolve'

/**
 * Checks that the schema sources can speak for the inputs at all, before a
 * missing schema is taken as "this kind has none". A `schema-dir` that does
 * not exist, is a file or holds no schema, or a `kubernetes-version` no
 * source knows, used to make every resource "missing"; with
 * `ignore-missing-schemas` the step then passed green having validated
 * nothing.
 */

/** Each schema-dir must be a folder with at least one .json schema in it (at any depth). */
export async function checkSchemaDirs(dirs: readonly { input: string; absolute: string }[]): Promise<void> {
  for (const dir of dirs) {
    const info = await stat(dir.absolute).catch(() => undefined)
    if (!info) throw new UserError(`Input 'schema-dir' names '${dir.input}', which does not exist.`)
    if (!info.isDirectory())
      throw new UserError(`Input 'schema-dir' names '${dir.input}', which is a file; it takes a folder of JSON schemas.`)
    if (!(await holdsJson(dir.absolute))) {
      throw new UserError(`Input 'schema-dir' names '${dir.input}', which holds no JSON schema (.json file).`)
    }
  }
}

async function holdsJson(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  if (entries.some((entry) => entry.isFile() && entry.name.endsWith('.json'))) return true
  for (const entry of entries) if (entry.isDirectory() && (await holdsJson(join(dir, entry.name)))) return true
  return false
}

const VERSION_FOLDER = /^v?(\d+\.\d+\.\d+)-(?:standalone|local)(?:-strict)?$/

/**
 * A schema-dir laid out by Kubernetes version (kubeconform's
 * `v1.33.0-standalone/`, kubernetes-validate's `v1.33.0-local/`) must hold
 * the requested version: otherwise none of its built-in schemas applies.
 */
export async function checkSchemaDirVersions(dirs: readonly { input: string; absolute: string }[], version: string): Promise<void> {
  for (const dir of dirs) {
    const entries = await readdir(dir.absolute, { withFileTypes: true })
    const versions = entries.flatMap((entry) => (entry.isDirectory() ? [VERSION_FOLDER.exec(entry.name)?.[1]] : [])).filter(Boolean)
    if (versions.length > 0 && !versions.includes(version)) {
      const held = [...new Set(versions)].sort((a, b) => (a as string).localeCompare(b as string, 'en', { numeric: true }))
      throw new UserError(
        `Input 'kubernetes-version' ${version}: schema-dir '${dir.input}' holds no schemas for it (it has ${held[0]} to ${held.at(-1)}).`,
      )
    }
  }
}

/** A kind every Kubernetes release has, to ask a versioned schema location whether it knows the version. */
export const EVERY_RELEASE_HAS: Gvk = { kind: 'ConfigMap', apiVersion: 'v1' }

/** Whether a schema location's path depends on the Kubernetes version (kubeconform's template fields). */
export function isVersioned(location: string): boolean {
  return /\{\{\s*\.(?:Normalized)?KubernetesVersion\s*\}\}/.test(location)
}

/**
 * The outcome for EVERY_RELEASE_HAS, from the sources that depend on the
 * version: "missing" (every one answered that it has no such schema, not
 * that it failed) means they do not know this version, and every resource
 * would be "missing" too.
 */
export function checkKubernetesVersion(version: string, probe: SchemaOutcome | undefined): void {
  if (probe?.status !== 'missing') return
  throw new UserError(
    `Input 'kubernetes-version' ${version}: the schema locations have no schemas for it (not even v1 ConfigMap); use a released Kubernetes version (x.y.z).`,
  )
}
