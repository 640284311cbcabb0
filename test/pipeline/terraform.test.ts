import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { toolPaths } from '../../scripts/toolchain.mjs'

const root = join(import.meta.dirname, '..', '..')
const terraformDir = join(root, 'terraform')
const tools = toolPaths()
const scratch = mkdtempSync(join(tmpdir(), 'terraform-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function tfFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === '.terraform') return []
    if (statSync(path).isDirectory()) return tfFiles(path)
    return name.endsWith('.tf') ? [path] : []
  })
}

describe('terraform', () => {
  it('is formatted (terraform fmt -check -recursive)', () => {
    const result = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', terraformDir], { encoding: 'utf8' })
    expect(result.stdout).toBe('')
    expect(result.status).toBe(0)
  })

  // The configurations that use the AWS provider are validated with it in test/terraform/validate.test.ts.
  it('validates the rehearsal config (built-in resources only)', () => {
    const copy = join(scratch, 'rehearsal')
    cpSync(join(terraformDir, 'rehearsal'), copy, { recursive: true })
    const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: copy, encoding: 'utf8' })
    expect(init.status, init.stderr).toBe(0)
    const validate = spawnSync('terraform', ['validate', '-json', '-no-color'], { cwd: copy, encoding: 'utf8' })
    const report = JSON.parse(validate.stdout)
    expect(report.diagnostics).toEqual([])
    expect(report.valid).toBe(true)
  })

  it('passes checkov with no failed check', () => {
    const result = spawnSync(
      tools.checkov,
      ['--directory', terraformDir, '--framework', 'terraform', '--output', 'json', '--quiet', '--skip-download', '--compact'],
      {
        encoding: 'utf8',
        env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    expect(result.error).toBeUndefined()
    const report = JSON.parse(result.stdout)
    const reports = Array.isArray(report) ? report : [report]
    const failed = reports.flatMap((r) =>
      (r.results?.failed_checks ?? []).map(
        (c: { check_id: string; resource: string; file_path: string }) => `${c.check_id} ${c.resource} ${c.file_path}`,
      ),
    )
    expect(failed).toEqual([])
    const passed = reports.reduce((sum, r) => sum + (r.summary?.passed ?? 0), 0)
    expect(passed).toBeGreaterThan(300)
  })

  it('justifies every checkov skip in its comment', () => {
    const unjustified: string[] = []
    for (const file of tfFiles(terraformDir)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const skip = line.match(/checkov:skip=([A-Z0-9_]+)(?::\s*(.*))?/)
        if (skip && (skip[2] ?? '').trim().length < 20) unjustified.push(`${file}: ${skip[1]}`)
      }
    }
    expect(unjustified).toEqual([])
  })
})
