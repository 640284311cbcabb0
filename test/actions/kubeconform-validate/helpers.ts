import { mkdtemp } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReadInput } from '../../../lib/inputs'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { startRecordingServer } from '../../bench/ports'
import { repoRoot } from '../../harness/runner'

export const fixtures = join(repoRoot, 'test', 'fixtures')
/** The Kubernetes JSON schemas of kubernetes-validate, extracted by the setup (vX.Y.Z-local[-strict]/ layout). */
export const kubernetesSchemas = toolPaths().schemas
export const kubeconformBinary = toolPaths().kubeconform
export const helmBinary = toolPaths().helm

export interface TestServer {
  url: string
  requests: string[]
  close(): Promise<void>
}

/** A loopback HTTP server; the handler sees every request, and every path is recorded. */
export async function startServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  const server = await startRecordingServer(handler, (request) => request.url ?? '')
  return { url: server.url, requests: server.requests, close: server.stop }
}

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix))

/** The action's inputs as parseInputs reads them: the ones given, every other one empty. */
export function rawInputs(given: Record<string, string> = {}): ReadInput {
  return (name) => given[name] ?? ''
}

/**
 * A fresh tool cache holding the setup's kubeconform and helm (linked), so a
 * test finds the pinned tools without a download and its schema cache starts
 * empty and stays its own.
 */
export async function privateToolCache(): Promise<string> {
  const { mkdir, symlink } = await import('node:fs/promises')
  const root = await tempDir('kcv-cache-')
  for (const [name, path] of [
    ['kubeconform-v0.7.0', toolPaths().kubeconform],
    ['helm-v3.19.0', toolPaths().helm],
  ] as const) {
    await mkdir(join(root, name))
    await symlink(path, join(root, name, path.split('/').pop() as string))
  }
  return root
}
