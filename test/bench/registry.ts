import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec, tail } from '../../lib/exec'
import { freePort, waitFor } from './ports'

/**
 * Debian's `docker-registry` (CNCF distribution) on loopback, standing in for
 * an ECR registry endpoint: plain HTTP (Docker and buildah allow that for
 * 127.0.0.0/8), htpasswd basic auth with bcrypt hashes, filesystem storage in
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
    'auth:',
    '  htpasswd:',
    '    realm: bench-registry',
    `    path: ${join(dir, 'htpasswd')}`,
    '',
  ].join('\n')
  await writeFile(join(dir, 'config.yml'), config)
  const logFile = join(dir, 'registry.log')
  const log = openSync(logFile, 'a')
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, REGISTRY_HTTP_SECRET: 'bench' },
  })
  closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const onExit = () => child.exitCode === null && child.kill('SIGTERM')
  process.once('exit', onExit)

  const url = `http://127.0.0.1:${port}`
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', onExit)
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }

  try {
    // Answering 401 to an anonymous /v2/ means it is up and enforcing auth.
    await waitFor('docker-registry to listen', async () => (await fetch(`${url}/v2/`)).status === 401)
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
      const response = await fetch(`${url}/v2/${repository}/manifests/${reference}`, {
        headers: { authorization, accept: MANIFEST_TYPES },
      })
      if (response.status === 404) return undefined
      if (!response.ok) throw new Error(`registry GET manifest ${repository}:${reference}: HTTP ${response.status}`)
      return {
        digest: response.headers.get('docker-content-digest') ?? '',
        mediaType: response.headers.get('content-type') ?? '',
        body: await response.text(),
      }
    },
    async tags(repository) {
      const response = await fetch(`${url}/v2/${repository}/tags/list`, { headers: { authorization } })
      if (response.status === 404) return []
      if (!response.ok) throw new Error(`registry GET tags ${repository}: HTTP ${response.status}`)
      return ((await response.json()) as { tags?: string[] | null }).tags ?? []
    },
    stop,
  }
}
