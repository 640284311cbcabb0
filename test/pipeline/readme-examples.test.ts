import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../harness/runner'

/**
 * The workflow snippets in each action's README are what a new user copies first. Each is parsed and
 * held to what our actions declare: only inputs that exist, every required input, only outputs that
 * exist (through `steps.<id>.outputs` and a job's `needs.<job>.outputs`), and Terraform installed
 * before tf-apply-toggle runs. A snippet that fails as written fails here instead.
 */

type Step = { id?: string; uses?: string; with?: Record<string, unknown>; run?: string }
type Job = { steps?: Step[]; outputs?: Record<string, string>; 'runs-on'?: unknown }

/** Inputs action.yml marks optional because an environment variable may stand in; the snippets set none. */
const NEEDED_IN_SNIPPETS: Record<string, string[]> = { 'oidc-auth': ['aws-region'] }

const ACTIONS = readdirSync(join(repoRoot, 'actions')).filter((name) => !name.startsWith('.'))

function metadata(action: string): { inputs: Record<string, { required?: boolean; default?: unknown }>; outputs: Record<string, unknown> } {
  const meta = parse(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8'))
  return { inputs: meta.inputs ?? {}, outputs: meta.outputs ?? {} }
}

/** Each ```yaml block of a README, as jobs: a workflow's jobs, a job's steps, or a bare list of steps. */
function snippets(readme: string): { name: string; jobs: Record<string, Job> }[] {
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
  return blocks.map((text, index) => {
    const doc = parse(text) as unknown
    const name = `snippet ${index + 1}`
    if (Array.isArray(doc)) return { name, jobs: { job: { steps: doc as Step[] } } }
    const object = doc as { jobs?: Record<string, Job>; steps?: Step[] }
    if (object.jobs) return { name, jobs: object.jobs }
    return { name, jobs: { job: { steps: object.steps ?? [] } } }
  })
}

function problemsOf(jobs: Record<string, Job>): string[] {
  const problems: string[] = []
  const ours = (uses: string | undefined) => /^<org>\/pipeline-actions\/actions\/([a-z-]+)@/.exec(uses ?? '')?.[1]
  for (const [jobName, job] of Object.entries(jobs)) {
    const ids = new Map<string, string>()
    let terraformInstalled = false
    for (const step of job.steps ?? []) {
      if (step.uses?.startsWith('hashicorp/setup-terraform@') || step.uses?.startsWith('opentofu/setup-opentofu@'))
        terraformInstalled = true
      const action = ours(step.uses)
      if (!action) continue
      if (!ACTIONS.includes(action)) {
        problems.push(`${jobName}: no action '${action}'`)
        continue
      }
      const { inputs } = metadata(action)
      for (const key of Object.keys(step.with ?? {})) if (!(key in inputs)) problems.push(`${jobName}: ${action} has no input '${key}'`)
      for (const [key, input] of Object.entries(inputs)) {
        if (input.required && input.default === undefined && !(key in (step.with ?? {})))
          problems.push(`${jobName}: ${action} needs input '${key}'`)
      }
      for (const key of NEEDED_IN_SNIPPETS[action] ?? []) {
        if (!(key in (step.with ?? {}))) problems.push(`${jobName}: ${action} needs input '${key}' here (no environment sets it)`)
      }
      // With terraform-version the action installs the release itself.
      if (action === 'tf-apply-toggle' && !terraformInstalled && !('terraform-version' in (step.with ?? {})))
        problems.push(`${jobName}: tf-apply-toggle runs before any step installs Terraform`)
      if (step.id) ids.set(step.id, action)
    }
    const text = JSON.stringify(job)
    for (const [, id, output] of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const action = ids.get(id ?? '')
      if (!action) problems.push(`${jobName}: no step '${id}' of ours before its output '${output}' is read`)
      else if (action !== 'tf-apply-toggle' && !((output ?? '') in metadata(action).outputs)) {
        problems.push(`${jobName}: ${action} has no output '${output}'`)
      }
    }
    for (const [, needed, output] of text.matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!jobs[needed ?? '']?.outputs?.[output ?? ''])
        problems.push(`${jobName}: job '${needed}' has no output '${output}' in this example`)
    }
  }
  return problems
}

describe('the workflow examples in the action READMEs', () => {
  it.each(ACTIONS)('%s: every snippet uses only what the actions declare', (action) => {
    const readme = readFileSync(join(repoRoot, 'actions', action, 'README.md'), 'utf8')
    const found = snippets(readme).flatMap(({ name, jobs }) => problemsOf(jobs).map((problem) => `${name}: ${problem}`))
    expect(found).toEqual([])
  })
})
