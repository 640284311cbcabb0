import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exec, tail } from '../../lib/exec'
import { toolPaths } from '../../scripts/toolchain.mjs'

/**
 * No image can be pulled on this machine, so every builder of the bench
 * starts from one made here: Debian's statically linked busybox, its applets
 * linked into /bin, packed as a root filesystem tarball that `docker import`
 * and `buildah add` both accept.
 */
export const BASE_IMAGE = toolPaths().busyboxImage

const BUSYBOX = '/usr/bin/busybox'

/** Writes `<dir>/rootfs.tar` and returns its path. */
export async function busyboxRootfsTar(dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs')
  await mkdir(join(rootfs, 'bin'), { recursive: true })
  await mkdir(join(rootfs, 'etc'), { recursive: true })
  await mkdir(join(rootfs, 'tmp'), { recursive: true, mode: 0o1777 })
  const list = await exec(BUSYBOX, ['--list'], { silent: true })
  if (list.exitCode !== 0) throw new Error(`cannot run ${BUSYBOX} (Debian's busybox-static): ${tail(list.stderr, 3)}`)
  await exec('cp', [BUSYBOX, join(rootfs, 'bin', 'busybox')], { silent: true })
  for (const applet of list.stdout.split('\n').filter((name) => /^[\w.[-]+$/.test(name) && name !== 'busybox')) {
    await symlink('busybox', join(rootfs, 'bin', applet))
  }
  await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n')
  await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\n')
  const tarball = join(dir, 'rootfs.tar')
  const packed = await exec('tar', ['-C', rootfs, '-cf', tarball, '.'], { silent: true })
  if (packed.exitCode !== 0) throw new Error(`cannot pack the base image: ${tail(packed.stderr, 3)}`)
  return tarball
}
