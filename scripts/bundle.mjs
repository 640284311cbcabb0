// Bundles every action entry with ncc: src/index.ts → dist/index.js,
// src/post.ts → dist/post/index.js, src/bin/<name>.ts → dist/bin/<name>/index.js.
// `node scripts/bundle.mjs [action...] [--out DIR]` bundles into DIR/<action>/dist
// instead of the action's own folder (check-dist uses that).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

function parseArgs(args) {
  const parsed = { names: [], outRoot: undefined }
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') parsed.outRoot = args[++i]
    else parsed.names.push(args[i])
  }
  return parsed
}

export function actionNames() {
  return readdirSync(join(root, 'actions'))
    .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
    .sort()
}

export function entriesOf(action) {
  const src = join(root, 'actions', action, 'src')
  const entries = [{ source: join(src, 'index.ts'), out: '' }]
  if (existsSync(join(src, 'post.ts'))) entries.push({ source: join(src, 'post.ts'), out: 'post' })
  const bin = join(src, 'bin')
  if (existsSync(bin)) {
    for (const file of readdirSync(bin)
      .filter((f) => f.endsWith('.ts'))
      .sort()) {
      entries.push({ source: join(bin, file), out: join('bin', file.replace(/\.ts$/, '')) })
    }
  }
  return entries
}

export function bundle(action, distDir) {
  rmSync(distDir, { recursive: true, force: true })
  for (const entry of entriesOf(action)) {
    const out = join(distDir, entry.out)
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        entry.source,
        '-o',
        out,
        '--minify',
        '--target',
        'es2022',
        '--license',
        'licenses.txt',
        '--transpile-only',
        '--quiet',
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    if (result.status !== 0) throw new Error(`ncc failed for ${action} (${entry.source})`)
  }
  // The bundles are ES modules; this marker makes Node load them as such
  // wherever the action is checked out, whatever package.json sits above it.
  writeFileSync(join(distDir, 'package.json'), '{ "type": "module" }\n')
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const { names, outRoot } = parseArgs(process.argv.slice(2))
  const selected = names.length > 0 ? names : actionNames()
  try {
    for (const action of selected) {
      bundle(action, outRoot ? join(outRoot, action, 'dist') : join(root, 'actions', action, 'dist'))
      console.log(`bundled ${action}`)
    }
  } catch (error) {
    console.error(`bundle: ${error.message}`)
    process.exit(1)
  }
}
