import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryApi } from '../../../actions/ecr-build-push/src/registry-api'
import { systemClock } from '../../../lib/clock'
import { type DockerEngine, startDocker } from '../../bench/docker'
import { BENCH_REGION, type Moto, startMoto } from '../../bench/moto'
import { type Registry, startRegistry } from '../../bench/registry'
import { type ActionRun, runAction } from '../../harness/runner'

/**
 * Tag templates and also-push-to through the committed bundle. moto is ECR's
 * control plane for both accounts (its token for a registry ID decodes to
 * AWS:<account>-auth-token, so each account's registry checks its own
 * password); three Debian docker-registry instances are the data planes: this
 * account's, another account's, and one standing in for public.ecr.aws.
 * moto has no ECR Public API, so a loopback server answers ecr-public's
 * GetAuthorizationToken in its JSON protocol: it proves the call the SDK
 * makes (operation, region) and that its token reaches the registry, not
 * AWS's own behaviour.
 */

const SHA_A = 'a'.repeat(40)
const SHA_B = 'b'.repeat(40)
const OTHER_ACCOUNT = '210987654321'
const PUBLIC_PASSWORD = 'ecr-public-token-for-the-bench'

let moto: Moto
let docker: DockerEngine
let main: Registry
let other: Registry
let publicRegistry: Registry
let ecrPublic: { server: Server; endpoint: string; calls: { target: string; authorization: string }[] }
let work: string
let app: string

const ecr = (region = BENCH_REGION) =>
  new ECRClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })

async function passwordOf(registryId?: string, region = BENCH_REGION): Promise<string> {
  const answer = await ecr(region).send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}))
  return (
    Buffer.from(answer.authorizationData?.[0]?.authorizationToken ?? '', 'base64')
      .toString('utf8')
      .split(':')[1] ?? ''
  )
}

async function startEcrPublicStandIn() {
  const calls: { target: string; authorization: string }[] = []
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      calls.push({ target: String(request.headers['x-amz-target']), authorization: String(request.headers.authorization) })
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      const token = Buffer.from(`AWS:${PUBLIC_PASSWORD}`).toString('base64')
      response.end(JSON.stringify({ authorizationData: { authorizationToken: token, expiresAt: Date.now() / 1000 + 3600 } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ecr-destinations-it-'))
  ;[moto, docker] = await Promise.all([startMoto(), startDocker()])
  ;[main, other, publicRegistry] = await Promise.all([
    startRegistry({ username: 'AWS', password: await passwordOf() }),
    startRegistry({ username: 'AWS', password: await passwordOf(OTHER_ACCOUNT, 'eu-west-1') }),
    startRegistry({ username: 'AWS', password: PUBLIC_PASSWORD }),
  ])
  ecrPublic = await startEcrPublicStandIn()
  app = join(work, 'app')
  await mkdir(app)
  await writeFile(join(app, 'Dockerfile'), `FROM ${docker.baseImage}\nCOPY app.txt /app.txt\n`)
  await writeFile(join(app, 'app.txt'), 'copied everywhere\n')
}, 180_000)

afterAll(async () => {
  await new Promise((resolve) => ecrPublic?.server.close(resolve))
  await Promise.all([main?.stop(), other?.stop(), publicRegistry?.stop(), docker?.stop(), moto?.stop()])
  if (work) await rm(work, { recursive: true, force: true })
})

async function build(name: string, sha: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  const runnerTemp = join(work, `${name}-temp`)
  await mkdir(runnerTemp, { recursive: true })
  return runAction('ecr-build-push', {
    cwd: app,
    timeoutMs: 180_000,
    env: {
      ...moto.env,
      ...docker.env,
      AWS_ENDPOINT_URL_ECR_PUBLIC: ecrPublic.endpoint,
      GITHUB_SHA: sha,
      RUNNER_TEMP: runnerTemp,
      DOCKER_CONFIG: join(work, 'no-user-docker-config'),
      ...env,
    },
    inputs: { registry: main.url, ...inputs },
  })
}

const otherUri = `${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/mirror/app`
const publicUri = 'public.ecr.aws/data-team/app'

describe('tag templates and also-push-to, against moto and real registries', () => {
  let released: ActionRun

  it('a release tag: semver tags beside the SHA, and the same digest copied to another account and to ECR Public', async () => {
    // A repository whose tags may move, as {{major}}.{{minor}} needs.
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'team/app', imageTagMutability: 'MUTABLE' }))
    released = await build(
      'release',
      SHA_A,
      {
        repository: 'team/app',
        tags: '{{semver}}\n{{major}}.{{minor}}',
        'also-push-to': `${otherUri} via ${other.url}\n${publicUri} via ${publicRegistry.url}`,
      },
      { GITHUB_REF: 'refs/tags/v1.4.2', GITHUB_EVENT_NAME: 'push' },
    )
    expect(released.failure).toBeUndefined()
    const digest = (await main.manifest('team/app', SHA_A))?.digest
    expect(digest).toMatch(/^sha256:/)
    expect(released.outputs.tags).toBe(`${SHA_A},1.4.2,1.4`)
    for (const tag of [SHA_A, '1.4.2', '1.4']) {
      expect((await main.manifest('team/app', tag))?.digest).toBe(digest)
      expect((await other.manifest('mirror/app', tag))?.digest).toBe(digest)
      expect((await publicRegistry.manifest('data-team/app', tag))?.digest).toBe(digest)
    }
    expect(released.outputs['image-refs']).toBe(
      [`${main.host}/team/app@${digest}`, `${other.host}/mirror/app@${digest}`, `${publicRegistry.host}/data-team/app@${digest}`].join(','),
    )
    expect(released.outputs.images?.split(',')).toHaveLength(9)
    expect(released.outputs.images).toContain(`${publicRegistry.host}/data-team/app:1.4`)
    // ECR Public's login is asked of ecr-public, in us-east-1 whatever the job's region.
    expect(ecrPublic.calls.map((call) => call.target)).toEqual(['SpencerFrontendService.GetAuthorizationToken'])
    expect(ecrPublic.calls[0]?.authorization).toMatch(/Credential=testing\/\d{8}\/us-east-1\/ecr-public\/aws4_request/)
    // Every registry password is masked and never printed.
    for (const password of [other.password, PUBLIC_PASSWORD]) {
      expect(released.masks).toContain(password)
      expect(released.visibleLog).not.toContain(password)
    }
    expect(released.summary).toContain(
      `| also pushed to | \`${other.host}/mirror/app@${digest}\`, \`${publicRegistry.host}/data-team/app@${digest}\` |`,
    )
    expect(released.visibleLog).toMatch(/Copied sha256:[0-9a-f]{64} to 127\.0\.0\.1:\d+\/mirror\/app \([1-9]\d* blob\(s\) sent, tagged /)
  })

  it('the same commit again: skipped, and nothing is sent to registries that already hold every tag', async () => {
    const run = await build(
      'release-again',
      SHA_A,
      { repository: 'team/app', tags: '{{semver}}', 'also-push-to': `${otherUri} via ${other.url}` },
      { GITHUB_REF: 'refs/tags/v1.4.2', GITHUB_EVENT_NAME: 'push' },
    )
    expect(run.failure).toBeUndefined()
    expect(run.outputs.skipped).toBe('true')
    expect(run.visibleLog).toContain(`(0 blob(s) sent, every tag already there)`)
    expect(run.outputs['image-refs']).toBe(
      `${main.host}/team/app@${released.outputs.digest},${other.host}/mirror/app@${released.outputs.digest}`,
    )
  })

  it('{{branch}} on a new (immutable) repository is refused before the repository is created or anything built', async () => {
    const run = await build(
      'branch',
      SHA_B,
      { repository: 'team/fresh', tags: '{{branch}}' },
      { GITHUB_REF: 'refs/heads/feature/login', GITHUB_EVENT_NAME: 'push' },
    )
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(
      /^Tag 'feature-login' \(from '\{\{branch\}\}'\) moves to a new image on later commits, but repository 'team\/fresh' keeps it immutable/,
    )
    await expect(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['team/fresh'] }))).rejects.toThrow(
      /RepositoryNotFound|does not exist/,
    )
    expect(await main.tags('team/fresh')).toEqual([])
  })

  it('a template the event cannot give, and a destination that is not an ECR URI, each fail in one line before any AWS call', async () => {
    const pr = await build(
      'pr-on-push',
      SHA_B,
      { repository: 'team/app', tags: 'pr-{{pr}}' },
      { GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push' },
    )
    expect(pr.exitCode).toBe(1)
    expect(pr.failure).toMatch(/^Input 'tags': '\{\{pr\}\}' in 'pr-\{\{pr\}\}' cannot be resolved on this push event/)
    const bad = await build('bad-destination', SHA_B, { repository: 'team/app', 'also-push-to': 'docker.io/library/app' })
    expect(bad.exitCode).toBe(1)
    expect(bad.failure).toMatch(/^Input 'also-push-to' must list ECR repository URIs, such as .*; got 'docker\.io\/library\/app'\.$/)
    expect(bad.visibleLog).not.toContain('Logged in')
    expect(await main.manifest('team/app', SHA_B)).toBeUndefined()
  })

  it('a blob larger than one chunk crosses in several PATCH requests and arrives whole, under its digest', async () => {
    const bytes = randomBytes(2_500_003)
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    const seen: string[] = []
    const countingFetch = ((input: string | URL | Request, init?: RequestInit) => {
      seen.push(init?.method ?? 'GET')
      return fetch(input, init)
    }) as typeof fetch
    const api = new RegistryApi({
      baseUrl: other.url,
      username: other.username,
      password: other.password,
      fetch: countingFetch,
      clock: systemClock,
    })
    expect(await api.hasBlob('chunks/test', digest)).toBe(false)
    await api.uploadBlob('chunks/test', digest, new Blob([bytes]).stream(), 1_000_000)
    expect(seen.filter((method) => method === 'PATCH')).toHaveLength(3)
    expect(await api.hasBlob('chunks/test', digest)).toBe(true)
    const back = Buffer.from(await new Response(await api.openBlob('chunks/test', digest)).arrayBuffer())
    expect(back.equals(bytes)).toBe(true)
  })
})
