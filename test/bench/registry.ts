import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec, tail } from '../../lib/exec'
import { supervise } from './daemon'
import { freePort, waitFor } from './ports'

/**
 * Debian's `docker-registry` (CNCF distribution) on loopback, standing in for
 * an ECR registry endpoint: plain HTTP (Docker and buildah allow that for
 * 127.0.0.0/8), or HTTPS with a certificate the test makes (Helm's OCI client
 * wants TLS), htpasswd basic auth with bcrypt hashes, filesystem storage in
 * a temporary folder. Location headers are relative so that a proxy placed in
 * front of it (the fault proxy) stays in the path of every upload.
 *
 * Each startRegistry() call starts an independent registry; stop() is
 * idempotent and removes its storage.
 */
export interface Registry {
  /** host:port, as image references name it. */
  host: string
  url: string
  username: string
  password: string
  /** The registry's own answer for a manifest, read with the registry API; undefined when the tag does not exist. */
  manifest(repository: string, reference: string): Promise<RegistryManifest | undefined>
  tags(repository: string): Promise<string[]>
  stop(): Promise<void>
}

export interface RegistryManifest {
  digest: string
  mediaType: string
  body: string
}

export interface RegistryOptions {
  username: string
  password: string
  /** Anyone may pull (and push): a public registry, as Docker Hub serves the official base images. */
  public?: boolean
  /** Serve HTTPS with this certificate (PEM), for 127.0.0.1, signed by `ca`. */
  tls?: { cert: string; key: string; ca: string }
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export async function startRegistry(options: RegistryOptions): Promise<Registry> {
  if (!existsSync('/usr/bin/docker-registry')) throw new Error("docker-registry is missing: run 'npm test' (its setup installs it)")
  const dir = await mkdtemp(join(tmpdir(), 'pa-reg-'))
  // The password reaches htpasswd on stdin (-i), never in the process list.
  const hashed = await exec('htpasswd', ['-iBn', options.username], { input: options.password, silent: true })
  if (hashed.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`htpasswd failed (apache2-utils): ${tail(hashed.stderr, 3)}`)
  }
  await writeFile(join(dir, 'htpasswd'), hashed.stdout.trim() + '\n')
  const port = await freePort()
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  relativeurls: true',
    ...(options.tls ? ['  tls:', `    certificate: ${join(dir, 'tls.crt')}`, `    key: ${join(dir, 'tls.key')}`] : []),
    ...(options.public ? [] : ['auth:', '  htpasswd:', '    realm: bench-registry', `    path: ${join(dir, 'htpasswd')}`]),
    '',
  ].join('\n')
  await writeFile(join(dir, 'config.yml'), config)
  if (options.tls) {
    await writeFile(join(dir, 'tls.crt'), options.tls.cert)
    await writeFile(join(dir, 'tls.key'), options.tls.key, { mode: 0o600 })
  }
  const logFile = join(dir, 'registry.log')
  const log = openSync(logFile, 'a')
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, REGISTRY_HTTP_SECRET: 'bench' },
  })
  closeSync(log)
  const daemon = supervise(child)

  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`
  const get = (path: string, headers: Record<string, string> = {}) => getFrom(`${url}${path}`, headers, options.tls?.ca)
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await daemon.terminate()
    await rm(dir, { recursive: true, force: true })
  }

  try {
    // Answering 401 to an anonymous /v2/ means it is up and enforcing auth (200 when it is public).
    const ready = options.public ? 200 : 401
    await waitFor('docker-registry to listen', async () => (await get('/v2/').catch(() => ({ status: 0 }))).status === ready)
  } catch (error) {
    const lastLines = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 10) : ''
    await stop()
    throw new Error(`${(error as Error).message}\n${lastLines}`)
  }

  return {
    host: `127.0.0.1:${port}`,
    url,
    username: options.username,
    password: options.password,
    async manifest(repository, reference) {
      const response = await get(`/v2/${repository}/manifests/${reference}`, { authorization, accept: MANIFEST_TYPES })
      if (response.status === 404) return undefined
      if (response.status !== 200) throw new Error(`registry GET manifest ${repository}:${reference}: HTTP ${response.status}`)
      return {
        digest: response.headers['docker-content-digest'] ?? '',
        mediaType: response.headers['content-type'] ?? '',
        body: response.body,
      }
    },
    async tags(repository) {
      const response = await get(`/v2/${repository}/tags/list`, { authorization })
      if (response.status === 404) return []
      if (response.status !== 200) throw new Error(`registry GET tags ${repository}: HTTP ${response.status}`)
      return (JSON.parse(response.body) as { tags?: string[] | null }).tags ?? []
    },
    stop,
  }
}

/** A GET that trusts `ca` for HTTPS (fetch would want the system roots). */
function getFrom(
  url: string,
  headers: Record<string, string>,
  ca: string | undefined,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(url, { headers, ...(ca ? { ca } : {}) }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const flat = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)]))
        resolve({ status: response.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') })
      })
    })
    request.on('error', reject)
    request.end()
  })
}
