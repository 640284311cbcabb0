import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readActionMetadata, repoRoot, runAction } from '../harness/runner'

const actions = readdirSync(join(repoRoot, 'actions')).sort()

describe('every committed bundle runs under Node 24 through the runner contract', () => {
  it('has the five actions', () => {
    expect(actions).toEqual(['ecr-build-push', 'eks-wait-and-helm', 'kubeconform-validate', 'oidc-auth', 'tf-apply-toggle'])
  })

  it.each(actions)('%s declares node24 and a main bundle', async (action) => {
    const metadata = await readActionMetadata(action)
    expect(metadata.runs.using).toBe('node24')
    expect(metadata.runs.main).toBe('dist/index.js')
  })

  // Each action's own tests check its specific bad inputs; this checks the contract every bundle keeps.
  it.each(actions)('%s, run with no inputs, ends cleanly: exit 0, or exit 1 with one line and no stack trace', async (action) => {
    const run = await runAction(action, { post: false, env: { AWS_REGION: undefined } })
    expect([0, 1]).toContain(run.exitCode)
    if (run.exitCode === 1) expect(run.failure).toMatch(/^[^\n]+$/)
    expect(run.visibleLog).not.toMatch(/\n\s+at\s/)
  })
})
