import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolPaths } from '../../scripts/toolchain.mjs'

const root = join(import.meta.dirname, '..', '..')
const tools = toolPaths()

// The Python tests (DAG import under the pinned Airflow, task functions against moto, the workflow
// helpers) run here so `npm test` and CI cover them with the TypeScript tests.
describe('python tests', () => {
  it('pytest passes: DagBag import, tasks against moto, workflow helpers', () => {
    const airflowHome = mkdtempSync(join(tmpdir(), 'airflow-home-'))
    try {
      const result = spawnSync(
        tools.airflowPython,
        ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'dags/tests', 'test/pipeline/python'],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 600_000,
          env: { ...process.env, MOTO_PYTHON: tools.python, AIRFLOW_HOME: airflowHome, AIRFLOW__CORE__LOAD_EXAMPLES: 'False' },
        },
      )
      const output = `${result.stdout}\n${result.stderr}`
      expect(result.error).toBeUndefined()
      expect(result.status, output.slice(-4000)).toBe(0)
      const summary = output.match(/(\d+) passed/)
      expect(Number(summary?.[1] ?? 0)).toBeGreaterThanOrEqual(25)
      expect(output).not.toMatch(/\d+ (failed|error)/)
    } finally {
      rmSync(airflowHome, { recursive: true, force: true })
    }
  }, 660_000)
})
