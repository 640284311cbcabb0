import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../../../lib/errors'

// BuildKit's secret IDs are what `RUN --mount=type=secret,id=…` names; keep them to characters no flag parser splits on.
const SECRET_ID = /^[A-Za-z0-9_.-]{1,128}$/

/**
 * Build secrets (a package index token, a private Git token): each goes to a
 * file of its own, mode 0600, in the step's private work folder, and the
 * builder gets its path (`--secret id=…,src=…`). The value is never an
 * argument (other processes can read argv), never a build argument (those
 * are stored in the image's history) and is mounted only for the RUN steps
 * that ask for it, so no layer keeps it. main.ts masks each value first.
 */
export async function writeBuildSecrets(secrets: ReadonlyMap<string, string>, dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  let index = 0
  for (const [id, value] of secrets) {
    if (!SECRET_ID.test(id)) {
      throw new UserError(`Input 'build-secrets' has an invalid secret id '${id}': use letters, digits, '.', '_' and '-'.`)
    }
    const file = join(dir, `secret-${index++}`)
    await writeFile(file, value, { mode: 0o600 })
    files.set(id, file)
  }
  return files
}

/** The flags buildx and buildah both take. */
export function secretFlags(files: ReadonlyMap<string, string>): string[] {
  return [...files].flatMap(([id, file]) => ['--secret', `id=${id},src=${file}`])
}
