import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Buildah, startBuildah } from '../../bench/buildah'
import { type BuildxBuilder, dockerConfigWithBuildx, setUpBuildx } from '../../bench/buildx'
import { type DockerEngine, startDocker } from '../../bench/docker'
import { type FaultProxy, startFaultProxy } from '../../bench/fault-proxy'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from '../../bench/moto'
import { type Registry, startRegistry } from '../../bench/registry'
import { type ActionRun, runAction } from '../../harness/runner'

/**
 * The committed bundle against the real bench: moto is the ECR control plane
 * (repositories, lifecycle, login token), Debian's docker-registry is the data
 * plane (its htpasswd user is the one moto's token decodes to, so the
 * credentials the action gets from ECR are the ones the registry checks), the
 * fault proxy sits between the builders and the registry, and Debian's Docker
 * engine and buildah build for real.
 */

const SHA_A = 'a'.repeat(40)
const SHA_B = 'b'.repeat(40)
const SHA_C = 'c'.repeat(40)
const KMS_KEY = `arn:aws:kms:${BENCH_REGION}:${MOTO_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`

let moto: Moto
let docker: DockerEngine
let buildah: Buildah
let registry: Registry
let proxy: FaultProxy
let work: string
let token: { encoded: string; username: string; password: string }

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ecr-build-push-it-'))
  ;[moto, docker, buildah] = await Promise.all([startMoto(), startDocker(), startBuildah()])
  const ecr = new ECRClient({
    region: BENCH_REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  })
  const encoded = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
  const [username = '', password = ''] = Buffer.from(encoded, 'base64').toString('utf8').split(':')
  token = { encoded, username, password }
  registry = await startRegistry({ username, password })
  proxy = await startFaultProxy(registry.url)
})

afterAll(async () => {
  await Promise.all([proxy?.stop(), registry?.stop(), docker?.stop(), buildah?.stop(), moto?.stop()])
  if (work) await rm(work, { recursive: true, force: true })
})

const ecr = () =>
  new ECRClient({ region: BENCH_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })

async function workspace(name: string, dockerfile: string): Promise<string> {
  const dir = join(work, name)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'Dockerfile'), dockerfile)
  await writeFile(join(dir, 'app.txt'), `${name}\n`)
  return dir
}

interface Run {
  run: ActionRun
  runnerTemp: string
}

async function build(
  name: string,
  options: { sha: string; cwd: string; inputs?: Record<string, string>; userDockerConfig?: string },
): Promise<Run> {
  const runnerTemp = join(work, `${name}-temp`)
  await mkdir(runnerTemp, { recursive: true })
  const run = await runAction('ecr-build-push', {
    cwd: options.cwd,
    timeoutMs: 180_000,
    env: {
      ...moto.env,
      ...docker.env,
      ...buildah.env,
      GITHUB_SHA: options.sha,
      RUNNER_TEMP: runnerTemp,
      DOCKER_CONFIG: options.userDockerConfig ?? join(work, 'no-user-docker-config'),
    },
    inputs: { registry: proxy.endpoint, ...options.inputs },
  })
  return { run, runnerTemp }
}

/** A pull request's job: no credentials step ran, so no AWS variable at all (as on a fork's pull request). */
async function buildWithoutAws(
  name: string,
  options: { sha: string; cwd: string; inputs: Record<string, string>; userDockerConfig?: string },
): Promise<ActionRun> {
  const runnerTemp = join(work, `${name}-temp`)
  await mkdir(runnerTemp, { recursive: true })
  return runAction('ecr-build-push', {
    cwd: options.cwd,
    timeoutMs: 180_000,
    env: {
      ...docker.env,
      ...buildah.env,
      GITHUB_SHA: options.sha,
      RUNNER_TEMP: runnerTemp,
      DOCKER_CONFIG: options.userDockerConfig ?? join(work, 'no-user-docker-config'),
    },
    inputs: options.inputs,
  })
}

function expectNoSecret(run: ActionRun): void {
  expect(run.masks).toEqual(expect.arrayContaining([token.encoded, token.password]))
  expect(run.visibleLog).not.toContain(token.password)
  expect(run.visibleLog).not.toContain(token.encoded)
  expect(run.post?.exitCode).toBe(0)
}

const manifestPuts = () => proxy.calls.filter((call) => call.method === 'PUT' && call.path.includes('/manifests/'))

describe('ecr-build-push through the runner, with docker', () => {
  let app: string
  let first: Run

  beforeAll(async () => {
    app = await workspace('app', `FROM ${docker.baseImage}\nARG GREETING\nCOPY app.txt /app.txt\nRUN echo "$GREETING" > /greeting\n`)
  })

  it('first run: creates the repository as asked, builds, pushes, and reports the digest the registry has', async () => {
    proxy.clear()
    first = await build('first', {
      sha: SHA_A,
      cwd: app,
      inputs: {
        repository: 'team/app',
        tags: 'release-1',
        'kms-key': KMS_KEY,
        'keep-images': '7',
        'repository-tags': 'team=data\ncost-center=42',
        'build-args': 'GREETING=hello from the build',
        platforms: 'linux/amd64',
      },
    })
    const { run } = first
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    const host = new URL(proxy.endpoint).host
    const manifest = await registry.manifest('team/app', SHA_A)
    expect(manifest?.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.outputs).toEqual({
      registry: host,
      image: `${host}/team/app:${SHA_A}`,
      digest: manifest?.digest,
      'image-ref': `${host}/team/app@${manifest?.digest}`,
      tags: `${SHA_A},release-1`,
      skipped: 'false',
      pushed: 'true',
      'image-refs': `${host}/team/app@${manifest?.digest}`,
      images: `${host}/team/app:${SHA_A},${host}/team/app:release-1`,
    })
    expect((await registry.manifest('team/app', 'release-1'))?.digest).toBe(manifest?.digest)

    const [repository] = (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['team/app'] }))).repositories ?? []
    expect(repository).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KMS_KEY },
    })
    const { tags } = await ecr().send(new ListTagsForResourceCommand({ resourceArn: repository?.repositoryArn }))
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'data' },
        { Key: 'cost-center', Value: '42' },
      ]),
    )
    const policy = await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: 'team/app' }))
    expect(JSON.parse(policy.lifecyclePolicyText ?? '{}').rules[0].selection).toEqual({
      tagStatus: 'any',
      countType: 'imageCountMoreThan',
      countNumber: 7,
    })

    // The OCI labels reached the image.
    const config = JSON.parse(manifest?.body ?? '{}').config.digest as string
    const blob = await fetch(`${registry.url}/v2/team/app/blobs/${config}`, {
      headers: { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` },
    })
    const labels = ((await blob.json()) as { config: { Labels: Record<string, string> } }).config.Labels
    expect(labels).toMatchObject({
      'org.opencontainers.image.revision': SHA_A,
      'org.opencontainers.image.source': 'https://github.com/example-org/data-pipeline',
    })

    // The build argument reached the RUN step: the image says so.
    const greeting = await docker.docker(['run', '--rm', '--network', 'none', `${host}/team/app:${SHA_A}`, 'cat', '/greeting'])
    expect(greeting.stdout.trim()).toBe('hello from the build')

    expect(run.summary).toContain(`\`${manifest?.digest}\``)
    expect(run.summary).toMatch(/built with docker \(classic builder\) and pushed/)
    expect(run.summary).toMatch(/size \(compressed\) \| \d+(\.\d)? (KiB|MiB)/)
    expectNoSecret(run)
    expect(run.exportedEnv.DOCKER_CONFIG).toBeUndefined()
    expect(run.state['docker-config']?.startsWith(first.runnerTemp)).toBe(true)
    expect(existsSync(run.state['docker-config'] as string)).toBe(false)
    expect(run.post?.stdout).toContain('Removed the registry login.')
  })

  it('second run with the same commit: skipped, nothing built or pushed, the new tag added by the registry API', async () => {
    proxy.clear()
    const { run } = await build('second', { sha: SHA_A, cwd: app, inputs: { repository: 'team/app', tags: 'release-1\nstable' } })
    expect(run.failure).toBeUndefined()
    expect(run.outputs.skipped).toBe('true')
    expect(run.outputs.digest).toBe(first.run.outputs.digest)
    expect(run.visibleLog).not.toMatch(/Building |Step 1\/|docker push/)
    // Only the new tag was written: the same manifest bytes under a new name.
    expect(manifestPuts().map((call) => call.path)).toEqual(['/v2/team/app/manifests/stable'])
    expect((await registry.manifest('team/app', 'stable'))?.digest).toBe(first.run.outputs.digest)
    expect(run.summary).toMatch(/skipped: the commit's tag was already in the registry; tagged stable/)
    expectNoSecret(run)
  })

  it('a new commit under an existing immutable tag fails clearly, before building', async () => {
    proxy.clear()
    await writeFile(join(app, 'app.txt'), 'changed\n')
    const { run } = await build('immutable', { sha: SHA_B, cwd: app, inputs: { repository: 'team/app', tags: 'release-1' } })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toContain(`Tag 'release-1' (${first.run.outputs.digest}) already exists in immutable repository 'team/app'`)
    expect(run.failure).toContain('an immutable tag cannot be moved')
    expect(run.visibleLog).not.toMatch(/Step 1\//)
    expect(manifestPuts()).toEqual([])
    expect(await registry.manifest('team/app', SHA_B)).toBeUndefined()
    expectNoSecret(run)
  })

  it('a broken Dockerfile fails with the last lines of the build error, and no secret in any log', async () => {
    const broken = await workspace('broken', `FROM ${docker.baseImage}\nRUN echo about-to-fail && exit 3\n`)
    const { run } = await build('broken', { sha: SHA_B, cwd: broken, inputs: { repository: 'team/broken' } })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^The image build failed \(docker build exited 3\)\. Last lines of its output:\n/)
    expect(run.failure).not.toContain('DEPRECATED')
    expect(run.failure).toContain('about-to-fail')
    expect(run.failure).toMatch(/returned a non-zero code: 3/)
    expect(run.visibleLog).not.toMatch(/\n\s+at\s/)
    expectNoSecret(run)
  })

  it('the registry answering 429 twice is survived: the push is retried with backoff', async () => {
    proxy.clear()
    proxy.inject({
      match: (call) => call.method === 'PUT' && call.path.includes('/manifests/'),
      times: 2,
      fault: { type: 'respond', status: 429, body: { errors: [{ code: 'TOOMANYREQUESTS', message: 'Rate exceeded' }] } },
    })
    const { run } = await build('throttled', { sha: SHA_C, cwd: app, inputs: { repository: 'team/app' } })
    expect(run.failure).toBeUndefined()
    expect(run.outputs.skipped).toBe('false')
    expect(manifestPuts().map((call) => call.fault)).toEqual(['respond', 'respond', undefined])
    const retries = run.annotations.filter((annotation) => annotation.level === 'warning' && /retrying in/.test(annotation.message))
    expect(retries).toHaveLength(2)
    expect(retries[0]?.message).toMatch(/toomanyrequests: Rate exceeded/)
    expect((await registry.manifest('team/app', SHA_C))?.digest).toBe(run.outputs.digest)
    expectNoSecret(run)
  })

  it('push: false builds with no AWS credentials or region and sends nothing to any registry', async () => {
    proxy.clear()
    // No AWS variable reaches the step: any ECR call would fail for want of a region and credentials.
    const run = await buildWithoutAws('pr-classic', {
      sha: SHA_B,
      cwd: app,
      inputs: { repository: 'team/app', tags: 'pr-7', push: 'false', cache: 'true' },
    })
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toEqual({
      registry: '',
      image: `team/app:${SHA_B}`,
      digest: '',
      'image-ref': '',
      tags: `${SHA_B},pr-7`,
      skipped: 'false',
      pushed: 'false',
      'image-refs': '',
      images: '',
    })
    expect(proxy.calls).toEqual([])
    expect(await registry.manifest('team/app', SHA_B)).toBeUndefined()
    // The image is in the engine under its local names only, built from this commit's files.
    const built = await docker.docker(['run', '--rm', '--network', 'none', `team/app:pr-7`, 'cat', '/app.txt'])
    expect(built.stdout.trim()).toBe('changed')
    expect(run.summary).toMatch(/built with docker \(classic builder\); not pushed \(push: false\)/)
    expect(run.state['docker-config']).toBeUndefined()
    expect(run.post?.exitCode).toBe(0)
  })

  it('push: false still fails the check on a broken Dockerfile', async () => {
    const broken = await workspace('broken-pr', `FROM ${docker.baseImage}\nRUN echo pr-build-fails && exit 4\n`)
    const run = await buildWithoutAws('broken-pr', { sha: SHA_B, cwd: broken, inputs: { repository: 'team/broken', push: 'false' } })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^The image build failed \(docker build exited 4\)/)
    expect(run.failure).toContain('pr-build-fails')
  })
})

describe('ecr-build-push through the runner, with buildah', () => {
  let app: string

  beforeAll(async () => {
    app = await workspace('buildah-app', `FROM ${buildah.baseImage}\nCOPY app.txt /app.txt\nRUN echo built-by-buildah > /built\n`)
  })

  it('builds and pushes with a registry cache in its own mutable repository, and keeps the login when asked', async () => {
    proxy.clear()
    const { run, runnerTemp } = await build('buildah-first', {
      sha: SHA_A,
      cwd: app,
      inputs: { repository: 'team/worker', builder: 'buildah', cache: 'true', 'keep-login': 'true' },
    })
    expect(run.failure).toBeUndefined()
    expect(run.outputs.digest).toBe((await registry.manifest('team/worker', SHA_A))?.digest)
    expect(await registry.tags('team/worker-build-cache')).not.toEqual([])
    const [cacheRepository] =
      (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['team/worker-build-cache'] }))).repositories ?? []
    expect(cacheRepository?.imageTagMutability).toBe('MUTABLE')
    expect(run.summary).toMatch(/built with buildah and pushed/)

    const kept = run.exportedEnv.DOCKER_CONFIG as string
    expect(kept.startsWith(runnerTemp)).toBe(true)
    expect(run.exportedEnv.REGISTRY_AUTH_FILE).toBe(join(kept, 'config.json'))
    expect((await stat(join(kept, 'config.json'))).mode & 0o777).toBe(0o600)
    const config = JSON.parse(await readFile(join(kept, 'config.json'), 'utf8'))
    expect(config.auths[new URL(proxy.endpoint).host].auth).toBe(token.encoded)
    expect(run.post?.stdout).toContain('keep-login is true')
    expectNoSecret(run)
  })

  it('a failing cache is a warning: the image is built without it and pushed', async () => {
    proxy.clear()
    proxy.inject({
      match: (call) => call.path.startsWith('/v2/team/worker-build-cache/') && call.method !== 'GET' && call.method !== 'HEAD',
      times: 1000,
      fault: { type: 'respond', status: 500, body: { errors: [{ code: 'UNKNOWN', message: 'cache store down' }] } },
    })
    await writeFile(join(app, 'app.txt'), 'new content for the cache to miss\n')
    const { run } = await build('buildah-cache-down', {
      sha: SHA_B,
      cwd: app,
      inputs: { repository: 'team/worker', builder: 'buildah', cache: 'true' },
    })
    expect(run.failure).toBeUndefined()
    expect(run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message)).toEqual([
      expect.stringMatching(/^The registry build cache failed, so the image is built again without it: .*cache/),
    ])
    expect(run.outputs.digest).toBe((await registry.manifest('team/worker', SHA_B))?.digest)
    expectNoSecret(run)
  })
})

describe('ecr-build-push through the runner, with docker buildx', () => {
  let app: string
  let userDockerConfig: string

  beforeAll(async () => {
    // No RUN step: BuildKit runs RUN on Docker's bridge network, and the bench's engine has none (--bridge=none).
    app = await workspace('buildx-app', `FROM ${docker.baseImage}\nCOPY app.txt /app.txt\n`)
    // buildx installed the way docker/setup-buildx-action leaves it: a CLI plugin in the user's Docker config folder.
    userDockerConfig = await dockerConfigWithBuildx(join(work, 'buildx-user-docker-config'))
  })

  it('builds and pushes with buildx found through the user config folder, reporting the digest the registry has', async () => {
    proxy.clear()
    const { run } = await build('buildx-first', {
      sha: SHA_A,
      cwd: app,
      inputs: { repository: 'team/bx', cache: 'true', platforms: 'linux/amd64' },
      userDockerConfig,
    })
    expect(run.failure).toBeUndefined()
    expect(run.outputs.digest).toBe((await registry.manifest('team/bx', SHA_A))?.digest)
    expect(run.summary).toMatch(/built with docker buildx/)
    // No builder was set up, so buildx uses the engine's own ("docker" driver), which refuses to export a cache:
    // the step says so, with the fix, and builds without one.
    expect(run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message)).toEqual([
      'The registry build cache failed, so the image is built again without it: ERROR: failed to build: Cache export is not supported for the docker driver. buildx\'s default "docker" driver keeps no registry cache: run docker/setup-buildx-action before this step, whose docker-container builder does.',
    ])
    expect(await registry.tags('team/bx-build-cache')).toEqual([])
    expectNoSecret(run)
  })
})

describe('ecr-build-push through the runner, with buildx on a BuildKit builder (as docker/setup-buildx-action leaves it)', () => {
  let buildx: BuildxBuilder
  let app: string

  beforeAll(async () => {
    // The base image goes through the proxy with the login the action gets, so BuildKit pulls it with the action's.
    buildx = await setUpBuildx(docker, { host: new URL(proxy.endpoint).host, username: token.username, password: token.password })
    app = await workspace('buildkit-app', `FROM ${buildx.baseImage}\nCOPY app.txt /app.txt\nRUN echo built-by-buildkit > /built\n`)
  }, 180_000)

  afterAll(async () => {
    await buildx?.stop()
  })

  it('exports the registry cache to its own repository with the flags ECR accepts, and a later build imports it', async () => {
    proxy.clear()
    const inputs = { repository: 'team/bk', cache: 'true' }
    const first = await build('buildkit-first', { sha: SHA_A, cwd: app, inputs, userDockerConfig: buildx.dockerConfig })
    expect(first.run.failure).toBeUndefined()
    expect(first.run.annotations.filter((annotation) => annotation.level === 'warning')).toEqual([])
    expect(first.run.outputs.digest).toBe((await registry.manifest('team/bk', SHA_A))?.digest)
    // image-manifest=true, oci-mediatypes=true: the cache is an OCI image manifest, the only kind ECR stores.
    const cache = await registry.manifest('team/bk-build-cache', 'buildx')
    expect(cache?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')

    proxy.clear()
    const second = await build('buildkit-second', { sha: SHA_B, cwd: app, inputs, userDockerConfig: buildx.dockerConfig })
    expect(second.run.failure).toBeUndefined()
    // Imported from the registry, not only from the builder's local cache: the tag resolved, its config fetched.
    const cacheCalls = proxy.calls.map((call) => `${call.method} ${call.path}`).filter((line) => line.includes('/team/bk-build-cache/'))
    expect(cacheCalls).toContain('HEAD /v2/team/bk-build-cache/manifests/buildx')
    expect(cacheCalls.some((line) => line.startsWith('GET /v2/team/bk-build-cache/blobs/sha256:'))).toBe(true)
    expect(second.run.visibleLog).toContain(`importing cache manifest from ${new URL(proxy.endpoint).host}/team/bk-build-cache:buildx`)
    expect(second.run.visibleLog).toMatch(/RUN echo built-by-buildkit > \/built\n#\d+ CACHED/)
    expect(second.run.outputs.digest).toBe((await registry.manifest('team/bk', SHA_B))?.digest)
    expectNoSecret(second.run)
  })

  it('passes build secrets as BuildKit secrets: the RUN step reads them, no log, argument or layer holds them', async () => {
    proxy.clear()
    const secret = 'pip-index-t0ken,with=odd chars'
    const secretApp = await workspace(
      'buildkit-secret-app',
      `FROM ${buildx.baseImage}\nRUN --mount=type=secret,id=index_token wc -c < /run/secrets/index_token > /secret-length && ls /run/secrets > /mounted\nRUN ls /run/secrets > /after 2>&1 || true\n`,
    )
    const { run } = await build('buildkit-secret', {
      sha: SHA_A,
      cwd: secretApp,
      inputs: { repository: 'team/secret', 'build-secrets': `index_token=${secret}` },
      userDockerConfig: buildx.dockerConfig,
    })
    expect(run.failure).toBeUndefined()
    expect(run.masks).toContain(secret)
    expect(run.visibleLog).not.toContain(secret)
    type Manifest = {
      config: { digest: string }
      layers: { digest: string }[]
      manifests?: { digest: string; platform?: { os: string } }[]
    }
    let manifest = JSON.parse((await registry.manifest('team/secret', SHA_A))?.body ?? '{}') as Manifest
    // buildx pushes an index (the image beside its provenance attestation): follow it to the image itself.
    const image = manifest.manifests?.find((entry) => entry.platform?.os !== 'unknown')
    if (image) manifest = JSON.parse((await registry.manifest('team/secret', image.digest))?.body ?? '{}') as Manifest
    const auth = { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` }
    const blob = async (digest: string) =>
      Buffer.from(await (await fetch(`${registry.url}/v2/team/secret/blobs/${digest}`, { headers: auth })).arrayBuffer())
    // The image's files: the RUN step saw the secret (its length), the next RUN step no longer had it mounted.
    const files = new Map<string, string>()
    for (const layer of manifest.layers) {
      const tar = gunzipSync(await blob(layer.digest))
      expect(tar.includes(Buffer.from(secret))).toBe(false)
      for (const [name, content] of tarEntries(tar)) files.set(name, content)
    }
    expect(files.get('secret-length')?.trim()).toBe(String(Buffer.byteLength(secret)))
    expect(files.get('mounted')?.trim()).toBe('index_token')
    expect(files.get('after')).not.toContain('index_token')
    // Nor the image's configuration and history (where a build argument would be).
    expect((await blob(manifest.config.digest)).includes(Buffer.from(secret))).toBe(false)
  })

  it('push: false builds on the BuildKit builder, pulling the base image with the user login, and writes nothing to the registry', async () => {
    proxy.clear()
    // The user's own login to the base image's registry (what `docker login` leaves): the action makes none with push false.
    const userConfig = join(buildx.dockerConfig, 'config.json')
    await writeFile(userConfig, JSON.stringify({ auths: { [new URL(proxy.endpoint).host]: { auth: token.encoded } } }), { mode: 0o600 })
    const run = await buildWithoutAws('buildkit-pr', {
      sha: SHA_C,
      cwd: app,
      inputs: { repository: 'team/bk', push: 'false' },
      userDockerConfig: buildx.dockerConfig,
    }).finally(() => rm(userConfig, { force: true }))
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toMatchObject({ registry: '', image: `team/bk:${SHA_C}`, 'image-ref': '', pushed: 'false', skipped: 'false' })
    // buildx reports the digest of the image it built, though nothing was pushed.
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(proxy.calls.filter((call) => !['GET', 'HEAD'].includes(call.method))).toEqual([])
    expect(await registry.manifest('team/bk', SHA_C)).toBeUndefined()
    expect(run.summary).toMatch(/built with docker buildx; not pushed \(push: false\)/)
  })
})

/** The regular files of an uncompressed tar archive (ustar headers), by path without a leading './'. */
function tarEntries(tar: Buffer): [string, string][] {
  const entries: [string, string][] = []
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '')
    if (name === '') break
    const size = Number.parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString('utf8')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    )
    const type = String.fromCharCode(tar[offset + 156] ?? 0)
    if (type === '0' || type === '\0')
      entries.push([name.replace(/^\.\//, ''), tar.subarray(offset + 512, offset + 512 + size).toString('utf8')])
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return entries
}
