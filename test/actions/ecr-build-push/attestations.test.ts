import { createHash } from 'node:crypto'
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
 *
 * The SBOM generator is a STAND-IN: syft (docker/buildkit-syft-scanner) cannot
 * be pulled offline, so a small image made here from the bench's base image
 * follows BuildKit's SBOM scanner protocol instead. What it proves is the
 * action's part (the generator reaches BuildKit, the SBOM lands in the pushed
 * index beside the provenance), not syft's own scan.
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
/** The stand-in SBOM generator, pushed to the bench registry as a mirrored scanner would be. */
let standInScanner: string

/**
 * BuildKit's SBOM scanner protocol: it runs the image's entrypoint with the
 * final stage's root filesystem read-only at $BUILDKIT_SCAN_SOURCE and keeps
 * every file written to $BUILDKIT_SCAN_DESTINATION as an in-toto statement.
 * This one lists the regular files of the scanned root with their SHA-1, an
 * SPDX 2.3 document whose creator names it, so the test can tell its SBOM
 * from any other. File names with quotes or newlines are not escaped: the
 * bench's images hold none.
 */
const STAND_IN_CREATOR = 'Tool: pipeline-actions-bench-stand-in-scanner'
const STAND_IN_SCRIPT = `#!/bin/sh
set -eu
name=$(basename "$BUILDKIT_SCAN_SOURCE")
out="$BUILDKIT_SCAN_DESTINATION/$name.spdx.json"
files="$BUILDKIT_SCAN_DESTINATION/.files"
cd "$BUILDKIT_SCAN_SOURCE"
n=0
find . -type f | sort | while read -r path; do
  n=$((n + 1))
  sum=$(sha1sum "$path" | cut -d ' ' -f 1)
  [ "$n" -gt 1 ] && printf ','
  printf '{"SPDXID":"SPDXRef-File-%s","fileName":"/%s","checksums":[{"algorithm":"SHA1","checksumValue":"%s"}]}' "$n" "\${path#./}" "$sum"
done > "$files"
{
  printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],'
  printf '"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"%s",' "$name"
  printf '"documentNamespace":"https://pipeline-actions.invalid/stand-in-scanner/%s",' "$name"
  printf '"creationInfo":{"created":"%s","creators":["${STAND_IN_CREATOR}"]},' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '"files":['
  cat "$files"
  printf ']}}'
} > "$out"
rm "$files"
`

/** Builds the stand-in generator with the engine's classic builder (from the locally imported base) and pushes it. */
async function pushStandInScanner(): Promise<string> {
  const context = join(work, 'stand-in-scanner')
  const pushConfig = join(work, 'stand-in-push-config')
  await mkdir(context)
  await mkdir(pushConfig)
  await writeFile(join(context, 'scan.sh'), STAND_IN_SCRIPT)
  await writeFile(join(context, 'Dockerfile'), `FROM ${docker.baseImage}\nCOPY scan.sh /scan.sh\nENTRYPOINT ["/bin/sh", "/scan.sh"]\n`)
  const image = `${registry.host}/mirror/sbom-stand-in:1`
  const asPusher = { env: { DOCKER_CONFIG: pushConfig, DOCKER_BUILDKIT: '0' } }
  await docker.docker(['build', '-t', image, context], asPusher)
  await docker.docker(['login', registry.host, '--username', registry.username, '--password-stdin'], {
    ...asPusher,
    input: registry.password,
  })
  await docker.docker(['push', image], asPusher)
  await rm(pushConfig, { recursive: true, force: true })
  return image
}

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
  standInScanner = await pushStandInScanner()
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

/** The image and the in-toto layers of the attestation manifest that refers to it, from the index under `tag`. */
async function attestationsOf(repository: string, tag: string) {
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
  const layers = manifest.layers.filter((entry) => entry.mediaType === 'application/vnd.in-toto+json')
  return { index, image, layers }
}

type Statement = { subject: { digest: { sha256: string } }[]; predicate: Record<string, unknown> }

/** The statement of the layer whose predicate type matches, or a failed expectation. */
async function statementOf(repository: string, layers: { digest: string; annotations: Record<string, string> }[], predicateType: RegExp) {
  const layer = layers.find((entry) => predicateType.test(entry.annotations['in-toto.io/predicate-type'] ?? ''))
  expect(layer, `an in-toto layer of predicate type ${predicateType}`).toBeDefined()
  return (await blobJson(repository, layer?.digest ?? '')) as unknown as Statement
}

/** The provenance predicate BuildKit stored for the image the index's attestation manifest refers to. */
async function provenanceOf(repository: string, tag: string) {
  const { index, layers } = await attestationsOf(repository, tag)
  const statement = await statementOf(repository, layers, /^https:\/\/slsa\.dev\/provenance\//)
  return { index, statement }
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

  it('sbom-generator: the SBOM the named generator made is attested beside the provenance in the pushed index', async () => {
    const sha = 'e'.repeat(40)
    const run = await build('sbom-generator', sha, {
      repository: 'team/sbom',
      sbom: 'true',
      'sbom-generator': standInScanner,
      provenance: 'min',
    })
    expect(run.failure).toBeUndefined()
    const { index, image, layers } = await attestationsOf('team/sbom', sha)
    expect(run.outputs.digest).toBe(index?.digest)
    await statementOf('team/sbom', layers, /^https:\/\/slsa\.dev\/provenance\//)
    const sbom = await statementOf('team/sbom', layers, /^https:\/\/spdx\.dev\/Document$/)
    expect(`sha256:${sbom.subject[0]?.digest.sha256}`).toBe(image?.digest)
    // The stand-in's own mark, and the file it found in the image it scanned: the build context's app.txt.
    const predicate = sbom.predicate as {
      creationInfo: { creators: string[] }
      files: { fileName: string; checksums: { checksumValue: string }[] }[]
    }
    expect(predicate.creationInfo.creators).toContain(STAND_IN_CREATOR)
    const appFile = predicate.files.find((file) => file.fileName === '/app.txt')
    expect(appFile?.checksums[0]?.checksumValue).toBe(createHash('sha1').update('attested\n').digest('hex'))
  })

  it.each([
    [
      'a reference with a comma (which would add buildx options)',
      { sbom: 'true', 'sbom-generator': 'registry.example/scanner:1,push=false' },
      /^Input 'sbom-generator' must be an image reference/,
    ],
    [
      'a generator without sbom: true',
      { sbom: 'false', 'sbom-generator': 'registry.example/scanner:1' },
      /^Input 'sbom-generator' is set but sbom is false\./,
    ],
  ])('sbom-generator: %s fails in one line before anything is created', async (_name, inputs, failure) => {
    const run = await build('sbom-bad-input', 'f'.repeat(40), { repository: 'team/sbom-bad', ...inputs })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(failure)
    expect(run.failure).not.toMatch(/\n/)
    expect(await registry.tags('team/sbom-bad')).toEqual([])
  })

  it('sbom-generator naming an image the builder cannot get fails in one line that names the input and the image, and pushes nothing', async () => {
    const absent = `${registry.host}/mirror/absent-scanner:1`
    const run = await build('sbom-absent', 'f'.repeat(40), { repository: 'team/sbom-absent', sbom: 'true', 'sbom-generator': absent })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^Input 'sbom-generator' names an image the builder could not get \(/)
    expect(run.failure).toContain(absent)
    expect(run.failure).not.toMatch(/\n/)
    expect(await registry.tags('team/sbom-absent')).toEqual([])
  })

  it("provenance on buildx's docker driver fails with what to set up, before anything is pushed", async () => {
    const plainBuildx = await dockerConfigWithBuildx(join(work, 'docker-driver-config'))
    const run = await build('docker-driver', SHA_C, { repository: 'team/driver', provenance: 'min' }, plainBuildx)
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^Inputs 'provenance' and 'sbom' need a BuildKit builder/)
    expect(await registry.tags('team/driver')).toEqual([])
  })
})
