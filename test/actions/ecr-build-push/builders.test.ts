import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BuildahBuilder } from '../../../actions/ecr-build-push/src/builders/buildah'
import {
  BuildxBuilder,
  ClassicDockerBuilder,
  dockerBuilder,
  withoutLegacyNotice,
} from '../../../actions/ecr-build-push/src/builders/docker'
import type { BuildRequest } from '../../../actions/ecr-build-push/src/builders/types'
import { explainPushFailure, isTransientRegistryFailure, pushWithRetry, ToolFailure } from '../../../actions/ecr-build-push/src/tool-output'
import { ManualClock } from '../../../lib/clock'
import { UserError } from '../../../lib/errors'
import { captureStdout } from '../../harness/capture'
import { FakeExec } from './fakes'

let temp: string
beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'builders-'))
})
afterEach(async () => {
  await rm(temp, { recursive: true, force: true })
})

const ref = 'registry.example.com/team/app'

function request(extra: Partial<BuildRequest> = {}): BuildRequest {
  return {
    context: 'ctx',
    buildArgs: new Map(),
    labels: new Map(),
    platforms: [],
    references: [`${ref}:sha`, `${ref}:v1`],
    dockerConfigDir: '/login',
    authFile: '/login/config.json',
    insecure: false,
    tempDir: temp,
    push: true,
    secretFiles: new Map(),
    attestations: { provenance: 'builder', sbom: false },
    ...extra,
  }
}

function deps(fake: FakeExec, clock = new ManualClock()) {
  return { exec: fake.exec, clock, random: () => 1, env: { PATH: '/bin' } }
}

describe('choosing the docker builder', () => {
  it.each([
    [0, 'docker buildx'],
    [1, 'docker (classic builder)'],
  ])('buildx version exiting %d gives %s', async (exitCode, description) => {
    const fake = new FakeExec().on('docker buildx version', () => ({ exitCode }))
    expect((await dockerBuilder(deps(fake))).description).toBe(description)
  })
})

describe('the classic docker builder', () => {
  it('warns that it has no registry cache, and refuses several platforms', async () => {
    const fake = new FakeExec().on('docker push', () => ({ stdout: `sha: digest: sha256:${'1'.repeat(64)} size: 1` }))
    const { result, commands } = await captureStdout(() =>
      new ClassicDockerBuilder(deps(fake)).buildAndPush(request({ cacheRepository: 'r/cache', platforms: ['linux/arm64'] })),
    )
    expect(result.digest).toBe(`sha256:${'1'.repeat(64)}`)
    expect(commands.annotations[0]?.message).toMatch(/^cache: the classic Docker builder cannot import or export a registry cache/)
    expect(fake.argsOf('docker build')[0]).toEqual(expect.arrayContaining(['--platform', 'linux/arm64']))
    await expect(new ClassicDockerBuilder(deps(fake)).buildAndPush(request({ platforms: ['linux/amd64', 'linux/arm64'] }))).rejects.toThrow(
      "Input 'platforms' lists 2 platforms, but the classic Docker builder builds one image per run.",
    )
  })

  it('refuses build secrets (it could only pass them as build arguments, which the image keeps), and pushes nothing with push false', async () => {
    const fake = new FakeExec()
    await expect(
      new ClassicDockerBuilder(deps(fake)).buildAndPush(request({ secretFiles: new Map([['token', '/private/secret-0']]) })),
    ).rejects.toThrow("Input 'build-secrets' needs BuildKit")
    expect(fake.calls).toEqual([])
    await new ClassicDockerBuilder(deps(fake)).buildAndPush(request({ push: false }))
    expect(fake.calls.map((call) => call.args[0])).toEqual(['build'])
  })

  it('strips the legacy-builder notice from a failure', () => {
    const stderr =
      'DEPRECATED: The legacy builder is deprecated.\n            Install the buildx component:\n            https://docs.docker.com/go/buildx/\n\nreal error\n'
    expect(withoutLegacyNotice(stderr)).toBe('real error\n')
    expect(withoutLegacyNotice('only an error')).toBe('only an error')
  })
})

describe('docker buildx', () => {
  it('builds and pushes in one command with ECR-compatible cache flags and reads the digest from the metadata file', async () => {
    const fake = new FakeExec().on('docker buildx build', async (args) => {
      await writeFile(args[args.indexOf('--metadata-file') + 1] as string, JSON.stringify({ 'containerimage.digest': 'sha256:abc' }))
      return {}
    })
    const builder = new BuildxBuilder(deps(fake))
    const result = await builder.buildAndPush(
      request({ cacheRepository: 'registry.example.com/team/app-build-cache', platforms: ['linux/amd64', 'linux/arm64'], insecure: true }),
    )
    expect(result.digest).toBe('sha256:abc')
    const [args] = fake.calls.filter((call) => call.args[1] === 'build').map((call) => call.args)
    expect(args).toEqual(
      expect.arrayContaining([
        '--output',
        'type=image,push=true,registry.insecure=true',
        '--platform',
        'linux/amd64,linux/arm64',
        '--cache-from',
        'type=registry,ref=registry.example.com/team/app-build-cache:buildx,registry.insecure=true',
        '--cache-to',
        'type=registry,ref=registry.example.com/team/app-build-cache:buildx,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,registry.insecure=true',
      ]),
    )
    expect(fake.calls[0]?.options.env).toMatchObject({ DOCKER_CONFIG: '/login' })
  })

  it('reruns after a throttled push, rebuilds without the cache when the cache fails, and reports a real build failure', async () => {
    const outcomes = [
      { exitCode: 1, stderr: 'ERROR: failed to push: unexpected status: 429 Too Many Requests' },
      { exitCode: 1, stderr: 'ERROR: failed to solve: error writing cache: denied' },
      {},
    ]
    const fake = new FakeExec().on('docker buildx build', () => outcomes.shift() ?? {})
    const clock = new ManualClock()
    const { result, commands } = await captureStdout(() =>
      new BuildxBuilder(deps(fake, clock)).buildAndPush(request({ cacheRepository: 'r/cache' })),
    )
    expect(result.digest).toBeUndefined()
    const withCache = fake.calls.map((call) => call.args.includes('--cache-to'))
    expect(withCache).toEqual([true, true, false])
    expect(clock.sleeps).toEqual([2000])
    expect(commands.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^docker buildx build --push failed on attempt 1 \(ERROR: failed to push: unexpected status: 429 Too Many Requests\); retrying in 2.0 s\.$/,
      ),
      expect.stringMatching(
        /^The registry build cache failed, so the image is built again without it: ERROR: failed to solve: error writing cache: denied$/,
      ),
    ])

    const broken = new FakeExec().on('docker buildx build', () => ({
      exitCode: 1,
      stdout: '#5 [2/2] RUN false',
      stderr: 'ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1',
    }))
    await expect(new BuildxBuilder(deps(broken)).buildAndPush(request())).rejects.toThrow(
      'The image build failed (docker buildx build exited 1). Last lines of its output:\n#5 [2/2] RUN false\nERROR: process',
    )
  })
})

describe('buildah', () => {
  it('a failing cache is retried without it; a failing build reports its last lines', async () => {
    const builds = [{ exitCode: 125, stderr: 'Error: failed pushing cache to {{{"r" "c"}}}: 500' }, {}]
    const fake = new FakeExec().on('buildah build', () => builds.shift() ?? {})
    const { commands } = await captureStdout(() => new BuildahBuilder(deps(fake)).buildAndPush(request({ cacheRepository: 'r/cache' })))
    expect(fake.argsOf('buildah build').map((args) => args.includes('--cache-to'))).toEqual([true, false])
    expect(commands.annotations[0]?.message).toMatch(/^The registry build cache failed/)

    const broken = new FakeExec().on('buildah build', () => ({
      exitCode: 1,
      stderr: 'STEP 2/2: RUN false\nerror building at STEP "RUN false": exit status 1',
    }))
    await expect(new BuildahBuilder(deps(broken)).buildAndPush(request({ cacheRepository: 'r/cache' }))).rejects.toThrow(
      /^The image build failed \(buildah build exited 1\)\. Last lines of its output:\nSTEP 2\/2: RUN false\nerror building at STEP/,
    )
    expect(broken.argsOf('buildah build')).toHaveLength(1)
  })

  it('passes build secrets by file path, never by value, and pushes nothing with push false', async () => {
    const fake = new FakeExec()
    await new BuildahBuilder(deps(fake)).buildAndPush(request({ push: false, secretFiles: new Map([['token', '/private/secret-0']]) }))
    expect(fake.calls.map((call) => call.args[0])).toEqual(['build'])
    expect(fake.argsOf('buildah build')[0]).toEqual(expect.arrayContaining(['--secret', 'id=token,src=/private/secret-0']))
  })

  it('needs a reference to push', async () => {
    await expect(new BuildahBuilder(deps(new FakeExec())).buildAndPush(request({ references: [] }))).rejects.toThrow(
      'buildah push needs at least one reference',
    )
  })
})

describe('push retries and failures', () => {
  it.each([
    ['toomanyrequests: Rate exceeded', true],
    ['received unexpected HTTP status: 503 Service Unavailable', true],
    ['read: connection reset by peer', true],
    ['denied: User is not authorized to perform ecr:InitiateLayerUpload', false],
    ['manifest invalid', false],
  ])('%s is transient: %s', (output, transient) => {
    expect(isTransientRegistryFailure(output)).toBe(transient)
  })

  it('retries transient failures up to the limit, then explains the last', async () => {
    const clock = new ManualClock()
    let calls = 0
    const failing = async () => {
      calls++
      return { exitCode: 1, stdout: '', stderr: 'received unexpected HTTP status: 500 Internal Server Error' }
    }
    const { result } = await captureStdout(() =>
      pushWithRetry('docker push x', failing, { clock, random: () => 1, maxAttempts: 3 }).catch((e: unknown) => e),
    )
    expect(calls).toBe(3)
    expect(clock.sleeps).toEqual([2000, 4000])
    expect(result).toBeInstanceOf(UserError)
    expect((result as Error).message).toBe(
      'docker push x failed (exit 1). Last lines of its output:\nreceived unexpected HTTP status: 500 Internal Server Error',
    )
  })

  it.each([
    [
      "tag invalid: The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the repository is immutable.",
      /^docker push x was refused: the tag already exists in an immutable repository/,
    ],
    ['denied: Your authorization token has expired. Reauthenticate and try again.', /^docker push x was refused by the registry: denied/],
  ])('explains %s', (stderr, message) => {
    const error = explainPushFailure('docker push x', new ToolFailure('docker push x', { exitCode: 1, stdout: '', stderr }))
    expect(error.message).toMatch(message)
    expect(error.hint).toBeTruthy()
  })

  it('does not retry when the tool cannot start', async () => {
    const boom = new UserError("Cannot run 'docker': it is not installed or not on PATH.")
    await expect(
      pushWithRetry(
        'docker push x',
        async () => {
          throw boom
        },
        { clock: new ManualClock() },
      ),
    ).rejects.toBe(boom)
  })
})

describe('attestations (provenance, sbom)', () => {
  it.each([
    [{ provenance: 'builder', sbom: false }, []],
    [{ provenance: 'false', sbom: false }, ['--provenance=false']],
    [{ provenance: 'min', sbom: false }, ['--provenance=mode=min']],
    [{ provenance: 'max', sbom: true }, ['--provenance=mode=max', '--sbom=true']],
  ] as const)('%o gives buildx %o', async (attestations, flags) => {
    const fake = new FakeExec()
    await new BuildxBuilder(deps(fake)).buildAndPush(request({ attestations }))
    const args = fake.calls[0]?.args ?? []
    expect(args.filter((arg) => /^--(provenance|sbom)/.test(arg))).toEqual(flags)
  })

  it.each([
    ['the classic builder', (fake: FakeExec) => new ClassicDockerBuilder(deps(fake))],
    ['buildah', (fake: FakeExec) => new BuildahBuilder(deps(fake))],
  ])('%s refuses provenance min/max and sbom before building, and builds with provenance false or the default', async (_name, make) => {
    const fake = new FakeExec()
    await expect(make(fake).buildAndPush(request({ attestations: { provenance: 'max', sbom: false } }))).rejects.toThrow(
      /^Input 'provenance' \(provenance: max\) needs BuildKit attestations, which (the classic Docker builder|buildah) cannot make\.$/,
    )
    await expect(make(fake).buildAndPush(request({ attestations: { provenance: 'builder', sbom: true } }))).rejects.toThrow(
      /^Input 'sbom' \(sbom: true\) needs BuildKit attestations/,
    )
    expect(fake.calls).toEqual([])
    await make(fake).buildAndPush(request({ push: false, attestations: { provenance: 'false', sbom: false } }))
    expect(fake.calls).toHaveLength(1)
  })
})
