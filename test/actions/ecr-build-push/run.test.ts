import { existsSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ECRClient } from '@aws-sdk/client-ecr'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultDeps } from '../../../actions/ecr-build-push/src/main'
import { systemClock } from '../../../lib/clock'
import { awsError, type Fixture, fixture, HOST, manifestOf, PASSWORD, pushesInto, runWith, TOKEN } from './fakes'

const SHA = 'f'.repeat(40)
const URI = `${HOST}/team/app`

let f: Fixture
beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => {
  await f.cleanup()
})

const inputs = (extra: Record<string, string> = {}) => ({ repository: 'team/app', context: f.workspace, ...extra })

function expectMasked(run: { commands: { masks: string[] }; stdout: string }): void {
  expect(run.commands.masks).toEqual(expect.arrayContaining([TOKEN, PASSWORD]))
  const visible = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  expect(visible).not.toContain(PASSWORD)
  expect(visible).not.toContain(TOKEN)
}

describe('run() with the classic docker builder', () => {
  it('creates the repository, builds, pushes every tag, and reports what the registry holds', async () => {
    pushesInto(f.registry, f.exec)
    const run = await runWith(
      f.deps,
      inputs({ tags: 'latest-main\nv1', 'build-args': 'A=1', labels: 'team=data', 'repository-tags': 'k=v' }),
    )
    expect(run.failure).toBeUndefined()
    const digest = f.registry.digest('team/app', SHA)
    expect(run.outputs).toEqual({
      registry: HOST,
      image: `${URI}:${SHA}`,
      digest,
      'image-ref': `${URI}@${digest}`,
      tags: `${SHA},latest-main,v1`,
      skipped: 'false',
      pushed: 'true',
      'image-refs': `${URI}@${digest}`,
      images: `${URI}:${SHA},${URI}:latest-main,${URI}:v1`,
    })
    expect(f.ecr.calls.map((call) => call.operation)).toEqual([
      'GetAuthorizationToken',
      'DescribeRepositories',
      'CreateRepository',
      'PutLifecyclePolicy',
    ])
    expect(f.ecr.calls[2]?.input).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
      tags: [{ Key: 'k', Value: 'v' }],
    })
    const [build] = f.exec.argsOf('docker build')
    expect(build).toEqual([
      'build',
      '--build-arg',
      'A=1',
      '--label',
      'org.opencontainers.image.source=https://github.com/example-org/data-pipeline',
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.created=2026-01-02T03:04:05.000Z',
      '--label',
      'team=data',
      '--tag',
      `${URI}:${SHA}`,
      '--tag',
      `${URI}:latest-main`,
      '--tag',
      `${URI}:v1`,
      f.workspace,
    ])
    expect(f.exec.argsOf('docker push')).toEqual([
      ['push', `${URI}:${SHA}`],
      ['push', `${URI}:latest-main`],
      ['push', `${URI}:v1`],
    ])
    // Every docker call gets the private login folder and the classic builder.
    const loginDir = run.state['docker-config'] as string
    for (const call of f.exec.calls.filter((c) => c.command === 'docker' && c.args[0] !== 'buildx')) {
      expect(call.options.env).toMatchObject({ DOCKER_CONFIG: loginDir, DOCKER_BUILDKIT: '0' })
    }
    expect(loginDir.startsWith(f.runnerTemp)).toBe(true)
    expect((await stat(loginDir)).mode & 0o777).toBe(0o700)
    const config = JSON.parse(await readFile(join(loginDir, 'config.json'), 'utf8'))
    expect(config).toEqual({ auths: { [HOST]: { auth: TOKEN } } })
    expect(run.exportedEnv).toEqual({})
    expect(run.summary).toContain('built with docker (classic builder) and pushed')
    expect(run.summary).toContain('1.1 KiB')
    expectMasked(run)
  })

  it('skips the build when the commit tag exists, adding missing tags and moving mutable ones through the registry API', async () => {
    f.ecr.repositories.set('team/app', { repositoryName: 'team/app', imageTagMutability: 'MUTABLE' })
    const existing = manifestOf('old')
    f.registry.put('team/app', SHA, existing)
    f.registry.put('team/app', 'latest', manifestOf('older'))
    const run = await runWith(f.deps, inputs({ tags: 'latest\nnew' }))
    expect(run.failure).toBeUndefined()
    expect(run.outputs.skipped).toBe('true')
    expect(run.outputs.digest).toBe(existing.digest)
    expect(f.exec.calls.filter((call) => call.args[0] !== 'buildx')).toEqual([])
    expect(f.registry.digest('team/app', 'latest')).toBe(existing.digest)
    expect(f.registry.digest('team/app', 'new')).toBe(existing.digest)
    expect(run.stdout).toContain(`Moved tag latest from ${manifestOf('older').digest} to ${existing.digest}.`)
    expect(run.summary).toContain('skipped: the commit')
    expect(run.summary).toContain('team/app (existing, mutable tags)')
    expect(f.ecr.calls.map((call) => call.operation)).toEqual(['GetAuthorizationToken', 'DescribeRepositories'])
  })

  it('fails before building when an immutable tag would have to move', async () => {
    f.ecr.repositories.set('team/app', { repositoryName: 'team/app', imageTagMutability: 'IMMUTABLE' })
    f.registry.put('team/app', SHA, manifestOf('this-commit'))
    f.registry.put('team/app', 'stable', manifestOf('another'))
    const run = await runWith(f.deps, inputs({ tags: 'stable' }))
    expect(run.exitCode).toBe(1)
    expect(run.failure).toContain(
      `Tag 'stable' (${manifestOf('another').digest}) already exists in immutable repository 'team/app' with other content`,
    )
    expect(f.registry.requests.filter((request) => request.method === 'PUT')).toEqual([])
  })

  it('keeps the login for later steps when asked, merging the user Docker config', async () => {
    const userDir = f.deps.env.DOCKER_CONFIG as string
    await mkdir(join(userDir, 'cli-plugins'), { recursive: true })
    await writeFile(
      join(userDir, 'config.json'),
      JSON.stringify({
        auths: { 'ghcr.io': { auth: 'b3RoZXI6bG9naW4=' } },
        credsStore: 'desktop',
        credHelpers: { [HOST]: 'ecr-login', 'gcr.io': 'gcloud' },
      }),
    )
    pushesInto(f.registry, f.exec)
    const run = await runWith(f.deps, inputs({ 'keep-login': 'true' }))
    expect(run.failure).toBeUndefined()
    const dir = run.exportedEnv.DOCKER_CONFIG as string
    expect(run.exportedEnv.REGISTRY_AUTH_FILE).toBe(join(dir, 'config.json'))
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toEqual({
      auths: { 'ghcr.io': { auth: 'b3RoZXI6bG9naW4=' }, [HOST]: { auth: TOKEN } },
      credHelpers: { 'gcr.io': 'gcloud' },
    })
    expect(existsSync(join(dir, 'cli-plugins'))).toBe(true)
  })

  it('uses the registry input as the data-plane endpoint and another account as registry ID', async () => {
    const local = await fixture()
    try {
      local.registry.put('team/app', SHA, manifestOf('x'))
      const byEndpoint = await runWith(
        { ...local.deps, fetch: rewriteHost(local, 'http://127.0.0.1:5000') },
        {
          repository: 'team/app',
          context: local.workspace,
          registry: 'http://127.0.0.1:5000',
        },
      )
      expect(byEndpoint.failure).toBeUndefined()
      expect(byEndpoint.outputs.registry).toBe('127.0.0.1:5000')
      expect(byEndpoint.outputs['image-ref']).toBe(`127.0.0.1:5000/team/app@${manifestOf('x').digest}`)

      const byAccount = await runWith(local.deps, { repository: 'team/app', context: local.workspace, registry: '210987654321' })
      expect(byAccount.failure).toBeUndefined()
      expect(local.ecr.calls.filter((call) => call.operation === 'GetAuthorizationToken').at(-1)?.input).toEqual({
        registryIds: ['210987654321'],
      })
      expect(local.ecr.calls.filter((call) => call.operation === 'DescribeRepositories').at(-1)?.input).toMatchObject({
        registryId: '210987654321',
      })
    } finally {
      await local.cleanup()
    }
  })

  it.each([
    [
      'a missing repository when creation is off',
      { 'create-repository': 'false' },
      "ECR repository 'team/app' does not exist. Create it, or set 'create-repository: true'.",
    ],
    [
      'a context that is not a folder',
      // In the workspace: one outside it is refused before this check (test/actions/hostile/workspace.test.ts).
      { context: 'nonexistent/ctx' },
      "Input 'context' must be a folder in the workspace; 'nonexistent/ctx' is not one.",
    ],
    ['a bad repository name', { repository: 'Team/App' }, "Input 'repository' must be an ECR repository name"],
    ['a bad tag', { tags: '-bad' }, "Input 'tags' must list image tags"],
  ])('fails with one clear line on %s', async (_name, extra, message) => {
    const run = await runWith(f.deps, inputs(extra))
    expect(run.exitCode).toBe(1)
    expect(run.failure).toContain(message)
  })

  it('fails clearly when the push reports success but the registry lacks the tag', async () => {
    const run = await runWith(f.deps, inputs())
    expect(run.failure).toBe(`docker (classic builder) reported a successful push, but ${URI}:${SHA} is not in the registry.`)
  })

  it('retries a throttled ECR call and a throttled registry look-up, on the injected clock', async () => {
    f.ecr.fail('GetAuthorizationToken', awsError('ThrottlingException', 400))
    f.registry.statuses.push(429, 503)
    pushesInto(f.registry, f.exec)
    const run = await runWith(f.deps, inputs())
    expect(run.failure).toBeUndefined()
    expect(f.clock.sleeps).toEqual([500, 500, 1000])
  })

  it('warns when the builder and the registry disagree on the digest, and uses the registry', async () => {
    pushesInto(f.registry, f.exec)
    const push = f.exec.handlers.get('docker push')
    f.exec.on('docker push', async (args, options) => ({
      ...(await push?.(args, options)),
      stdout: `x: digest: sha256:${'0'.repeat(64)} size: 1`,
    }))
    const run = await runWith(f.deps, inputs())
    expect(run.outputs.digest).toBe(f.registry.digest('team/app', SHA))
    expect(run.commands.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/reported digest sha256:0+, the registry has sha256:/),
    ])
  })

  it('falls back to git for the commit when GITHUB_SHA is absent', async () => {
    f.deps.env.GITHUB_SHA = undefined
    f.exec.on('git rev-parse', () => ({ stdout: `${'e'.repeat(40)}\n` }))
    f.registry.put('team/app', 'e'.repeat(40), manifestOf('git'))
    const run = await runWith(f.deps, inputs())
    expect(run.outputs.image).toBe(`${URI}:${'e'.repeat(40)}`)
    f.exec.on('git rev-parse', () => ({ exitCode: 128, stderr: 'not a git repository' }))
    const failed = await runWith(f.deps, inputs())
    expect(failed.failure).toMatch(/^Cannot tell which commit to tag the image with/)
  })
})

describe('defaultDeps', () => {
  it('wires the real exec, fetch, clock and an ECR client for the region', async () => {
    const deps = defaultDeps()
    expect(deps.clock).toBe(systemClock)
    expect(deps.fetch).toBe(globalThis.fetch)
    const client = deps.ecr('eu-west-1')
    expect(client).toBeInstanceOf(ECRClient)
    expect(await (client as ECRClient).config.region()).toBe('eu-west-1')
  })
})

describe('run() with buildah', () => {
  it('builds once and pushes that image under every tag, reading the digest buildah wrote', async () => {
    pushesInto(f.registry, f.exec)
    const run = await runWith(
      f.deps,
      inputs({ builder: 'buildah', tags: 'v2', platforms: 'linux/amd64', target: 'app', file: 'Containerfile' }),
    )
    expect(run.failure).toBeUndefined()
    const [build] = f.exec.argsOf('buildah build')
    expect(build?.slice(0, 8)).toEqual(['build', '--layers', '--format', 'docker', '--file', 'Containerfile', '--target', 'app'])
    expect(build).toEqual(
      expect.arrayContaining(['--platform', 'linux/amd64', '--authfile', join(run.state['docker-config'] as string, 'config.json')]),
    )
    expect(build).not.toContain('--cache-to')
    const pushes = f.exec.argsOf('buildah push')
    expect(pushes.map((args) => args.slice(-2))).toEqual([
      [`${URI}:${SHA}`, `docker://${URI}:${SHA}`],
      [`${URI}:${SHA}`, `docker://${URI}:v2`],
    ])
    expect(run.outputs.tags).toBe(`${SHA},v2`)
  })

  it('creates a mutable cache repository and passes the cache flags, with TLS verification off only for an http:// endpoint', async () => {
    pushesInto(f.registry, f.exec, { host: '127.0.0.1:5000' })
    const run = await runWith(
      { ...f.deps, fetch: rewriteHost(f, 'http://127.0.0.1:5000') },
      inputs({ builder: 'buildah', cache: 'true', registry: 'http://127.0.0.1:5000' }),
    )
    expect(run.failure).toBeUndefined()
    expect(f.exec.argsOf('buildah push')[0]).toContain('--tls-verify=false')
    const [build] = f.exec.argsOf('buildah build')
    expect(build).toEqual(
      expect.arrayContaining([
        '--cache-from',
        '127.0.0.1:5000/team/app-build-cache',
        '--cache-to',
        '127.0.0.1:5000/team/app-build-cache',
        '--tls-verify=false',
      ]),
    )
    expect(f.ecr.repositories.get('team/app-build-cache')?.imageTagMutability).toBe('MUTABLE')
  })
})

/** A fetch that serves requests for another base URL from the fake registry. */
function rewriteHost(fx: Fixture, base: string): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    fx.registry.fetch(String(input).replace(base, `https://${HOST}`), init)) as typeof fetch
}

describe('run() with tag templates', () => {
  it('pushes the tags a release tag gives, beside the commit SHA', async () => {
    const g = await fixture({ GITHUB_REF: 'refs/tags/v2.5.1', GITHUB_EVENT_NAME: 'push' })
    try {
      g.ecr.repositories.set('team/app', { repositoryName: 'team/app', imageTagMutability: 'MUTABLE' })
      pushesInto(g.registry, g.exec)
      const run = await runWith(g.deps, {
        repository: 'team/app',
        context: g.workspace,
        tags: '{{semver}}\n{{major}}.{{minor}}\nbuild-{{short-sha}}',
      })
      expect(run.failure).toBeUndefined()
      expect(run.outputs.tags).toBe(`${SHA},2.5.1,2.5,build-fffffff`)
      expect(g.exec.argsOf('docker build')[0]).toEqual(expect.arrayContaining(['--tag', `${URI}:2.5`, '--tag', `${URI}:build-fffffff`]))
    } finally {
      await g.cleanup()
    }
  })

  it('refuses a branch tag before creating the (immutable) repository or building', async () => {
    const g = await fixture({ GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push' })
    try {
      const run = await runWith(g.deps, { repository: 'team/app', context: g.workspace, tags: '{{branch}}' })
      expect(run.exitCode).toBe(1)
      expect(run.failure).toMatch(
        /^Tag 'main' \(from '\{\{branch\}\}'\) moves to a new image on later commits, but repository 'team\/app' keeps it immutable \(IMMUTABLE\)/,
      )
      expect(g.ecr.calls.map((call) => call.operation)).toEqual(['GetAuthorizationToken', 'DescribeRepositories'])
      expect(g.exec.calls).toEqual([])
    } finally {
      await g.cleanup()
    }
  })

  it('a template this event cannot give fails before any AWS call', async () => {
    const g = await fixture({ GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push' })
    try {
      const run = await runWith(g.deps, { repository: 'team/app', context: g.workspace, tags: '{{semver}}' })
      expect(run.exitCode).toBe(1)
      expect(run.failure).toMatch(
        /^Input 'tags': '\{\{semver\}\}' in '\{\{semver\}\}' cannot be resolved on this push event: GITHUB_REF 'refs\/heads\/main' is not a tag\./,
      )
      expect(g.ecr.calls).toEqual([])
    } finally {
      await g.cleanup()
    }
  })
})

describe('run() with also-push-to', () => {
  it('asks ECR Public for its login in us-east-1 before building, and a refused one stops the step with the permissions to add', async () => {
    const regions: string[] = []
    const deps = {
      ...f.deps,
      ecrPublic: (region: string) => {
        regions.push(region)
        return f.ecrPublic
      },
    }
    f.ecrPublic.failure = awsError('AccessDeniedException', 400, 'not authorized to perform ecr-public:GetAuthorizationToken')
    const run = await runWith(deps, inputs({ 'also-push-to': 'public.ecr.aws/data-team/app' }))
    expect(run.exitCode).toBe(1)
    expect(run.failure).toBe(
      'The AWS credentials may not get an ECR login token (AccessDeniedException: not authorized to perform ecr-public:GetAuthorizationToken). Allow ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken on resource * for the role.',
    )
    expect(regions).toEqual(['us-east-1'])
    expect(f.exec.calls).toEqual([])
  })

  it("logs in to another account's registry with that registry ID in the URI's region, and masks the token", async () => {
    const regions: string[] = []
    const deps = {
      ...f.deps,
      ecr: (region: string) => {
        regions.push(region)
        return f.ecr
      },
    }
    f.ecrPublic.failure = undefined
    const run = await runWith(deps, inputs({ 'also-push-to': '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app', push: 'true' }))
    // The fake registry has no blob API, so the copy itself fails; the login before the build is what is checked here.
    expect(regions).toEqual(['us-east-1', 'eu-west-1'])
    const logins = f.ecr.calls.filter((call) => call.operation === 'GetAuthorizationToken').map((call) => call.input)
    expect(logins).toEqual([{}, { registryIds: ['210987654321'] }])
    expect(run.stdout).toContain(
      'Logged in to 210987654321.dkr.ecr.eu-west-1.amazonaws.com for 210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app.',
    )
    expectMasked(run)
  })
})
