import { describe, expect, it } from 'vitest'
import { parseChallenge, RegistryApi, RegistryHttpError } from '../../../actions/ecr-build-push/src/registry-api'
import { ManualClock } from '../../../lib/clock'
import { UserError } from '../../../lib/errors'
import { FakeRegistry, HOST, manifestOf, PASSWORD } from './fakes'

function api(registry: FakeRegistry, clock = new ManualClock(), password = PASSWORD) {
  return new RegistryApi({ baseUrl: `https://${HOST}`, username: 'AWS', password, fetch: registry.fetch, clock, random: () => 1 })
}

describe('RegistryApi', () => {
  it('looks up tags with HEAD and basic auth, undefined when absent', async () => {
    const registry = new FakeRegistry()
    const image = manifestOf('a')
    registry.put('team/app', 'v1', image)
    expect(await api(registry).digestOf('team/app', 'v1')).toBe(image.digest)
    expect(await api(registry).digestOf('team/app', 'v2')).toBeUndefined()
    expect(registry.requests.map((request) => request.method)).toEqual(['HEAD', 'HEAD'])
  })

  it('computes the digest from the bytes when HEAD carries no Docker-Content-Digest', async () => {
    const registry = new FakeRegistry()
    registry.sendDigestHeader = false
    const image = manifestOf('b')
    registry.put('team/app', 'v1', image)
    expect(await api(registry).digestOf('team/app', 'v1')).toBe(image.digest)
    expect(registry.requests.map((request) => request.method)).toEqual(['HEAD', 'GET'])
  })

  it('retries 429 and 5xx with backoff on the clock, then gives up with the status', async () => {
    const registry = new FakeRegistry()
    registry.put('team/app', 'v1', manifestOf('c'))
    registry.statuses.push(429, 502)
    const clock = new ManualClock()
    expect(await api(registry, clock).digestOf('team/app', 'v1')).toBe(manifestOf('c').digest)
    expect(clock.sleeps).toEqual([1000, 2000])

    registry.statuses.push(500, 500, 500, 500, 500)
    const error = await api(registry, new ManualClock())
      .manifest('team/app', 'v1')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryHttpError)
    expect((error as Error).message).toBe(`GET https://${HOST}/v2/team/app/manifests/v1: HTTP 500 INJECTED: status 500`)
  })

  it('does not retry a 400 and turns 401/403 into a user error naming the registry', async () => {
    const registry = new FakeRegistry()
    registry.statuses.push(400)
    await expect(api(registry).digestOf('team/app', 'v1')).rejects.toThrow(/HTTP 400$/)
    expect(registry.requests).toHaveLength(1)

    const wrong = api(registry, new ManualClock(), 'wrong')
    const denied = await wrong.manifest('team/app', 'v1').catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(UserError)
    expect((denied as Error).message).toBe(
      `The registry ${HOST} refused the ECR login for GET team/app/manifests/v1 (HTTP 401: UNAUTHORIZED: authentication required).`,
    )
  })

  it('follows a Bearer challenge with a token exchange per scope', async () => {
    const registry = new FakeRegistry()
    registry.bearerRealm = 'https://auth.example.com/token'
    const image = manifestOf('d')
    registry.put('team/app', 'v1', image)
    const client = api(registry)
    expect(await client.digestOf('team/app', 'v1')).toBe(image.digest)
    expect(await client.digestOf('team/app', 'v1')).toBe(image.digest)
    await client.putManifest('team/app', 'v2', { ...image, body: Buffer.from(image.body) })
    expect(registry.digest('team/app', 'v2')).toBe(image.digest)
    expect(registry.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'HEAD /v2/team/app/manifests/v1',
      'GET /token?service=fake&scope=repository%3Ateam%2Fapp%3Apull',
      'HEAD /v2/team/app/manifests/v1',
      'HEAD /v2/team/app/manifests/v1',
      'PUT /v2/team/app/manifests/v2',
      'GET /token?service=fake&scope=repository%3Ateam%2Fapp%3Apull%2Cpush',
      'PUT /v2/team/app/manifests/v2',
    ])
  })

  it('sizes an image, and an index by its platforms without attestations', async () => {
    const registry = new FakeRegistry()
    const amd = manifestOf('amd', 1000)
    const arm = manifestOf('arm', 3000)
    const attestation = manifestOf('att', 99_999)
    for (const m of [amd, arm, attestation]) registry.put('team/app', m.digest, m)
    const indexBody = JSON.stringify({
      manifests: [
        { digest: amd.digest },
        { digest: arm.digest },
        { digest: attestation.digest, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    })
    registry.put('team/app', 'multi', { digest: 'sha256:index', mediaType: 'application/vnd.oci.image.index.v1+json', body: indexBody })
    expect(await api(registry).imageSize('team/app', amd.digest)).toBe(1100)
    expect(await api(registry).imageSize('team/app', 'multi')).toBe(1100 + 3100)
    expect(await api(registry).imageSize('team/app', 'absent')).toBeUndefined()
  })

  it('a Bearer challenge whose token service fails is an HTTP error', async () => {
    const registry = new FakeRegistry()
    registry.bearerRealm = 'https://auth.example.com/token'
    const client = api(registry, new ManualClock(), 'wrong')
    await expect(client.digestOf('team/app', 'v1')).rejects.toThrow('GET https://auth.example.com/token: HTTP 401')
  })
})

describe('parseChallenge', () => {
  it.each([
    [
      'Bearer realm="https://a/token",service="reg",scope="repository:x:pull"',
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:pull' } },
    ],
    ['Basic realm="ecr"', { scheme: 'basic', params: { realm: 'ecr' } }],
    ['Bearer realm=https://a/token', { scheme: 'bearer', params: { realm: 'https://a/token' } }],
    ['', undefined],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected)
  })
})
