// Runs a TypeScript entry (the rehearsal, the bench) with tsx on the pinned
// Node 24 that setup installed: the Node the actions run on, and one the AWS
// SDK still supports after it drops Node 20. `npm run` starts whatever node is
// on PATH, so this hands the script over to the pinned one.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { toolPaths } from './toolchain.mjs'

const node = toolPaths().node
if (!existsSync(node)) {
  console.error(`pinned-node: ${node} is missing; run 'node scripts/setup.mjs' first.`)
  process.exit(1)
}
const [script, ...args] = process.argv.slice(2)
if (!script) {
  console.error('usage: node scripts/pinned-node.mjs <script.ts> [arguments]')
  process.exit(2)
}
const result = spawnSync(node, ['--import', 'tsx', script, ...args], { stdio: 'inherit' })
process.exit(result.status ?? 1)
