import { describe, expect, it } from 'vitest'
import { childEnv, withChildEnv } from '../../lib/child-env'
import { exec } from '../../lib/exec'
import { RUNNER_CREDENTIALS } from '../harness/runner-credentials'

const RUNNER = { ...RUNNER_CREDENTIALS, ACTIONS_CACHE_SERVICE_V2: 'True', 'INPUT_GITHUB-TOKEN': 'ghs_4567' }

describe('childEnv', () => {
  it("drops the runner's credentials and the action's inputs, keeps the rest, adds the extras", () => {
    const env = childEnv({ ...RUNNER, PATH: '/usr/bin', AWS_REGION: 'eu-west-1', ACTIONS_STEP_DEBUG: 'true' }, { DOCKER_CONFIG: '/tmp/d' })
    expect(env).toEqual({ PATH: '/usr/bin', AWS_REGION: 'eu-west-1', ACTIONS_STEP_DEBUG: 'true', DOCKER_CONFIG: '/tmp/d' })
  })
})

describe('withChildEnv', () => {
  // A real child process, so what is checked is what a tool would read.
  const envOf = async (run: typeof exec, env?: NodeJS.ProcessEnv) => {
    const result = await run('env', [], { silent: true, ...(env ? { env } : {}) })
    return new Set(result.stdout.split('\n').map((line) => line.split('=')[0]))
  }

  it('filters an environment the caller passes', async () => {
    const names = await envOf(withChildEnv(exec), { ...RUNNER, PATH: process.env.PATH, KEEP_ME: '1' })
    expect(names.has('KEEP_ME')).toBe(true)
    for (const name of Object.keys(RUNNER)) expect(names.has(name), name).toBe(false)
  })

  it('filters process.env when the caller passes none', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, RUNNER, { KEEP_ME: '1' })
    try {
      const names = await envOf(withChildEnv(exec))
      expect(names.has('KEEP_ME')).toBe(true)
      for (const name of Object.keys(RUNNER)) expect(names.has(name), name).toBe(false)
      // Unwrapped, the child would have had them: the check above is not vacuous.
      expect((await envOf(exec)).has('ACTIONS_ID_TOKEN_REQUEST_TOKEN')).toBe(true)
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    }
  })
})
