import { UserError } from '../../../lib/errors'
import type { Exec } from '../../../lib/exec'

const SHA = /^[0-9a-f]{40}$/

/** The commit the image is built from: the runner's GITHUB_SHA, else the checkout's HEAD. */
export async function resolveCommit(env: NodeJS.ProcessEnv, exec: Exec): Promise<string> {
  const fromRunner = env.GITHUB_SHA?.trim().toLowerCase()
  if (fromRunner && SHA.test(fromRunner)) return fromRunner
  const git = await exec('git', ['rev-parse', 'HEAD'], { silent: true, cwd: env.GITHUB_WORKSPACE, env })
  const head = git.stdout.trim().toLowerCase()
  if (git.exitCode === 0 && SHA.test(head)) return head
  throw new UserError(
    'Cannot tell which commit to tag the image with: GITHUB_SHA is not set and the workspace is not a git checkout.',
    'Run actions/checkout first.',
  )
}
