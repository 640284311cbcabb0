import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RegistryCredentials } from './ecr-login'

/**
 * The registry login lives in a Docker config folder of its own under the
 * runner's temp folder (0700, config.json 0600), never in argv and never in
 * the user's own ~/.docker. The builders get it through DOCKER_CONFIG
 * (docker) and --authfile (buildah, which reads the same format).
 *
 * Everything else of the user's config folder is linked in (cli-plugins,
 * buildx builder instances, contexts) and its config.json merged, so
 * docker/setup-buildx-action's builder and other logins keep working. A
 * credsStore is dropped: Docker would otherwise ignore the login written here.
 */
/** The state the post step reads to remove the login. */
export const LOGIN_STATE = 'docker-config'

export interface DockerLogin {
  dir: string
  configFile: string
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string }>
  credHelpers?: Record<string, string>
  credsStore?: string
  [key: string]: unknown
}

export interface DockerLoginOptions {
  tempRoot: string
  host: string
  credentials: Pick<RegistryCredentials, 'username' | 'password'>
  /** The user's Docker config folder to carry over (DOCKER_CONFIG, else ~/.docker). */
  userConfigDir?: string
}

export function userDockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker')
}

export async function writeDockerLogin(options: DockerLoginOptions): Promise<DockerLogin> {
  const dir = await mkdtemp(join(options.tempRoot, 'ecr-build-push-'))
  const userDir = options.userConfigDir
  const base = userDir ? await readUserConfig(userDir) : {}
  if (userDir) await linkEntries(userDir, dir)
  const { credsStore: _dropped, credHelpers, ...rest } = base
  const helpers = Object.entries(credHelpers ?? {}).filter(([host]) => host !== options.host)
  const auth = Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')
  const config: DockerConfigFile = {
    ...rest,
    auths: { ...rest.auths, [options.host]: { auth } },
    ...(helpers.length > 0 ? { credHelpers: Object.fromEntries(helpers) } : {}),
  }
  const configFile = join(dir, 'config.json')
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  return { dir, configFile }
}

async function readUserConfig(dir: string): Promise<DockerConfigFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as DockerConfigFile) : {}
  } catch {
    // No config, or one Docker itself could not read: start from an empty one.
    return {}
  }
}

async function linkEntries(from: string, to: string): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(from)
  } catch {
    return
  }
  for (const entry of entries) {
    if (entry === 'config.json') continue
    await symlink(join(from, entry), join(to, entry))
  }
}

/** Removes the login folder; the links inside it are removed, never what they point at. */
export async function removeDockerLogin(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
