import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COMMANDS, RELEASES, TOOLS, toolsFor } from '../../scripts/toolchain.mjs'

const root = new URL('../..', import.meta.url).pathname
const emptyCache = mkdtempSync(join(tmpdir(), 'setup-plan-test-'))
afterAll(() => rmSync(emptyCache, { recursive: true, force: true }))

function setup(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, PIPELINE_ACTIONS_TOOL_CACHE: emptyCache },
  })
}

describe('the tool table', () => {
  it('gives every tool to test, which runs everything', () => {
    expect(toolsFor('test').map(([name]) => name)).toEqual(Object.keys(TOOLS))
  })

  it('gives the unit tests node modules only', () => {
    expect(toolsFor('unit').map(([name]) => name)).toEqual(['nodeModules'])
  })

  it('keeps the AWS provider, OpenTofu and checkov out of the rehearsal', () => {
    const rehearsal = toolsFor('rehearsal').map(([name]) => name)
    for (const name of ['awsProvider', 'tofu', 'checkov']) expect(rehearsal).not.toContain(name)
    // Airflow: the pull-request checks import the example's DAGs; kustomize: the checks-only example's overlay.
    for (const name of [
      'act',
      'helm',
      'kubeconform',
      'buildx',
      'buildkitd',
      'controlPlane',
      'kwok',
      'pythonTools',
      'airflow',
      'kustomize',
      'schemas',
      'node',
    ])
      expect(rehearsal).toContain(name)
  })

  it('names only known commands', () => {
    for (const tool of Object.values(TOOLS)) for (const command of tool.commands) expect(Object.keys(COMMANDS)).toContain(command)
  })

  it('tries a release first exactly for the tools with a pinned release, each sum 64 hex digits', () => {
    const released = Object.entries(TOOLS)
      .filter(([, tool]) => tool.release)
      .map(([name]) => name)
    expect(released.sort()).toEqual(Object.keys(RELEASES).sort())
    for (const release of Object.values(RELEASES))
      for (const [platform, sum] of Object.entries(release.sha256)) {
        expect(sum).toMatch(/^[0-9a-f]{64}$/)
        expect(release.url(platform)).toMatch(/^https:\/\//)
      }
  })
})

describe('node scripts/setup.mjs --plan', () => {
  it('lists what the command needs, all missing in an empty cache, with its measured cost, and installs nothing', () => {
    const result = setup('--plan', 'rehearsal')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("setup plan for 'rehearsal'")
    expect(result.stdout).toMatch(/missing {2}Kubernetes v1\.36\.3 control plane .*; 9\.9 min \(go build\)/)
    expect(result.stdout).not.toContain('AWS provider')
    expect(result.stdout).not.toContain('OpenTofu')
    expect(spawnSync('ls', ['-A', emptyCache], { encoding: 'utf8' }).stdout).toBe('')
  })

  it('prints the README table of every tool and command', () => {
    const result = setup('--plan', '--markdown')
    expect(result.status).toBe(0)
    const rows = result.stdout.trim().split('\n')
    expect(rows[0]).toBe('| tool | `unit` | `rehearsal` | `bench` | `test` | installed by | first install on a new 2-core machine |')
    expect(rows).toHaveLength(Object.keys(TOOLS).length + 2)
  })

  it.each([
    ['an unknown command', ['nope']],
    ['an unknown option', ['--bogus']],
  ])('stops with one line on %s', (_name, args) => {
    const result = setup(...args)
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})
