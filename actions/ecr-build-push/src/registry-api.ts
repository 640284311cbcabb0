import { createHash } from 'node:crypto'
import { isNetworkError } from '../../../lib/aws/errors'
import type { Clock } from '../../../lib/clock'
import { UserError } from '../../../lib/errors'
import { retry } from '../../../lib/retry'

/**
 * The registry's own HTTP API (OCI distribution v2), which ECR and every other
 * registry speak: tag look-ups before building, digests after pushing, and
 * re-tagging an existing image without rebuilding it. Basic auth with the ECR
 * token works against ECR; a registry that answers with a Bearer challenge
 * gets its token exchange. 429 and 5xx are retried with backoff.
 */

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]

export interface RegistryApiOptions {
  /** https://host or, for an endpoint given as http://, http://host. */
  baseUrl: string
  username: string
  password: string
  fetch: typeof fetch
  clock: Clock
  random?: () => number
  maxAttempts?: number
}

export interface Manifest {
  digest: string
  mediaType: string
  body: Buffer
}

export class RegistryHttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${method} ${url}: HTTP ${status}${detail ? ` ${detail}` : ''}`)
  }
  get isTransient(): boolean {
    return this.status === 429 || this.status >= 500
  }
}

interface RegistryRequest {
  accept?: string
  body?: Buffer
  contentType?: string
  headers?: Record<string, string>
  push?: boolean
}

interface Challenge {
  scheme: string
  params: Record<string, string>
}

export class RegistryApi {
  private readonly bearerTokens = new Map<string, string>()
  private readonly basic: string

  constructor(private readonly options: RegistryApiOptions) {
    this.basic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  }

  /** The digest a tag (or digest) points at, or undefined when the registry does not have it. */
  async digestOf(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.send('HEAD', repository, `manifests/${reference}`, { accept: MANIFEST_MEDIA_TYPES.join(', ') })
    if (response.status === 404) return undefined
    const url = `${this.options.baseUrl}/v2/${repository}/manifests/${reference}`
    requireManifestType('HEAD', url, response)
    const digest = response.headers.get('docker-content-digest')
    if (digest) return requireDigest('HEAD', url, digest)
    // Registries need not send the header on HEAD; the digest of the bytes is authoritative.
    return (await this.manifest(repository, reference))?.digest
  }

  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const response = await this.send('GET', repository, `manifests/${reference}`, { accept: MANIFEST_MEDIA_TYPES.join(', ') })
    if (response.status === 404) {
      await response.body?.cancel()
      return undefined
    }
    const url = `${this.options.baseUrl}/v2/${repository}/manifests/${reference}`
    requireManifestType('GET', url, response)
    const body = Buffer.from(await response.arrayBuffer())
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
    requireManifestBody(url, body)
    // The bytes' own hash is what is used; a well-formed claim that differs means the bytes are not the manifest.
    const claimed = response.headers.get('docker-content-digest')
    if (claimed && /^sha256:[0-9a-f]{64}$/.test(claimed) && claimed !== digest) {
      throw new RegistryAnswerError('GET', url, `the manifest's bytes hash to ${digest}, not the ${claimed} the registry names`)
    }
    return { digest, mediaType: mediaTypeOf(response), body }
  }

  /** Points `tag` at an existing manifest: the same bytes under a new name, no rebuild, no layer upload. */
  async putManifest(repository: string, tag: string, manifest: Manifest): Promise<void> {
    await this.send('PUT', repository, `manifests/${tag}`, { body: manifest.body, contentType: manifest.mediaType, push: true })
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.send('HEAD', repository, `blobs/${digest}`, {})
    return response.status !== 404
  }

  /** A blob's bytes as a stream (ECR answers with a redirect to S3, which fetch follows without the registry login). */
  async openBlob(repository: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('GET', repository, `blobs/${digest}`, {})
    if (response.status === 404 || !response.body) {
      await response.body?.cancel()
      throw new Error(`the registry lost blob ${digest} of ${repository} while it was being copied`)
    }
    return response.body
  }

  /**
   * Uploads a blob from a stream in chunks (the distribution spec's chunked
   * upload: POST, PATCH per chunk, PUT with the digest), so a layer of any
   * size passes through a bounded buffer. ECR wants every chunk but the last
   * to be at least 5 MiB.
   */
  async uploadBlob(repository: string, digest: string, body: ReadableStream<Uint8Array>, chunkBytes = 16 * 1024 * 1024): Promise<void> {
    const started = await this.send('POST', repository, 'blobs/uploads/', { push: true })
    let location = this.locationOf(started, repository)
    let offset = 0
    for await (const chunk of chunksOf(body, chunkBytes)) {
      const patched = await this.send('PATCH', repository, location, {
        push: true,
        body: chunk,
        contentType: 'application/octet-stream',
        headers: { 'content-range': `${offset}-${offset + chunk.length - 1}` },
      })
      location = this.locationOf(patched, repository)
      offset += chunk.length
    }
    const url = new URL(location)
    url.searchParams.set('digest', digest)
    const done = await this.send('PUT', repository, url.toString(), { push: true })
    await done.body?.cancel()
  }

  private locationOf(response: Response, repository: string): string {
    const location = response.headers.get('location')
    void response.body?.cancel()
    if (!location) throw new Error(`the registry started an upload to ${repository} without a Location`)
    // Relative locations (distribution's relativeurls) are relative to the registry's base URL.
    return new URL(location, this.options.baseUrl).toString()
  }

  /** The compressed size of the image (layers and config), summed over the platforms of an index. */
  async imageSize(repository: string, digest: string): Promise<number | undefined> {
    const manifest = await this.manifest(repository, digest)
    if (!manifest) return undefined
    const parsed = JSON.parse(manifest.body.toString('utf8')) as ManifestJson
    if (!parsed.manifests) return sizeOf(parsed)
    let total = 0
    for (const child of parsed.manifests) {
      if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue
      const childManifest = child.digest ? await this.manifest(repository, child.digest) : undefined
      if (childManifest) total += sizeOf(JSON.parse(childManifest.body.toString('utf8')) as ManifestJson)
    }
    return total
  }

  private async send(method: string, repository: string, path: string, request: RegistryRequest): Promise<Response> {
    // An upload's Location is a full URL; everything else is a path under the repository.
    const url = /^https?:\/\//.test(path) ? path : `${this.options.baseUrl}/v2/${repository}/${path}`
    const scope = `repository:${repository}:${request.push ? 'pull,push' : 'pull'}`
    return retry(
      async () => {
        let response = await this.attempt(method, url, scope, request)
        if (response.status === 401) {
          const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '')
          if (challenge?.scheme === 'bearer' && !this.bearerTokens.has(scope)) {
            await response.body?.cancel()
            this.bearerTokens.set(scope, await this.exchangeToken(challenge, scope))
            response = await this.attempt(method, url, scope, request)
          }
        }
        if (response.ok || (response.status === 404 && (method === 'GET' || method === 'HEAD'))) return response
        const detail = method === 'HEAD' ? '' : await errorDetail(response)
        if (response.status === 401 || response.status === 403) {
          throw new UserError(
            `The registry ${new URL(url).host} refused the ECR login for ${method} ${repository}/${path} (HTTP ${response.status}${detail ? `: ${detail}` : ''}).`,
            "Check the 'registry' input and that the role may pull and push this repository.",
          )
        }
        throw new RegistryHttpError(method, url, response.status, detail)
      },
      {
        maxAttempts: this.options.maxAttempts ?? 5,
        baseDelayMs: 1000,
        maxDelayMs: 15_000,
        clock: this.options.clock,
        random: this.options.random,
        isRetryable: (error) => (error instanceof RegistryHttpError ? error.isTransient : isNetworkError(error)),
      },
    )
  }

  private attempt(method: string, url: string, scope: string, request: RegistryRequest): Promise<Response> {
    const bearer = this.bearerTokens.get(scope)
    const headers: Record<string, string> = { authorization: bearer ? `Bearer ${bearer}` : this.basic }
    if (request.accept) headers.accept = request.accept
    if (request.contentType) headers['content-type'] = request.contentType
    Object.assign(headers, request.headers)
    return this.options.fetch(url, {
      method,
      headers,
      body: request.body ? new Uint8Array(request.body) : undefined,
      redirect: 'follow',
      signal: AbortSignal.timeout(60_000),
    })
  }

  private async exchangeToken(challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm
    if (!realm) throw new Error('the registry sent a Bearer challenge without a realm')
    const url = new URL(realm)
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    url.searchParams.set('scope', scope)
    const response = await this.options.fetch(url, { headers: { authorization: this.basic }, signal: AbortSignal.timeout(60_000) })
    if (!response.ok) throw new RegistryHttpError('GET', url.origin + url.pathname, response.status, await errorDetail(response))
    const body = (await response.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new Error('the registry token service answered without a token')
    return token
  }
}

/**
 * A registry answered, but not as a registry does (a web page, a proxy's
 * login form, a truncated manifest): never taken as an image that exists.
 */
export class RegistryAnswerError extends UserError {
  constructor(method: string, url: string, what: string) {
    super(
      `The registry at ${new URL(url).origin} answered ${method} ${new URL(url).pathname} with ${what}, not an image manifest.`,
      "Check the 'registry' input (and AWS_ENDPOINT_URL_ECR): it must name an OCI registry, not a web page or a proxy.",
    )
  }
}

function mediaTypeOf(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** A manifest answer names a manifest media type; registries that send none are judged by the body. */
function requireManifestType(method: string, url: string, response: Response): void {
  const type = mediaTypeOf(response)
  if (type === '' || MANIFEST_MEDIA_TYPES.includes(type)) return
  // Old registries label schema 2 manifests application/json; the body decides.
  if (type === 'application/json') return
  throw new RegistryAnswerError(method, url, `HTTP ${response.status} ${type}`)
}

function requireDigest(method: string, url: string, digest: string): string {
  if (/^sha256:[0-9a-f]{64}$/.test(digest)) return digest
  throw new RegistryAnswerError(method, url, `a Docker-Content-Digest that is not a sha256 digest`)
}

/** An image manifest or index is a JSON object (of schema version 2, when it says) with layers or manifests. */
function requireManifestBody(url: string, body: Buffer): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new RegistryAnswerError('GET', url, 'a body that is not JSON')
  }
  const manifest = parsed as { schemaVersion?: unknown; layers?: unknown; manifests?: unknown } | null
  const shaped =
    typeof manifest === 'object' &&
    manifest !== null &&
    (manifest.schemaVersion === undefined || manifest.schemaVersion === 2) &&
    (Array.isArray(manifest.layers) || Array.isArray(manifest.manifests))
  if (!shaped) throw new RegistryAnswerError('GET', url, 'JSON that is not a schema 2 manifest or index')
}

interface ManifestJson {
  config?: { size?: number }
  layers?: { size?: number }[]
  manifests?: { digest?: string; annotations?: Record<string, string> }[]
}

function sizeOf(manifest: ManifestJson): number {
  return (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0)
}

/** Parses `Bearer realm="…",service="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/.exec(header)
  if (!match) return undefined
  const params: Record<string, string> = {}
  for (const [, key, quoted, bare] of (match[2] as string).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    params[(key as string).toLowerCase()] = quoted ?? bare ?? ''
  }
  return { scheme: (match[1] as string).toLowerCase(), params }
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] }
    const first = parsed.errors?.[0]
    if (first) return [first.code, first.message].filter(Boolean).join(': ')
  } catch {
    // Not the registry's JSON error shape; show the start of the text.
  }
  return text.slice(0, 200).replace(/\s+/g, ' ').trim()
}

/** Re-chunks a byte stream into buffers of `size` bytes (the last may be shorter). */
async function* chunksOf(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  for await (const piece of stream) {
    let rest = Buffer.from(piece)
    while (pendingBytes + rest.length >= size) {
      const take = size - pendingBytes
      yield Buffer.concat([...pending, rest.subarray(0, take)])
      rest = rest.subarray(take)
      pending = []
      pendingBytes = 0
    }
    if (rest.length > 0) {
      pending.push(rest)
      pendingBytes += rest.length
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending)
}
