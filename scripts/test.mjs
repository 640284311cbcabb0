// `npm test`: installs what is missing, then runs every gate in order and
// stops at the first that fails. Each gate is also an npm script of its own.
import { spawnSync } from 'node:child_process'

const gates = [
  ['setup', 'node', ['scripts/setup.mjs']],
  ['type check', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['lint and format', 'npx', ['biome', 'check', '.']],
  ['action READMEs match action.yml', 'node', ['scripts/action-docs.mjs', '--check']],
  ['check-dist', 'node', ['scripts/check-dist.mjs']],
  ['tests with coverage', 'npx', ['vitest', 'run', '--coverage']],
]

const root = new URL('..', import.meta.url).pathname
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
