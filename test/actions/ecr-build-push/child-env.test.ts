import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Moto, startMoto } from '../../bench/moto'
import { runAction } from '../../harness/runner'
import { RUNNER_CREDENTIALS } from '../../harness/runner-credentials'

/**
 * Issue #16: the Docker CLI the bundle starts (and through it buildx and the
 * Dockerfile's build) gets no runner credential. `docker` here is a program
 * that records the environment it was started with and fails, which ends the
 * step right after the first build command; ECR is moto's.
 */

let moto: Moto
let dir: string
// The registry's data plane as far as the step needs it here: the tag to build does not exist yet.
const registry = createServer((_request, response) => {
  response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
})

beforeAll(async () => {
  moto = await startMoto()
  dir = await mkdtemp(join(tmpdir(), 'ecr-child-env-'))
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve))
})
afterAll(async () => {
  await moto?.stop()
  await new Promise<void>((resolve) => registry.close(() => resolve()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe("ecr-build-push's docker", () => {
  it("runs without the runner's OIDC, runtime and cache credentials, GITHUB_TOKEN or the action's inputs", async () => {
    const bin = join(dir, 'bin')
    const app = join(dir, 'app')
    await mkdir(bin)
    await mkdir(app)
    await mkdir(join(dir, 'temp'))
    await writeFile(join(app, 'Dockerfile'), 'FROM scratch\n')
    // Every call appends its arguments and environment, so the buildx probe and the build are both seen.
    await writeFile(
      join(bin, 'docker'),
      `#!/bin/sh\necho "ARGS $*" >> '${join(dir, 'docker.env')}'\n/usr/bin/env >> '${join(dir, 'docker.env')}'\nexit 1\n`,
      {
        mode: 0o755,
      },
    )
    const run = await runAction('ecr-build-push', {
      cwd: app,
      env: {
        ...RUNNER_CREDENTIALS,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: moto.endpoint,
        PATH: `${bin}:/usr/bin:/bin`,
        RUNNER_TEMP: join(dir, 'temp'),
        DOCKER_CONFIG: join(dir, 'no-user-docker-config'),
        GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
        PIPELINE_PROBE: 'reaches-docker',
      },
      inputs: { repository: 'team/app', registry: `http://127.0.0.1:${(registry.address() as AddressInfo).port}` },
    })
    expect(run.exitCode).toBe(1)
    const text = await readFile(join(dir, 'docker.env'), 'utf8')
    // The probe, then the classic build it falls back to when the probe fails.
    expect(text).toContain('ARGS buildx version')
    expect(text).toMatch(/ARGS build /)
    const names = text.split('\n').map((line) => line.split('=')[0] ?? '')
    expect(names).toContain('PIPELINE_PROBE')
    expect(names).toContain('AWS_REGION')
    for (const name of Object.keys(RUNNER_CREDENTIALS)) expect(names, name).not.toContain(name)
    expect(names.filter((name) => name.startsWith('INPUT_'))).toEqual([])
    for (const value of Object.values(RUNNER_CREDENTIALS)) expect(text).not.toContain(value)
  })
})
