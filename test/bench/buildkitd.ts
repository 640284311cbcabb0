import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { tail } from '../../lib/exec'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { supervise } from './daemon'
import { unmountUnder } from './docker'
import { waitFor } from './ports'

/**
 * BuildKit's daemon on a private socket: the builder that
 * docker/setup-buildx-action runs in a container, reached here by buildx's
 * `remote` driver, so a build gets what the engine's own BuildKit (the
 * `docker` driver) refuses, such as exporting a registry cache. Rootful runc
 * worker, native snapshotter (no overlay mounts needed), host network (the
 * bench has no bridge), and the loopback registries it is given spoken to
 * over plain HTTP.
 */
export interface BuildKit {
  /** unix://… for `docker buildx create --driver remote`. */
  address: string
  stop(): Promise<void>
}

export interface BuildKitOptions {
  plainHttpRegistries: string[]
  /** Registries served over HTTPS with a certificate of the bench's own CA, and that CA's PEM file. */
  tlsRegistries?: { host: string; caFile: string }[]
}

export async function startBuildKit(options: BuildKitOptions): Promise<BuildKit> {
  if (process.getuid?.() !== 0) throw new Error('the BuildKit bench needs root: buildkitd runs containers with runc')
  const binary = toolPaths().buildkitd
  if (!existsSync(binary)) throw new Error(`buildkitd is missing (${binary}): run 'npm test' (its setup builds it)`)
  // Unix socket paths are limited to about 100 bytes.
  const dir = await mkdtemp(join('/tmp', 'pa-bk-'))
  const socket = join(dir, 'buildkitd.sock')
  const config = [
    ...options.plainHttpRegistries.map((host) => `[registry."${host}"]\n  http = true\n  insecure = true\n`),
    // http = false said outright: BuildKit speaks plain HTTP to a loopback registry unless told otherwise.
    ...(options.tlsRegistries ?? []).map(
      ({ host, caFile }) => `[registry."${host}"]\n  http = false\n  ca = [${JSON.stringify(caFile)}]\n`,
    ),
  ].join('\n')
  await writeFile(join(dir, 'buildkitd.toml'), config)
  const logFile = join(dir, 'buildkitd.log')
  const log = openSync(logFile, 'a')
  const daemon: ChildProcess = spawn(
    binary,
    [
      `--addr=unix://${socket}`,
      `--root=${join(dir, 'root')}`,
      `--config=${join(dir, 'buildkitd.toml')}`,
      '--oci-worker=true',
      '--oci-worker-binary=/usr/sbin/runc',
      '--oci-worker-snapshotter=native',
      '--oci-worker-net=host',
      '--containerd-worker=false',
    ],
    { stdio: ['ignore', log, log] },
  )
  closeSync(log)
  const supervised = supervise(daemon)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await supervised.terminate()
    await unmountUnder(dir)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitFor('buildkitd to listen on its socket', () => listening(socket), 60_000)
  } catch (error) {
    const lastLines = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 10) : ''
    await stop()
    throw new Error(`${(error as Error).message}\n${lastLines}`)
  }
  return { address: `unix://${socket}`, stop }
}

function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}
