import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuildxBuilder, dockerConfigWithBuildx, setUpBuildx } from '../../bench/buildx'
import { type DockerEngine, startDocker } from '../../bench/docker'
import { BENCH_REGION, type Moto, startMoto } from '../../bench/moto'
import { type Registry, startRegistry } from '../../bench/registry'
import { type ActionRun, runAction } from '../../harness/runner'

/**
 * Provenance and SBOM attestations through the committed bundle: moto issues
 * the ECR login, Debian's docker-registry stands in for the ECR data plane,
 * buildx drives the bench's real BuildKit daemon. What is checked is what
 * the registry holds afterwards: an image index whose attestation manifest
 * refers to the image, and the digest output naming that index.
 */

const SHA_A = 'a'.repeat(40)
const SHA_B = 'b'.repeat(40)
const SHA_C = 'c'.repeat(40)
const INDEX = 'application/vnd.oci.image.index.v1+json'
const OTHER_ACCOUNT = '210987654321'

let moto: Moto
let docker: DockerEngine
let registry: Registry
/** Another account's registry (moto's token for that registry ID), for also-push-to. */
let mirror: Registry
let buildx: BuildxBuilder
let work: string
let app: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ecr-attest-it-'))
  ;[moto, docker] = await Promise.all([startMoto(), startDocker()])
  const ecr = new ECRClient({
    region: BENCH_REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  })
  const encoded = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
  const [username = '', password = ''] = Buffer.from(encoded, 'base64').toString('utf8').split(':')
  registry = await startRegistry({ username, password })
  const other =
    (await ecr.send(new GetAuthorizationTokenCommand({ registryIds: [OTHER_ACCOUNT] }))).authorizationData?.[0]?.authorizationToken ?? ''
  mirror = await startRegistry({ username: 'AWS', password: Buffer.from(other, 'base64').toString('utf8').split(':')[1] ?? '' })
  buildx = await setUpBuildx(docker, registry)
  app = join(work, 'app')
  await mkdir(app)
  await writeFile(join(app, 'Dockerfile'), `FROM ${buildx.baseImage}\nARG FLAVOUR\nCOPY app.txt /app.txt\n`)
  await writeFile(join(app, 'app.txt'), 'attested\n')
}, 240_000)

afterAll(async () => {
  await Promise.all([buildx?.stop(), registry?.stop(), mirror?.stop(), docker?.stop(), moto?.stop()])
  if (work) await rm(work, { recursive: true, force: true })
})

async function build(name: string, sha: string, inputs: Record<string, string>, dockerConfig = buildx.dockerConfig): Promise<ActionRun> {
  const runnerTemp = join(work, `${name}-temp`)
  await mkdir(runnerTemp, { recursive: true })
  return runAction('ecr-build-push', {
    cwd: app,
    timeoutMs: 180_000,
    env: { ...moto.env, ...docker.env, GITHUB_SHA: sha, RUNNER_TEMP: runnerTemp, DOCKER_CONFIG: dockerConfig },
    inputs: { registry: registry.url, ...inputs },
  })
}

interface Descriptor {
  mediaType: string
  digest: string
  platform?: { os: string; architecture: string }
  annotations?: Record<string, string>
}

const auth = () => ({ authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}` })

async function blobJson(repository: string, digest: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`, { headers: auth() })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

/** The provenance predicate BuildKit stored for the image the index's attestation manifest refers to. */
async function provenanceOf(repository: string, tag: string) {
  const index = await registry.manifest(repository, tag)
  expect(index?.mediaType).toBe(INDEX)
  const entries = (JSON.parse(index?.body ?? '{}') as { manifests: Descriptor[] }).manifests
  const image = entries.find((entry) => entry.platform?.os === 'linux')
  const attestation = entries.find((entry) => entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
  expect(image).toBeDefined()
  expect(attestation?.annotations?.['vnd.docker.reference.digest']).toBe(image?.digest)
  const manifest = JSON.parse((await registry.manifest(repository, attestation?.digest ?? ''))?.body ?? '{}') as {
    layers: (Descriptor & { annotations: Record<string, string> })[]
  }
  const layer = manifest.layers.find((entry) => entry.mediaType === 'application/vnd.in-toto+json')
  expect(layer?.annotations['in-toto.io/predicate-type']).toMatch(/^https:\/\/slsa\.dev\/provenance\//)
  const statement = await blobJson(repository, layer?.digest ?? '')
  return { index, statement: statement as { subject: { digest: { sha256: string } }[]; predicate: Record<string, unknown> } }
}

describe('ecr-build-push attestations on a BuildKit builder', () => {
  let maxRun: ActionRun

  it('provenance: max pushes an image index holding the attestation manifest, and digest names the index', async () => {
    maxRun = await build('max', SHA_A, { repository: 'team/attested', provenance: 'max', 'build-args': 'FLAVOUR=spicy' })
    expect(maxRun.failure).toBeUndefined()
    const { index, statement } = await provenanceOf('team/attested', SHA_A)
    expect(maxRun.outputs.digest).toBe(index?.digest)
    expect(maxRun.outputs['image-ref']).toBe(`${registry.host}/team/attested@${index?.digest}`)
    const image = (JSON.parse(index?.body ?? '{}') as { manifests: Descriptor[] }).manifests.find((entry) => entry.platform?.os === 'linux')
    expect(`sha256:${statement.subject[0]?.digest.sha256}`).toBe(image?.digest)
    // max mode records the build's inputs, build arguments included; min mode leaves them out.
    expect(JSON.stringify(statement.predicate)).toContain('spicy')
  })

  it('also-push-to copies the index with its image and attestation manifests to another account, same digest', async () => {
    const sha = 'd'.repeat(40)
    const run = await build('mirrored', sha, {
      repository: 'team/attested',
      provenance: 'max',
      'also-push-to': `${OTHER_ACCOUNT}.dkr.ecr.${BENCH_REGION}.amazonaws.com/mirror/attested via ${mirror.url}`,
    })
    expect(run.failure).toBeUndefined()
    const copied = await mirror.manifest('mirror/attested', sha)
    expect(copied?.digest).toBe(run.outputs.digest)
    expect(copied?.body).toBe((await registry.manifest('team/attested', sha))?.body)
    // Every child (the image and its attestation manifest) is in the other registry by digest, with its blobs.
    for (const child of (JSON.parse(copied?.body ?? '{}') as { manifests: Descriptor[] }).manifests) {
      const childManifest = await mirror.manifest('mirror/attested', child.digest)
      expect(childManifest?.digest).toBe(child.digest)
      for (const layer of (JSON.parse(childManifest?.body ?? '{}') as { layers: Descriptor[] }).layers) {
        const head = await fetch(`${mirror.url}/v2/mirror/attested/blobs/${layer.digest}`, {
          method: 'HEAD',
          headers: { authorization: `Basic ${Buffer.from(`${mirror.username}:${mirror.password}`).toString('base64')}` },
        })
        expect(head.status).toBe(200)
      }
    }
  })

  it('the same commit again: skipped, and a new tag points at the same index (the attestation stays with it)', async () => {
    const again = await build('max-again', SHA_A, { repository: 'team/attested', provenance: 'max', tags: 'release-1' })
    expect(again.failure).toBeUndefined()
    expect(again.outputs.skipped).toBe('true')
    expect(again.outputs.digest).toBe(maxRun.outputs.digest)
    expect((await registry.manifest('team/attested', 'release-1'))?.digest).toBe(maxRun.outputs.digest)
  })

  it('provenance: min records the source but not the build arguments', async () => {
    const run = await build('min', SHA_B, { repository: 'team/attested', provenance: 'min', 'build-args': 'FLAVOUR=mild-and-secretless' })
    expect(run.failure).toBeUndefined()
    const { index, statement } = await provenanceOf('team/attested', SHA_B)
    expect(run.outputs.digest).toBe(index?.digest)
    expect(JSON.stringify(statement.predicate)).not.toContain('mild-and-secretless')
  })

  it('provenance: false pushes a plain image manifest, no index', async () => {
    const run = await build('none', SHA_C, { repository: 'team/attested', provenance: 'false' })
    expect(run.failure).toBeUndefined()
    const manifest = await registry.manifest('team/attested', SHA_C)
    expect(manifest?.mediaType).not.toBe(INDEX)
    expect(JSON.parse(manifest?.body ?? '{}').layers).toBeInstanceOf(Array)
    expect(run.outputs.digest).toBe(manifest?.digest)
  })

  it('sbom: true without the scanner image fails in one line that names the image, and pushes nothing', async () => {
    // The bench is offline: BuildKit cannot pull docker/buildkit-syft-scanner, as on any runner without Docker Hub.
    const run = await build('sbom', SHA_C, { repository: 'team/sbom', sbom: 'true' })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(
      /^Input 'sbom' needs BuildKit's SBOM scanner image \(docker\/buildkit-syft-scanner\), which the builder could not get: .*buildkit-syft-scanner/,
    )
    expect(run.failure?.split('\n')[0]).not.toMatch(/\n/)
    expect(await registry.tags('team/sbom')).toEqual([])
  })

  it("provenance on buildx's docker driver fails with what to set up, before anything is pushed", async () => {
    const plainBuildx = await dockerConfigWithBuildx(join(work, 'docker-driver-config'))
    const run = await build('docker-driver', SHA_C, { repository: 'team/driver', provenance: 'min' }, plainBuildx)
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^Inputs 'provenance' and 'sbom' need a BuildKit builder/)
    expect(await registry.tags('team/driver')).toEqual([])
  })
})
