// Rebuilds every bundle into a temporary folder and fails when a committed
// dist/ differs from it: the committed bundles are what users run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { actionNames, bundle } from './bundle.mjs'

const root = new URL('..', import.meta.url).pathname

function listFiles(dir) {
  const files = []
  const walk = (current) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name)
      if (statSync(path).isDirectory()) walk(path)
      else files.push(relative(dir, path))
    }
  }
  try {
    walk(dir)
  } catch {
    return []
  }
  return files.sort()
}

const scratch = mkdtempSync(join(tmpdir(), 'check-dist-'))
const drift = []
try {
  for (const action of actionNames()) {
    const fresh = join(scratch, action)
    bundle(action, fresh)
    const committed = join(root, 'actions', action, 'dist')
    const expected = listFiles(fresh)
    const actual = listFiles(committed)
    for (const file of new Set([...expected, ...actual])) {
      const a = expected.includes(file) ? readFileSync(join(fresh, file)) : undefined
      const b = actual.includes(file) ? readFileSync(join(committed, file)) : undefined
      if (!a || !b || !a.equals(b)) drift.push(`actions/${action}/dist/${file}`)
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

if (drift.length > 0) {
  console.error(
    `check-dist: the committed bundles differ from the sources:\n  ${drift.join('\n  ')}\nRun 'npm run bundle' and commit dist/ with the source change.`,
  )
  process.exit(1)
}
console.log('check-dist: every committed dist/ matches its sources')
