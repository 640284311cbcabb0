import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { expect } from 'vitest'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { startRecordingServer } from '../../bench/ports'
import { forgedCommands } from '../../harness/commands'
import type { ActionRun } from '../../harness/runner'

/**
 * What the tests of hostile input and faults share: the marker forged
 * commands carry, the checks every run must pass, and a loopback origin
 * whose answers the test chooses (the fault proxy in front of it injects
 * HTML, hangs and resets).
 */

export const MARK = 'FORGED7'

/** A fresh folder standing for the runner's checkout, with the files given. */
export async function workspaceWith(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hostile-ws-'))
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  return dir
}

/** Everything a run printed, as the runner reads it (both streams, both steps). */
export function logOf(run: ActionRun): string {
  return [run.stdout, run.stderr, run.post?.stdout ?? '', run.post?.stderr ?? ''].join('\n')
}

/** No command in the run's log that hostile text forged, and no stack trace. */
export function expectNoForgery(run: ActionRun): void {
  expect(forgedCommands(logOf(run), MARK)).toEqual([])
  expect(run.visibleLog).not.toMatch(/\n\s+at\s.+:\d+:\d+\)?\n/)
}

/** Not one occurrence of any secret (nor of its first 8 characters) in what the run printed, output or summarised. */
export function expectNoSecret(run: ActionRun, secrets: readonly string[]): void {
  const seen = [logOf(run), run.summary, JSON.stringify(run.outputs), JSON.stringify(run.exportedEnv)].join('\n')
  for (const secret of secrets) {
    expect(seen).not.toContain(secret)
    expect(seen).not.toContain(secret.slice(0, 8))
  }
}

/** A tool cache of its own holding the setup's kubeconform (linked), so no download is needed and schemas are not shared. */
export async function toolCacheWithKubeconform(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hostile-cache-'))
  const binary = toolPaths().kubeconform
  await mkdir(join(root, 'kubeconform-v0.7.0'))
  await symlink(binary, join(root, 'kubeconform-v0.7.0', 'kubeconform'))
  return root
}

export interface Origin {
  url: string
  requests: string[]
  stop(): Promise<void>
}

/** A loopback HTTP server answering every request with `handler`; stopping it drops open connections. */
export function startOrigin(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Origin> {
  return startRecordingServer(handler)
}

/** A JSON schema server in kubeconform's standard layout: every `.json` is a schema that accepts any object. */
export function schemaHandler(request: IncomingMessage, response: ServerResponse): void {
  if (!(request.url ?? '').endsWith('.json')) return void response.writeHead(404).end()
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'object' }))
}

export const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n'
