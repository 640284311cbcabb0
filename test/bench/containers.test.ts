import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Buildah, startBuildah } from './buildah'
import { type DockerEngine, startDocker } from './docker'
import { type Registry, startRegistry } from './registry'

let docker: DockerEngine
let registry: Registry
let buildah: Buildah
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'containers-test-'))
  ;[docker, registry, buildah] = await Promise.all([
    startDocker(),
    startRegistry({ username: 'bench-user', password: 'bench-password' }),
    startBuildah(),
  ])
})
afterAll(async () => {
  await Promise.all([docker?.stop(), registry?.stop(), buildah?.stop()])
  await rm(work, { recursive: true, force: true })
})

async function dockerConfig(name: string, password: string): Promise<string> {
  const dir = join(work, name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir)
  const auth = Buffer.from(`${registry.username}:${password}`).toString('base64')
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }))
  return dir
}

describe('the container bench', () => {
  it('starting the engine again returns the running one', async () => {
    expect(await startDocker()).toBe(docker)
  })

  it('the engine builds FROM the local base image, RUN steps included, and pushes to the registry with htpasswd auth', async () => {
    const context = join(work, 'docker-context')
    await mkdir(context)
    await writeFile(join(context, 'Dockerfile'), `FROM ${docker.baseImage}\nRUN echo built-by-docker > /proof\n`)
    const image = `${registry.host}/bench/docker:one`
    await docker.docker(['build', '-t', image, context], { env: { DOCKER_BUILDKIT: '0' } })
    expect((await docker.docker(['run', '--rm', '--network', 'none', image, 'cat', '/proof'])).stdout.trim()).toBe('built-by-docker')

    const wrong = await dockerConfig('wrong', 'not-the-password')
    await expect(docker.docker(['push', image], { env: { DOCKER_CONFIG: wrong } })).rejects.toThrow(/unauthorized|no basic auth/i)
    const right = await dockerConfig('right', registry.password)
    const pushed = await docker.docker(['push', image], { env: { DOCKER_CONFIG: right } })
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1]
    expect(digest).toBeDefined()
    expect((await registry.manifest('bench/docker', 'one'))?.digest).toBe(digest)
    expect(await registry.tags('bench/docker')).toEqual(['one'])
    expect(await registry.manifest('bench/docker', 'absent')).toBeUndefined()
  })

  it('buildah builds FROM the same base image in its own store and pushes over plain HTTP', async () => {
    const context = join(work, 'buildah-context')
    await mkdir(context)
    await writeFile(join(context, 'Containerfile'), `FROM ${buildah.baseImage}\nRUN echo built-by-buildah > /proof\n`)
    const image = `${registry.host}/bench/buildah:one`
    await buildah.buildah(['build', '-f', join(context, 'Containerfile'), '-t', image, context])
    const authfile = join(await dockerConfig('buildah', registry.password), 'config.json')
    const digestFile = join(work, 'buildah.digest')
    await buildah.buildah(['push', '--authfile', authfile, '--tls-verify=false', '--digestfile', digestFile, image, `docker://${image}`])
    const digest = (await readFile(digestFile, 'utf8')).trim()
    expect((await registry.manifest('bench/buildah', 'one'))?.digest).toBe(digest)
  })

  it('stopping is idempotent and removes every trace', async () => {
    const second = await startRegistry({ username: 'u', password: 'p' })
    await second.stop()
    await second.stop()
    await expect(fetch(second.url)).rejects.toThrow()
  })

  it('the engine stops cleanly, twice, and a new start gives a fresh one', async () => {
    const { dir } = docker
    await docker.stop()
    await docker.stop()
    expect(existsSync(dir)).toBe(false)
    docker = await startDocker()
    expect(docker.dir).not.toBe(dir)
    expect((await docker.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.trim()).toBe(docker.baseImage)
  })
})
