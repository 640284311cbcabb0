// actions/checkout on the bench: copies the folder the harness maps a repository to
// (STAND_IN_REPOSITORIES, a JSON object "owner/name" -> folder) into the workspace.
// act copies the caller's own repository itself and skips its checkout step.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const { REPOSITORY, REF, TARGET, GITHUB_WORKSPACE, STAND_IN_REPOSITORIES = '{}' } = process.env
const sources = JSON.parse(STAND_IN_REPOSITORIES)
const source = sources[REPOSITORY]
if (!source) {
  console.log(`::error title=checkout (stand-in)::repository '${REPOSITORY}' at '${REF}' is not mapped to a folder on the bench`)
  process.exit(1)
}
const target = resolve(GITHUB_WORKSPACE, TARGET || '.')
// The files git would check out: tracked ones and new ones not ignored, as they are in the folder.
const files = execFileSync('git', ['-C', source, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\0')
  .filter(Boolean)
for (const file of files) {
  mkdirSync(dirname(join(target, file)), { recursive: true })
  try {
    cpSync(join(source, file), join(target, file), { verbatimSymlinks: true })
  } catch (error) {
    // A file deleted in the folder but still in git's index is gone from the checkout too.
    if (error.code !== 'ENOENT') throw error
  }
}
console.log(`checked out ${REPOSITORY} (${files.length} files) into ${TARGET || '.'}`)
