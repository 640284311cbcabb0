import { cp, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { repoRoot } from '../harness/runner'

/**
 * Terraform's S3 backend against moto, and the fixture copied into a fresh
 * runner workspace. The test's own S3 calls (create the bucket, list keys,
 * read a state object) are path-style requests signed with SigV4, as any S3
 * client sends them; moto refuses an anonymous GetObject.
 */
export const BUCKET = 'tf-apply-toggle-state'
export const FIXTURE = join(repoRoot, 'test/fixtures/terraform/toggle')

/** The credentials Terraform's S3 backend sends to moto; moto accepts any. */
export const AWS_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' }

const signer = new SignatureV4({
  service: 's3',
  region: AWS_ENV.AWS_REGION,
  credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY },
  sha256: Hash.bind(null, 'sha256'),
  uriEscapePath: false,
})

async function s3(
  endpoint: string,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  query: Record<string, string> = {},
  body?: string,
): Promise<Response> {
  const url = new URL(`${endpoint}${path}`)
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  })
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
  return fetch(url, { method, headers: signed.headers, body })
}

/** Writes an object, e.g. the lock file another Terraform run would hold (`<key>.tflock`). */
export async function putObject(endpoint: string, bucket: string, key: string, body: string): Promise<void> {
  const response = await s3(endpoint, 'PUT', `/${bucket}/${key}`, {}, body)
  if (!response.ok) throw new Error(`PutObject ${key} on moto: HTTP ${response.status}`)
}

export async function deleteObject(endpoint: string, bucket: string, key: string): Promise<void> {
  const response = await s3(endpoint, 'DELETE', `/${bucket}/${key}`)
  if (!response.ok) throw new Error(`DeleteObject ${key} on moto: HTTP ${response.status}`)
}

export async function createBucket(endpoint: string, bucket = BUCKET): Promise<void> {
  const response = await s3(endpoint, 'PUT', `/${bucket}`)
  if (!response.ok) throw new Error(`CreateBucket on moto: HTTP ${response.status}`)
}

/** The action's backend-config input for one state key: S3 with its lock file, path style, checks that need real AWS skipped. */
export function backendConfig(endpoint: string, key: string, bucket = BUCKET): string {
  return [
    `bucket=${bucket}`,
    `key=${key}`,
    'region=us-east-1',
    'use_lockfile=true',
    'use_path_style=true',
    'skip_credentials_validation=true',
    'skip_requesting_account_id=true',
    'skip_metadata_api_check=true',
    'skip_region_validation=true',
    `endpoints={ s3 = "${endpoint}" }`,
  ].join('\n')
}

export async function listKeys(endpoint: string, bucket = BUCKET): Promise<string[]> {
  const xml = await (await s3(endpoint, 'GET', `/${bucket}`, { 'list-type': '2' })).text()
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1] as string)
}

export interface StateResource {
  type: string
  name: string
  instances: { status?: string; attributes: Record<string, unknown> }[]
}

export interface State {
  serial: number
  resources: StateResource[]
  outputs: Record<string, { value: unknown }>
}

export async function readState(endpoint: string, key: string, bucket = BUCKET): Promise<State | undefined> {
  const response = await s3(endpoint, 'GET', `/${bucket}/${key}`)
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`GetObject ${key} on moto: HTTP ${response.status}`)
  return (await response.json()) as State
}

/** An object as S3 returns it: its bytes and the headers that say how it is stored (x-amz-server-side-encryption). */
export async function getObject(endpoint: string, key: string, bucket = BUCKET): Promise<{ body: Buffer; headers: Headers } | undefined> {
  const response = await s3(endpoint, 'GET', `/${bucket}/${key}`)
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`GetObject ${key} on moto: HTTP ${response.status}`)
  return { body: Buffer.from(await response.arrayBuffer()), headers: response.headers }
}

export function resourceNames(state: State | undefined): string[] {
  return (state?.resources ?? []).map((resource) => `${resource.type}.${resource.name}`).sort()
}

/** A runner workspace holding the fixture at `infra/`. */
export async function workspaceWithFixture(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'tf-toggle-ws-'))
  await cp(FIXTURE, join(workspace, 'infra'), { recursive: true })
  return workspace
}
