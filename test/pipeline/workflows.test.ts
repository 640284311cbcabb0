import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { toolPaths } from '../../scripts/toolchain.mjs'

const root = join(import.meta.dirname, '..', '..')
const tools = toolPaths()
const workflowFiles = [
  ...readdirSync(join(root, '.github', 'workflows')).map((f) => join('.github', 'workflows', f)),
  ...readdirSync(join(root, 'examples')).flatMap((example) =>
    readdirSync(join(root, 'examples', example, '.github', 'workflows')).map((f) => join('examples', example, '.github', 'workflows', f)),
  ),
].filter((f) => f.endsWith('.yml'))

type Step = { id?: string; uses?: string; with?: Record<string, unknown> }
type Job = { steps?: Step[]; uses?: string }

function jobs(file: string): [string, Job][] {
  const workflow = parse(readFileSync(join(root, file), 'utf8')) as { jobs: Record<string, Job> }
  return Object.entries(workflow.jobs)
}

function actionMetadata(name: string): {
  inputs: Record<string, { required?: boolean; default?: unknown }>
  outputs: Record<string, unknown>
} {
  const meta = parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'))
  return { inputs: meta.inputs ?? {}, outputs: meta.outputs ?? {} }
}

// tf-apply-toggle adds one step output per Terraform output; the workflows read envs/dev's.
function terraformOutputs(): Set<string> {
  const text = readFileSync(join(root, 'terraform', 'envs', 'dev', 'outputs.tf'), 'utf8')
  return new Set([...text.matchAll(/^output "([a-z0-9_]+)"/gm)].map((m) => m[1] ?? ''))
}

describe('workflows', () => {
  it('actionlint reports nothing on .github/workflows and examples', () => {
    const result = spawnSync(tools.actionlint, ['-no-color', ...workflowFiles], { cwd: root, encoding: 'utf8' })
    expect(result.error).toBeUndefined()
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('zizmor --offline reports nothing on .github/workflows and examples', () => {
    const result = spawnSync(tools.zizmor, ['--offline', '--format', 'plain', '.github/workflows', 'examples'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(result.error).toBeUndefined()
    expect(result.stdout).toContain('No findings to report')
    expect(result.status).toBe(0)
  })

  it('pins every third-party action by a full commit SHA', () => {
    const unpinned: string[] = []
    for (const file of workflowFiles) {
      for (const [name, job] of jobs(file)) {
        for (const step of job.steps ?? []) {
          if (!step.uses || step.uses.startsWith('./')) continue
          if (!/@[0-9a-f]{40}$/.test(step.uses)) unpinned.push(`${file} ${name}: ${step.uses}`)
        }
      }
    }
    expect(unpinned).toEqual([])
  })

  // The reusable workflows load their actions from a checkout actionlint cannot see, so check their
  // `with:` and `outputs` against action.yml here; a renamed input would otherwise surface only on GitHub.
  it.each(['pipeline.yml', 'validate.yml'])('%s passes only declared inputs and reads only declared outputs', (workflow) => {
    const file = join('.github', 'workflows', workflow)
    const text = readFileSync(join(root, file), 'utf8')
    const problems: string[] = []
    for (const [jobName, job] of jobs(file)) {
      const stepActions = new Map<string, string>()
      for (const step of job.steps ?? []) {
        const action = step.uses?.match(/^\.\/\.pipeline-actions\/actions\/([a-z-]+)$/)?.[1]
        if (!action) continue
        const meta = actionMetadata(action)
        if (step.id) stepActions.set(step.id, action)
        for (const key of Object.keys(step.with ?? {})) {
          if (!(key in meta.inputs)) problems.push(`${jobName}: ${action} has no input '${key}'`)
        }
        for (const [key, input] of Object.entries(meta.inputs)) {
          if (input.required && input.default === undefined && !(key in (step.with ?? {}))) {
            problems.push(`${jobName}: ${action} needs input '${key}'`)
          }
        }
      }
      for (const [id, action] of stepActions) {
        const outputs = Object.keys(actionMetadata(action).outputs)
        const dynamic = action === 'tf-apply-toggle' ? terraformOutputs() : new Set<string>()
        for (const m of text.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g'))) {
          const output = m[1] ?? ''
          if (!outputs.includes(output) && !dynamic.has(output))
            problems.push(`${jobName}: step '${id}' (${action}) has no output '${output}'`)
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('keeps id-token: write to the jobs that assume a role', () => {
    const offenders: string[] = []
    for (const file of workflowFiles) {
      for (const [name, job] of jobs(file)) {
        const permissions = (job as { permissions?: Record<string, string> }).permissions ?? {}
        const assumes = (job.steps ?? []).some((s) => s.uses?.endsWith('/oidc-auth')) || job.uses !== undefined
        if (permissions['id-token'] === 'write' && !assumes) offenders.push(`${file} ${name}`)
      }
    }
    expect(offenders).toEqual([])
  })
})
