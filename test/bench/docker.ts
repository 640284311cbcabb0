import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ExecOptions, type ExecResult, exec, tail } from '../../lib/exec'
import { BASE_IMAGE, busyboxRootfsTar } from './base-image'
import { checkedTool } from './checked-tool'
import { supervise } from './daemon'
import { waitFor } from './ports'

/**
 * Debian's Docker engine on a private socket: vfs storage (works in any
 * container), no bridge and no iptables (nothing of the host is touched), its
 * own data and exec roots under one temporary folder, and a busybox base image
 * imported locally because nothing can be pulled.
 *
 * startDocker() is idempotent within a process: a second call returns the
 * engine already running. stop() is idempotent too, and leaves nothing behind:
 * the daemon, the containerd it started, mounts and the folder are all gone.
 */
export interface DockerEngine {
  /** DOCKER_HOST for the docker CLI. */
  host: string
  /** Environment that points a docker CLI at this engine. */
  env: Record<string, string>
  dir: string
  /** The locally imported base image; Dockerfiles start `FROM` it. */
  baseImage: string
  /** Runs the docker CLI against this engine; a non-zero exit throws with the output's last lines. */
  docker(args: readonly string[], options?: ExecOptions): Promise<ExecResult>
  stop(): Promise<void>
}

let running: Promise<DockerEngine> | undefined

export function startDocker(): Promise<DockerEngine> {
  running ??= launch().catch((error: unknown) => {
    running = undefined
    throw error
  })
  return running
}

// Unix socket paths are limited to about 100 bytes; a long TMPDIR would break the socket.
async function shortTempDir(prefix: string): Promise<string> {
  const base = join(tmpdir(), prefix).length < 40 ? tmpdir() : '/tmp'
  return mkdtemp(join(base, prefix))
}

async function launch(): Promise<DockerEngine> {
  if (process.getuid?.() !== 0) throw new Error('the Docker bench needs root: dockerd runs as root on a private socket')
  if (!existsSync('/usr/sbin/dockerd')) throw new Error("dockerd is missing: run 'npm test' (its setup installs docker.io)")
  const dir = await shortTempDir('pa-dk-')
  const socket = join(dir, 'docker.sock')
  const host = `unix://${socket}`
  const logFile = join(dir, 'dockerd.log')
  const log = openSync(logFile, 'a')
  const daemon: ChildProcess = spawn(
    '/usr/sbin/dockerd',
    [
      '--storage-driver',
      'vfs',
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '-H',
      host,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'x'),
      '--pidfile',
      join(dir, 'pid'),
    ],
    { stdio: ['ignore', log, log] },
  )
  closeSync(log)
  const supervised = supervise(daemon)

  const env = { DOCKER_HOST: host }
  const docker: DockerEngine['docker'] = checkedTool('docker', env)

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await supervised.terminate({ killAfterMs: 30_000 })
    // dockerd ends its containerd on a clean exit; after a SIGKILL it would be orphaned.
    killFromPidFile(join(dir, 'x', 'containerd', 'containerd.pid'))
    await unmountUnder(dir)
    await rm(dir, { recursive: true, force: true })
    running = undefined
  }

  try {
    await waitFor('dockerd to answer on its socket', () => ping(socket), 60_000)
    const tarball = await busyboxRootfsTar(dir)
    await docker(['import', '-', BASE_IMAGE], { input: await readFile(tarball) })
    await rm(join(dir, 'rootfs'), { recursive: true, force: true })
  } catch (error) {
    const lastLines = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 10) : ''
    await stop()
    throw new Error(`${(error as Error).message}\n${lastLines}`)
  }
  return { host, env, dir, baseImage: BASE_IMAGE, docker, stop }
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    probe.on('error', () => resolve(false))
    probe.on('timeout', () => probe.destroy())
    probe.end()
  })
}

function killFromPidFile(pidFile: string): void {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 1) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone: the normal case after a clean shutdown.
  }
}

/** Lazily unmounts whatever a daemon left mounted under `dir`, deepest first, so removing the folder cannot reach into a mount. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .map((path) => path.replace(/\\040/g, ' '))
    .filter((path) => path === dir || path.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
  for (const mount of mounts) await exec('umount', ['-l', mount], { silent: true })
}
