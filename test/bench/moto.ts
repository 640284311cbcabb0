import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { freePort, waitFor } from './ports'

/**
 * moto's server on loopback: real AWS wire protocols (STS, ECR, EKS, S3, …)
 * for the SDKs and for Terraform's S3 backend. Each test file starts its own,
 * so state never leaks between files.
 */
export interface Moto {
  endpoint: string
  /** Environment that points every AWS client of an action at this moto. */
  env: Record<string, string>
  reset(): Promise<void>
  stop(): Promise<void>
}

export const BENCH_REGION = 'us-east-1'
/** moto's default account: every ARN it returns carries it. */
export const MOTO_ACCOUNT = '123456789012'

export interface MotoOptions {
  /** moto's own settings, e.g. MOTO_IAM_LOAD_MANAGED_POLICIES=true to have AWS's managed policies. */
  settings?: Record<string, string>
}

export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const python = toolPaths().python
  if (!existsSync(python)) throw new Error(`moto is missing (${python}): run 'npm test', whose setup installs it.`)
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', ...options.settings },
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  try {
    await waitFor('moto to listen', async () => (await fetch(`${endpoint}/moto-api/`)).ok)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`${(error as Error).message}\n${stderr}`)
  }
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: BENCH_REGION,
      AWS_DEFAULT_REGION: BENCH_REGION,
    },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' })
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
