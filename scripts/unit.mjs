// `npm run unit`: vitest's unit project (vitest.config.ts), the tests that need nothing but node
// modules. It runs them with an empty tool cache, so a unit test that reaches for a cached tool
// (moto's venv, Node 24, helm, the control plane) fails on every machine, not only on a fresh one.
// Extra arguments go to vitest (e.g. a file filter, --watch is not supported: it runs once).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const emptyCache = mkdtempSync(join(tmpdir(), 'unit-empty-tool-cache-'))
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PIPELINE_ACTIONS_TOOL_CACHE: emptyCache },
  },
)
rmSync(emptyCache, { recursive: true, force: true })
if (result.error) console.error(`unit: cannot run vitest: ${result.error.message}`)
process.exit(result.status ?? 1)
