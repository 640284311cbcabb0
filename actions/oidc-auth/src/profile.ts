import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TemporaryCredentials } from '../../../lib/aws/sts'
import { UserError } from '../../../lib/errors'
import type { Inputs } from './inputs'

/**
 * The credentials as a named profile, for tools that read profiles rather
 * than the AWS_* key variables (a Terraform provider block with `profile`,
 * a script that runs `aws --profile`). The files live in a folder of their
 * own under RUNNER_TEMP, readable by the runner's user only, and the post
 * step deletes them.
 */

/** Letters, digits and _ . - : safe as an INI section name in every SDK's parser. */
const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

export function parseProfileName(inputName: string, raw: string): string | undefined {
  if (raw === '') return undefined
  if (!PROFILE_NAME.test(raw)) throw new UserError(`Input '${inputName}' must be 1 to 64 of letters, digits and _ . -; got '${raw}'.`)
  return raw
}

export interface ProfileFiles {
  dir: string
  configFile: string
  credentialsFile: string
  /** Set when the profile re-assumes the role from a web identity token file. */
  tokenFile?: string
}

/** A private folder for one step's profile: mkdtemp makes it 0700, so only the runner's user can list or read it. */
export async function makeProfileDir(runnerTemp: string): Promise<ProfileFiles> {
  const dir = await mkdtemp(join(runnerTemp, 'oidc-auth-'))
  await chmod(dir, 0o700)
  return { dir, configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials'), tokenFile: join(dir, 'web-identity-token') }
}

/** The config file's section header: AWS names every profile but the default one `profile <name>` there. */
function configSection(name: string): string {
  return name === 'default' ? '[default]' : `[profile ${name}]`
}

function ini(section: string, entries: Record<string, string | number | undefined>): string {
  const lines = Object.entries(entries)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key} = ${value}`)
  return [section, ...lines, ''].join('\n')
}

/** Fixed keys: the credentials file holds them, the config file the region. */
export function staticProfile(name: string, region: string, credentials: TemporaryCredentials): { config: string; credentials: string } {
  return {
    config: ini(configSection(name), { region }),
    credentials: ini(`[${name}]`, {
      aws_access_key_id: credentials.accessKeyId,
      aws_secret_access_key: credentials.secretAccessKey,
      aws_session_token: credentials.sessionToken,
    }),
  }
}

/** Intermediate sessions of a chain only bridge to the next role, as in the action's own chain. */
const INTERMEDIATE_SESSION_SECONDS = 900

/**
 * No keys at all: the profile names the role and the token file, so each SDK
 * calls AssumeRoleWithWebIdentity itself, and again when its session ends,
 * reading the file anew each time. A chain becomes source_profile links, one
 * hidden profile per hop, the named one last.
 */
export function refreshingProfile(name: string, inputs: Inputs, tokenFile: string): { config: string; credentials: string } {
  const hops = [inputs.role, ...inputs.roleChain]
  const profileOf = (index: number) => (index === hops.length - 1 ? name : `${name}-hop-${index}`)
  const sections = hops.map((role, index) => {
    const last = index === hops.length - 1
    return ini(configSection(profileOf(index)), {
      role_arn: role.arn,
      ...(index === 0 ? { web_identity_token_file: tokenFile } : { source_profile: profileOf(index - 1), external_id: inputs.externalId }),
      role_session_name: inputs.roleSessionName,
      duration_seconds: last ? inputs.durationSeconds : INTERMEDIATE_SESSION_SECONDS,
      region: inputs.region,
    })
  })
  return { config: sections.join('\n'), credentials: '' }
}

/** Written with 0600 from the start (never world-readable for an instant), and refused if the file exists. */
export async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flag: 'wx' })
}

export async function removeProfileDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
