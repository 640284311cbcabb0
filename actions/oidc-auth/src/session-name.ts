import { UserError } from '../../../lib/errors'

/** STS accepts 2 to 64 of these characters in a RoleSessionName. */
const ALLOWED = /^[\w+=,.@-]{2,64}$/

/**
 * The session name shows in CloudTrail next to every call made with the
 * credentials, so the default names the repository and the run that made
 * them. When it is too long the repository is shortened, never the run id,
 * which is the part that tells runs apart.
 */
export function defaultSessionName(env: NodeJS.ProcessEnv): string {
  const repository = sanitize((env.GITHUB_REPOSITORY ?? '').replace('/', '.')) || 'github-actions'
  const runId = sanitize(env.GITHUB_RUN_ID ?? '')
  const suffix = runId ? `-${runId}` : ''
  const name = `${repository.slice(0, 64 - suffix.length)}${suffix}`
  return name.length >= 2 ? name : 'github-actions'
}

export function parseSessionName(inputName: string, raw: string, env: NodeJS.ProcessEnv): string {
  if (raw === '') return defaultSessionName(env)
  if (!ALLOWED.test(raw)) {
    throw new UserError(`Input '${inputName}' must be 2 to 64 characters of letters, digits and + = , . @ _ -; got '${raw}'.`)
  }
  return raw
}

function sanitize(text: string): string {
  return text.replace(/[^\w+=,.@-]/g, '-')
}
