import type { RegistryApi } from './registry-api'

/**
 * Copies an image by digest from one registry to another without a rebuild:
 * the same manifest bytes (so the same digest everywhere), the blobs the
 * destination lacks streamed across, an index's child manifests (platform
 * images and attestation manifests) before the index, then the tags. Blobs
 * and manifests already there are not sent again.
 */
export interface CopyRequest {
  source: { api: RegistryApi; repository: string }
  target: { api: RegistryApi; repository: string }
  digest: string
  tags: readonly string[]
}

export interface CopyResult {
  blobsCopied: number
  tagsWritten: string[]
}

interface ManifestJson {
  config?: { digest?: string }
  layers?: { digest?: string }[]
  manifests?: { digest?: string }[]
}

export async function copyImage(request: CopyRequest): Promise<CopyResult> {
  const result: CopyResult = { blobsCopied: 0, tagsWritten: [] }
  const manifest = await copyManifest(request, request.digest, result)
  for (const tag of request.tags) {
    if ((await request.target.api.digestOf(request.target.repository, tag)) === request.digest) continue
    await request.target.api.putManifest(request.target.repository, tag, manifest)
    result.tagsWritten.push(tag)
  }
  return result
}

async function copyManifest(request: CopyRequest, digest: string, result: CopyResult) {
  const { source, target } = request
  const manifest = await source.api.manifest(source.repository, digest)
  if (!manifest) throw new Error(`${source.repository}@${digest} vanished from the source registry during the copy`)
  if ((await target.api.digestOf(target.repository, digest)) === digest) return manifest
  const parsed = JSON.parse(manifest.body.toString('utf8')) as ManifestJson
  for (const child of parsed.manifests ?? []) if (child.digest) await copyManifest(request, child.digest, result)
  const blobs = [parsed.config?.digest, ...(parsed.layers ?? []).map((layer) => layer.digest)].filter(
    (blob): blob is string => typeof blob === 'string',
  )
  for (const blob of new Set(blobs)) {
    if (await target.api.hasBlob(target.repository, blob)) continue
    await target.api.uploadBlob(target.repository, blob, await source.api.openBlob(source.repository, blob))
    result.blobsCopied++
  }
  // Untagged, by digest: the index (or a tag) refers to it.
  await target.api.putManifest(target.repository, digest, manifest)
  return manifest
}
