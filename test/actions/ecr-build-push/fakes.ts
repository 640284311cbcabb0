import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
  type Repository,
} from '@aws-sdk/client-ecr'
import type { Deps } from '../../../actions/ecr-build-push/src/main'
import { run } from '../../../actions/ecr-build-push/src/main'
import { ManualClock } from '../../../lib/clock'
import type { Exec, ExecOptions, ExecResult } from '../../../lib/exec'
import { readRaw } from '../../../lib/inputs'
import { runnerLog } from '../../../lib/log'
import { type InProcessRun as KitRun, runInProcess } from '../../harness/in-process'

/**
 * In-process stand-ins for ECR, a registry and the builders, for unit tests
 * of run() that need exact control: which call fails, how, and when. The
 * integration tests run the same flows against the real services.
 */

export const PASSWORD = 'fake-ecr-password-0123456789'
export const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64')
export const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

type Handler = (input: Record<string, unknown>) => unknown

export const PUBLIC_PASSWORD = 'fake-ecr-public-password-9876543210'

/** ECR Public's client (ecr-public): one operation, GetAuthorizationToken, whose answer has a single authorizationData. */
export class FakeEcrPublic {
  readonly calls: Record<string, unknown>[] = []
  failure?: unknown
  async send(command: { input: Record<string, unknown> }): Promise<unknown> {
    this.calls.push(command.input)
    if (this.failure) throw this.failure
    return { authorizationData: { authorizationToken: Buffer.from(`AWS:${PUBLIC_PASSWORD}`).toString('base64'), expiresAt: new Date(0) } }
  }
}

/** An ECR client whose send() answers from an in-memory repository list, with errors queued per operation. */
export class FakeEcr {
  readonly repositories = new Map<string, Repository & { lifecycle?: string; tags?: unknown }>()
  readonly calls: { operation: string; input: Record<string, unknown> }[] = []
  private readonly failures = new Map<string, unknown[]>()

  fail(operation: string, ...errors: unknown[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors])
  }

  async send(command: { input: Record<string, unknown> }): Promise<unknown> {
    const operation = command.constructor.name.replace(/Command$/, '')
    this.calls.push({ operation, input: command.input })
    const queued = this.failures.get(operation)
    if (queued && queued.length > 0) throw queued.shift()
    const handler = this.handlers[operation]
    if (!handler) throw new Error(`FakeEcr: no handler for ${operation}`)
    return handler(command.input)
  }

  private readonly handlers: Record<string, Handler> = {
    [name(GetAuthorizationTokenCommand)]: () => ({
      authorizationData: [{ authorizationToken: TOKEN, proxyEndpoint: `https://${HOST}`, expiresAt: new Date(0) }],
    }),
    [name(DescribeRepositoriesCommand)]: (input) => {
      const repository = this.repositories.get((input.repositoryNames as string[])[0] as string)
      if (!repository) throw awsError('RepositoryNotFoundException', 400)
      return { repositories: [repository] }
    },
    [name(CreateRepositoryCommand)]: (input) => {
      const repository: Repository & { tags?: unknown } = {
        repositoryName: input.repositoryName as string,
        imageTagMutability: input.imageTagMutability as Repository['imageTagMutability'],
        tags: input.tags,
      }
      this.repositories.set(repository.repositoryName as string, repository)
      return { repository }
    },
    [name(PutLifecyclePolicyCommand)]: (input) => {
      const repository = this.repositories.get(input.repositoryName as string)
      if (repository) repository.lifecycle = input.lifecyclePolicyText as string
      return {}
    },
  }
}

function name(command: { name: string }): string {
  return command.name.replace(/Command$/, '')
}

export function awsError(code: string, status: number, message = `${code} from the fake`): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status } })
}

export interface StoredManifest {
  digest: string
  mediaType: string
  body: string
}

export function manifestOf(content: string, layerSize = 1000): StoredManifest {
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { size: 100, digest: `sha256:${sha(`config-${content}`)}` },
    layers: [{ size: layerSize, digest: `sha256:${sha(`layer-${content}`)}` }],
  })
  return { digest: `sha256:${sha(body)}`, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', body }
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export interface RegistryRequest {
  method: string
  path: string
  authorization?: string
}

/** A registry's manifest API over an in-memory map, as a fetch function. */
export class FakeRegistry {
  readonly manifests = new Map<string, StoredManifest>()
  readonly requests: RegistryRequest[] = []
  /** Statuses answered before the real handling, in order. */
  readonly statuses: number[] = []
  sendDigestHeader = true
  /** When set, Basic auth is refused and a Bearer token from this realm is required. */
  bearerRealm?: string

  constructor(readonly host = HOST) {}

  put(repository: string, tag: string, manifest: StoredManifest): void {
    this.manifests.set(`${repository}:${tag}`, manifest)
    this.manifests.set(`${repository}@${manifest.digest}`, manifest)
  }

  digest(repository: string, tag: string): string | undefined {
    return this.manifests.get(`${repository}:${tag}`)?.digest
  }

  readonly fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input))
    const method = init.method ?? 'GET'
    const headers = new Headers(init.headers)
    const authorization = headers.get('authorization') ?? undefined
    this.requests.push({ method, path: url.pathname + url.search, authorization })
    if (this.bearerRealm && url.href.startsWith(this.bearerRealm)) {
      if (authorization !== `Basic ${TOKEN}`) return new Response('{}', { status: 401 })
      return Response.json({ token: `bearer-for-${url.searchParams.get('scope')}` })
    }
    const status = this.statuses.shift()
    if (status !== undefined) return Response.json({ errors: [{ code: 'INJECTED', message: `status ${status}` }] }, { status })
    const expected = this.bearerRealm ? /^Bearer bearer-for-repository:/ : new RegExp(`^Basic ${TOKEN}$`)
    if (!authorization || !expected.test(authorization)) {
      const challenge = this.bearerRealm ? `Bearer realm="${this.bearerRealm}",service="fake"` : 'Basic realm="fake"'
      return Response.json(
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        { status: 401, headers: { 'www-authenticate': challenge } },
      )
    }
    const match = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname)
    if (!match) return new Response('not found', { status: 404 })
    const [, repository, reference] = match as unknown as [string, string, string]
    const key = reference.startsWith('sha256:') ? `${repository}@${reference}` : `${repository}:${reference}`
    if (method === 'PUT') {
      const body = Buffer.from(init.body as Uint8Array).toString('utf8')
      this.put(repository, reference, { digest: `sha256:${sha(body)}`, mediaType: headers.get('content-type') ?? '', body })
      return new Response(null, { status: 201 })
    }
    const manifest = this.manifests.get(key)
    if (!manifest) return Response.json({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }, { status: 404 })
    const responseHeaders: Record<string, string> = { 'content-type': manifest.mediaType }
    if (this.sendDigestHeader) responseHeaders['docker-content-digest'] = manifest.digest
    return new Response(method === 'HEAD' ? null : manifest.body, { status: 200, headers: responseHeaders })
  }) as typeof fetch
}

export type ExecHandler = (args: readonly string[], options: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>

/** Records every tool call and answers from per-tool handlers (default: success with no output). */
export class FakeExec {
  readonly calls: { command: string; args: readonly string[]; options: ExecOptions }[] = []
  readonly handlers = new Map<string, ExecHandler>()

  readonly exec: Exec = async (command, args, options = {}) => {
    this.calls.push({ command, args, options })
    const key = `${command} ${args[0] ?? ''}${args[0] === 'buildx' ? ` ${args[1]}` : ''}`
    const handler = this.handlers.get(key)
    const result = handler ? await handler(args, options) : {}
    return { exitCode: 0, stdout: '', stderr: '', ...result }
  }

  on(key: string, handler: ExecHandler): this {
    this.handlers.set(key, handler)
    return this
  }

  argsOf(key: string): (readonly string[])[] {
    return this.calls.filter((call) => `${call.command} ${call.args[0]}` === key).map((call) => call.args)
  }
}

/** Makes `docker push <ref>` and `buildah push … docker://<ref>` store an image in the fake registry. */
export function pushesInto(registry: FakeRegistry, fakeExec: FakeExec, options: { content?: string; host?: string } = {}): void {
  const { content = 'image', host = registry.host } = options
  const store = (reference: string) => {
    const [path, tag] = reference.slice(host.length + 1).split(':') as [string, string]
    const manifest = manifestOf(content)
    registry.put(path, tag, manifest)
    return manifest
  }
  fakeExec.on('docker push', (args) => {
    const manifest = store(args[1] as string)
    return { stdout: `${(args[1] as string).split(':').pop()}: digest: ${manifest.digest} size: 500\n` }
  })
  fakeExec.on('buildah push', async (args) => {
    const manifest = store((args[args.length - 1] as string).replace(/^docker:\/\//, ''))
    const digestFile = args[args.indexOf('--digestfile') + 1] as string
    await writeFile(digestFile, manifest.digest)
    return {}
  })
}

export interface InProcessRun extends KitRun<void> {
  exportedEnv: Record<string, string>
}

export interface Fixture {
  ecr: FakeEcr
  registry: FakeRegistry
  exec: FakeExec
  clock: ManualClock
  deps: Deps
  ecrPublic: FakeEcrPublic
  runnerTemp: string
  workspace: string
  cleanup(): Promise<void>
}

export async function fixture(env: NodeJS.ProcessEnv = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'ecr-build-push-unit-'))
  const runnerTemp = join(root, 'temp')
  const workspace = join(root, 'workspace')
  await mkdir(runnerTemp)
  await mkdir(workspace)
  const ecr = new FakeEcr()
  const ecrPublic = new FakeEcrPublic()
  const registry = new FakeRegistry()
  const fakeExec = new FakeExec()
  fakeExec.on('docker buildx version', () => ({ exitCode: 1, stderr: "docker: 'buildx' is not a docker command." }))
  const clock = new ManualClock(Date.parse('2026-01-02T03:04:05Z'))
  const deps: Deps = {
    exec: fakeExec.exec,
    fetch: registry.fetch,
    clock,
    random: () => 0.5,
    env: {
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'example-org/data-pipeline',
      RUNNER_TEMP: runnerTemp,
      // The runner always sets it; the build context must lie inside it.
      GITHUB_WORKSPACE: workspace,
      AWS_REGION: 'us-east-1',
      DOCKER_CONFIG: join(root, 'user-docker-config'),
      ...env,
    },
    ecr: () => ecr,
    ecrPublic: () => ecrPublic,
    log: runnerLog,
    read: readRaw,
  }
  return {
    ecr,
    ecrPublic,
    registry,
    exec: fakeExec,
    clock,
    deps,
    runnerTemp,
    workspace,
    cleanup: () => rm(root, { recursive: true, force: true }),
  }
}

/** run() in this process with the fixture's deps, as the runner would start it (test/harness/in-process). */
export async function runWith(deps: Deps, inputs: Record<string, string>): Promise<InProcessRun> {
  const result = await runInProcess(() => run(deps), { inputs })
  return { ...result, exportedEnv: result.env }
}
