import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ExecOptions, type ExecResult, exec } from '../../lib/exec'
import { BASE_IMAGE, busyboxRootfsTar } from './base-image'
import { checkedTool } from './checked-tool'
import { unmountUnder } from './docker'

/**
 * buildah with its own image store: vfs storage and chroot isolation, chosen
 * through the standard variables (CONTAINERS_STORAGE_CONF, BUILDAH_ISOLATION)
 * so the code under test runs plain `buildah` commands as it would on a runner.
 * The busybox base image is committed into the store, since nothing can be pulled.
 */
export interface Buildah {
  /** Environment that gives every buildah command this store and isolation. */
  env: Record<string, string>
  dir: string
  baseImage: string
  buildah(args: readonly string[], options?: ExecOptions): Promise<ExecResult>
  stop(): Promise<void>
}

export async function startBuildah(): Promise<Buildah> {
  if (!existsSync('/usr/bin/buildah')) throw new Error("buildah is missing: run 'npm test' (its setup installs it)")
  const dir = await mkdtemp(join(tmpdir(), 'pa-bh-'))
  const storageConf = join(dir, 'storage.conf')
  await writeFile(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'root')}"\nrunroot = "${join(dir, 'run')}"\n`)
  const env = { CONTAINERS_STORAGE_CONF: storageConf, BUILDAH_ISOLATION: 'chroot', STORAGE_DRIVER: 'vfs' }
  const buildah: Buildah['buildah'] = checkedTool('buildah', env)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await exec('buildah', ['rm', '--all'], { silent: true, env: { ...process.env, ...env } })
    await unmountUnder(dir)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const tarball = await busyboxRootfsTar(dir)
    const container = (await buildah(['from', 'scratch'])).stdout.trim()
    await buildah(['add', container, tarball, '/'])
    await buildah(['commit', '--quiet', '--rm', container, BASE_IMAGE])
    await rm(join(dir, 'rootfs'), { recursive: true, force: true })
    await rm(tarball, { force: true })
  } catch (error) {
    await stop()
    throw error
  }
  return { env, dir, baseImage: BASE_IMAGE, buildah, stop }
}
