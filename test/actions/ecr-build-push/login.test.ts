import { existsSync } from 'node:fs'
import { lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { removeDockerLogin, userDockerConfigDir, writeDockerLogin } from '../../../actions/ecr-build-push/src/docker-config'
import { fetchRegistryCredentials } from '../../../actions/ecr-build-push/src/ecr-login'
import { runPost } from '../../../actions/ecr-build-push/src/logout'
import { ensureRepository } from '../../../actions/ecr-build-push/src/repository'
import { ManualClock } from '../../../lib/clock'
import { UserError, userMessage } from '../../../lib/errors'
import { captureStdout } from '../../harness/capture'
import { runInProcess } from '../../harness/in-process'
import { awsError, FakeEcr, HOST, PASSWORD, TOKEN } from './fakes'

let temp: string
beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'login-'))
})
afterEach(async () => {
  await rm(temp, { recursive: true, force: true })
})

const options = { clock: new ManualClock(), random: () => 0 }

describe('the ECR login token', () => {
  it('is decoded and masked, encoded and decoded, before anything prints', async () => {
    const { result, commands } = await captureStdout(() => fetchRegistryCredentials(new FakeEcr() as never, undefined, options))
    expect(result).toEqual({ username: 'AWS', password: PASSWORD, host: HOST, expiresAt: new Date(0) })
    expect(commands.masks).toEqual([TOKEN, PASSWORD])
  })

  it.each([
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^No AWS credentials are available/,
    ],
    [
      'access denied',
      awsError('AccessDeniedException', 400),
      /^The AWS credentials may not get an ECR login token \(AccessDeniedException/,
    ],
    ['anything else', awsError('ValidationException', 400), /^ValidationException from the fake$/],
  ])('%s is explained', async (_name, error, message) => {
    const ecr = new FakeEcr()
    ecr.fail('GetAuthorizationToken', error)
    await expect(fetchRegistryCredentials(ecr as never, undefined, options)).rejects.toThrow(message)
  })

  it('a token that is not user:password is a bug, not a user error', async () => {
    const ecr = { send: async () => ({ authorizationData: [{ authorizationToken: Buffer.from('nocolon').toString('base64') }] }) }
    await expect(captureStdout(() => fetchRegistryCredentials(ecr as never, undefined, options))).rejects.toThrow('not user:password')
    const empty = { send: async () => ({ authorizationData: [] }) }
    await expect(fetchRegistryCredentials(empty as never, undefined, options)).rejects.toThrow('returned no authorization data')
  })
})

describe('the private Docker config', () => {
  it('is 0700/0600, links the user folder entries, and its removal leaves their targets alone', async () => {
    const user = join(temp, 'user')
    await mkdir(join(user, 'buildx'), { recursive: true })
    await writeFile(join(user, 'buildx', 'current'), 'builder')
    await writeFile(join(user, 'config.json'), '[not an object]')
    const login = await writeDockerLogin({
      tempRoot: temp,
      host: HOST,
      credentials: { username: 'AWS', password: PASSWORD },
      userConfigDir: user,
    })
    expect((await stat(login.dir)).mode & 0o777).toBe(0o700)
    expect((await stat(login.configFile)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(login.configFile, 'utf8'))).toEqual({ auths: { [HOST]: { auth: TOKEN } } })
    expect((await lstat(join(login.dir, 'buildx'))).isSymbolicLink()).toBe(true)
    await removeDockerLogin(login.dir)
    expect(existsSync(login.dir)).toBe(false)
    expect(await readFile(join(user, 'buildx', 'current'), 'utf8')).toBe('builder')
  })

  it('works without any user folder', async () => {
    const login = await writeDockerLogin({
      tempRoot: temp,
      host: HOST,
      credentials: { username: 'AWS', password: PASSWORD },
      userConfigDir: join(temp, 'absent'),
    })
    expect(JSON.parse(await readFile(login.configFile, 'utf8'))).toEqual({ auths: { [HOST]: { auth: TOKEN } } })
    expect(userDockerConfigDir({ DOCKER_CONFIG: '/x' })).toBe('/x')
    expect(userDockerConfigDir({})).toMatch(/\.docker$/)
  })
})

describe('the post step', () => {
  function post(state: string | undefined, keepLogin: string) {
    return runInProcess(() => runPost(), { inputs: { 'keep-login': keepLogin }, env: { 'STATE_docker-config': state ?? '' } })
  }

  it.each([
    ['removes the login', 'false', false, 'Removed the registry login.'],
    ['keeps it when asked', 'true', true, 'keep-login is true'],
  ])('%s', async (_name, keepLogin, remains, message) => {
    const dir = join(temp, 'login')
    await mkdir(dir)
    const { stdout, exitCode } = await post(dir, keepLogin)
    expect(exitCode).toBe(0)
    expect(existsSync(dir)).toBe(remains)
    expect(stdout).toContain(message)
  })

  it('does nothing when main never logged in', async () => {
    const { stdout, exitCode } = await post(undefined, 'false')
    expect(exitCode).toBe(0)
    expect(stdout).toBe('')
  })
})

describe('ensureRepository', () => {
  const request = {
    name: 'team/app',
    create: true,
    settings: { mutability: 'IMMUTABLE' as const, scanOnPush: true, tags: new Map(), keepImages: 0 },
  }

  it('uses the repository another job created between look-up and create', async () => {
    const ecr = new FakeEcr()
    ecr.fail('CreateRepository', awsError('RepositoryAlreadyExistsException', 400))
    const send = ecr.send.bind(ecr)
    let describes = 0
    ecr.send = async (command) => {
      if (command.constructor.name === 'DescribeRepositoriesCommand' && ++describes === 2) {
        ecr.repositories.set('team/app', { repositoryName: 'team/app', imageTagMutability: 'MUTABLE' })
      }
      return send(command)
    }
    const { result } = await captureStdout(() => ensureRepository(ecr as never, request, options))
    expect(result).toEqual({ name: 'team/app', mutability: 'MUTABLE', exclusionFilters: [], created: false })
    expect(ecr.calls.map((call) => call.operation)).toEqual(['DescribeRepositories', 'CreateRepository', 'DescribeRepositories'])
  })

  it.each([
    [
      'DescribeRepositories',
      awsError('AccessDeniedException', 400),
      "The AWS credentials may not use ecr:DescribeRepositories on repository 'team/app' (AccessDeniedException). Allow ecr:DescribeRepositories for the role.",
    ],
    [
      'CreateRepository',
      awsError('KmsException', 400, 'key disabled'),
      "ECR refused ecr:CreateRepository for repository 'team/app': KmsException: key disabled",
    ],
    [
      'PutLifecyclePolicy',
      awsError('AccessDeniedException', 400),
      "The AWS credentials may not use ecr:PutLifecyclePolicy on repository 'team/app'",
    ],
  ])('explains a failing %s', async (operation, error, message) => {
    const ecr = new FakeEcr()
    ecr.fail(operation, error)
    const thrown = await captureStdout(() =>
      ensureRepository(ecr as never, { ...request, settings: { ...request.settings, keepImages: 3 } }, options),
    ).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(UserError)
    expect(userMessage(thrown as UserError)).toContain(message)
  })

  it('passes other errors through, after retrying the transient ones', async () => {
    const ecr = new FakeEcr()
    ecr.fail('DescribeRepositories', awsError('ServiceUnavailableException', 503), awsError('ValidationException', 400))
    await expect(ensureRepository(ecr as never, request, { clock: new ManualClock() })).rejects.toThrow('ValidationException from the fake')
    expect(ecr.calls).toHaveLength(2)
  })
})
