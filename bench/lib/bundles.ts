import { spawnSync } from 'node:child_process'
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './suite'

export interface DistSize {
  /** dist/index.js alone: what the main step loads first. */
  main: number
  /** Every .js file in dist/ (main, post, bin entries, lazily loaded chunks). */
  javascript: number
  /** Every file in dist/, licenses included. */
  all: number
  files: number
}

export function distSize(dist: string): DistSize {
  const size: DistSize = { main: statSync(join(dist, 'index.js')).size, javascript: 0, all: 0, files: 0 }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        walk(path)
        continue
      }
      const bytes = statSync(path).size
      size.all += bytes
      size.files += 1
      if (entry.name.endsWith('.js') || entry.name.endsWith('.mjs') || entry.name.endsWith('.cjs')) size.javascript += bytes
    }
  }
  walk(dist)
  return size
}

let floor: Promise<string> | undefined

/** Bundles bench/floor with scripts/bundle.mjs's ncc flags, once per run; resolves to its dist folder. */
export function floorBundle(): Promise<string> {
  floor ??= (async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bench-floor-'))
    // Kept for the whole run (several suites start it), removed when the bench exits.
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }))
    const dist = join(folder, 'dist')
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        join(repoRoot, 'bench/floor/index.ts'),
        '-o',
        dist,
        '--minify',
        '--target',
        'es2022',
        '--license',
        'licenses.txt',
        '--transpile-only',
        '--quiet',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    )
    if (result.status !== 0) throw new Error(`ncc could not bundle bench/floor: ${result.stderr}`)
    writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n')
    return dist
  })()
  return floor
}
