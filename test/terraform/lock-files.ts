import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'

/**
 * Checks a Terraform root's committed `.terraform.lock.hcl` against what its configuration (and the local
 * modules it calls) require, the way `terraform init -lockfile=readonly` would refuse it, without the
 * registry: every required provider is locked, with the constraints string Terraform would record, a
 * version those constraints accept, and package hashes of the registry's shape. Terraform itself cannot do
 * this here: its init asks the registry, and the tests run the provider through dev_overrides, which
 * skips the lock file. Written for this repository's HCL (one `name = { source, version }` per line
 * group); a configuration it cannot read is reported, not passed.
 */

export interface Requirement {
  source: string
  constraints: string[]
}

const REGISTRY = 'registry.terraform.io'

function tfFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.tf') && !name.endsWith('_override.tf'))
    .map((name) => join(dir, name))
}

/** The text of the block that opens at `open` (the index of its `{`). */
function block(text: string, open: number): string {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i)
  }
  throw new Error('unbalanced braces')
}

/** Provider requirements of one module folder: source address -> version constraints. */
function moduleRequirements(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of tfFiles(dir)) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/required_providers\s*\{/g)) {
      const body = block(text, (match.index ?? 0) + match[0].length - 1)
      for (const entry of body.matchAll(/^\s*[\w-]+\s*=\s*\{([^}]*)\}/gm)) {
        const source = entry[1]?.match(/source\s*=\s*"([^"]+)"/)?.[1]
        if (!source) throw new Error(`${relative(process.cwd(), file)}: a required provider without a source`)
        const address = source.split('/').length === 2 ? `${REGISTRY}/${source}` : source
        const version = entry[1]?.match(/version\s*=\s*"([^"]+)"/)?.[1]
        found.set(address, [...(found.get(address) ?? []), ...(version ? [version] : [])])
      }
    }
  }
  return found
}

/** Local module folders a module calls (sources starting with ./ or ../). */
function localModules(dir: string): string[] {
  return tfFiles(dir).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/module\s+"[^"]+"\s*\{[^}]*?source\s*=\s*"(\.\.?\/[^"]+)"/g)].map((match) =>
      resolve(dir, match[1] ?? ''),
    ),
  )
}

/** What a root and every local module under it require, as Terraform combines it for the lock file. */
export function rootRequirements(root: string): Map<string, string[]> {
  const all = new Map<string, Set<string>>()
  const seen = new Set<string>()
  const visit = (dir: string) => {
    if (seen.has(dir)) return
    seen.add(dir)
    for (const [address, constraints] of moduleRequirements(dir)) {
      const set = all.get(address) ?? new Set<string>()
      for (const constraint of constraints) for (const term of constraint.split(',')) set.add(normalized(term))
      all.set(address, set)
    }
    for (const child of localModules(dir)) visit(child)
  }
  visit(root)
  return new Map([...all].map(([address, set]) => [address, [...set].sort(byVersion)]))
}

/**
 * One constraint term as Terraform writes it into the lock file (checked against terraform init's own
 * output in lock-files.test.ts): `~>` keeps the parts given, every other operator gets all three.
 */
function normalized(term: string): string {
  const match = term.trim().match(/^(~>|>=|<=|!=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})$/)
  if (!match) throw new Error(`unreadable version constraint '${term.trim()}'`)
  const [, operator = '=', version = ''] = match
  if (operator === '~>') return `~> ${version}`
  const full = [...version.split('.'), '0', '0'].slice(0, 3).join('.')
  return `${operator} ${full}`
}

const byVersion = (a: string, b: string) => compare(a.split(' ')[1] ?? '', b.split(' ')[1] ?? '') || a.localeCompare(b)

export interface LockedProvider {
  version: string
  constraints: string | undefined
  hashes: string[]
}

export function parseLockFile(text: string): Map<string, LockedProvider> {
  const locked = new Map<string, LockedProvider>()
  for (const match of text.matchAll(/^provider\s+"([^"]+)"\s*\{/gm)) {
    const body = block(text, (match.index ?? 0) + match[0].length - 1)
    locked.set(match[1] ?? '', {
      version: body.match(/^\s*version\s*=\s*"([^"]+)"/m)?.[1] ?? '',
      constraints: body.match(/^\s*constraints\s*=\s*"([^"]+)"/m)?.[1],
      hashes: [...(body.match(/hashes\s*=\s*\[([^\]]*)\]/)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((hash) => hash[1] ?? ''),
    })
  }
  return locked
}

const numbers = (version: string) => version.split(/[.-]/).slice(0, 3).map(Number)

function compare(a: string, b: string): number {
  const [x, y] = [numbers(a), numbers(b)]
  for (let i = 0; i < 3; i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

/** Whether `version` meets one Terraform version constraint (comma-separated terms). */
export function satisfies(version: string, constraint: string): boolean {
  return constraint.split(',').every((term) => {
    const match = term.trim().match(/^(~>|>=|<=|!=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})$/)
    if (!match) throw new Error(`unreadable version constraint '${term.trim()}'`)
    const [, operator = '=', bound = ''] = match
    const order = compare(version, bound)
    switch (operator) {
      case '~>': {
        // ~> 6.0 allows 6.x; ~> 6.1.2 allows 6.1.x (>= 6.1.2): the last given part may grow.
        const parts = bound.split('.').map(Number)
        const fixed = parts.slice(0, Math.max(1, parts.length - 1))
        return order >= 0 && fixed.every((part, i) => numbers(version)[i] === part)
      }
      case '>=':
        return order >= 0
      case '<=':
        return order <= 0
      case '>':
        return order > 0
      case '<':
        return order < 0
      case '!=':
        return order !== 0
      default:
        return order === 0
    }
  })
}

/** Why a root's lock file would not do, one line each; empty when it does. */
export function lockProblems(root: string, name = root): string[] {
  const required = rootRequirements(root)
  const lockPath = join(root, '.terraform.lock.hcl')
  if (required.size === 0) return []
  if (!existsSync(lockPath)) return [`${name}: no .terraform.lock.hcl (run terraform init, commit the file)`]
  const locked = parseLockFile(readFileSync(lockPath, 'utf8'))
  const problems: string[] = []
  for (const [address, constraints] of required) {
    const entry = locked.get(address)
    if (!entry) {
      problems.push(`${name}: ${address} is required but not in the lock file`)
      continue
    }
    const expected = constraints.join(', ')
    if ((entry.constraints ?? '') !== expected) {
      problems.push(`${name}: ${address} is locked with constraints "${entry.constraints ?? ''}", the configuration says "${expected}"`)
    }
    for (const constraint of constraints) {
      if (!satisfies(entry.version, constraint)) problems.push(`${name}: ${address} ${entry.version} does not meet "${constraint}"`)
    }
    const malformed = entry.hashes.filter((hash) => !/^(h1:[A-Za-z0-9+/]{43}=|zh:[0-9a-f]{64})$/.test(hash))
    if (malformed.length > 0) problems.push(`${name}: ${address} has malformed hashes: ${malformed.join(' ')}`)
    if (!entry.hashes.some((hash) => hash.startsWith('zh:'))) {
      problems.push(`${name}: ${address} has no zh: hash (the registry's per-platform package checksums)`)
    }
  }
  for (const address of locked.keys()) {
    if (!required.has(address)) problems.push(`${name}: ${address} is locked but no longer required`)
  }
  return problems
}

/** Every Terraform root of the repository: folders with .tf files outside terraform/modules. */
export function terraformRoots(repoRoot: string): string[] {
  const roots: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (name === '.terraform' || name === 'node_modules' || name.startsWith('.')) continue
      if (statSync(path).isDirectory()) walk(path)
    }
    if (tfFiles(dir).length > 0) roots.push(dir)
  }
  walk(join(repoRoot, 'terraform'))
  walk(join(repoRoot, 'examples'))
  const modules = join(repoRoot, 'terraform', 'modules') + sep
  return roots.filter((dir) => !dir.startsWith(modules)).sort()
}
