// `npm test`: installs what is missing, then runs every gate in order and
// stops at the first that fails. Each gate is also an npm script of its own.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { toolPaths } from './toolchain.mjs'

const gates = [
  ['setup', 'node', ['scripts/setup.mjs', 'test']],
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['lint and format', 'npx', ['biome', 'check', '.']],
  ['action READMEs match action.yml', 'node', ['scripts/action-docs.mjs', '--check']],
  ['check-dist', 'node', ['scripts/check-dist.mjs']],
  [
    'tests with coverage',
    // On the pinned Node 24 setup installed (the actions' own), which its workers inherit.
    toolPaths().node,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--coverage',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=coverage/test-results.json',
    ],
  ],
]

const root = new URL('..', import.meta.url).pathname
const resultsFile = join(root, 'coverage', 'test-results.json')
rmSync(resultsFile, { force: true })
for (const [name, command, args] of gates) {
  console.log(`\n=== ${name} ===`)
  const started = Date.now()
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.status !== 0) {
    console.error(`\nnpm test: '${name}' failed after ${seconds} s`)
    process.exit(result.status ?? 1)
  }
  console.log(`=== ${name}: passed in ${seconds} s ===`)
}

// One plain closing line with the counts, whatever the runner printed above it.
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'))
  const skipped = results.numPendingTests + results.numTodoTests
  console.log(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`)
}
