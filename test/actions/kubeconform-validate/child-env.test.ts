import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { runAction } from '../../harness/runner'
import { RUNNER_CREDENTIALS } from '../../harness/runner-credentials'
import { tempDir } from './helpers'

/**
 * Issue #16: the tools the bundle starts (kustomize, as kubectl would be, and
 * kubeconform) get no runner credential. Each is the real tool behind a
 * wrapper that first records the environment it was started with.
 */

async function recordingWrapper(path: string, real: string, dump: string): Promise<void> {
  await writeFile(path, `#!/bin/sh\n/usr/bin/env > '${dump}'\nexec '${real}' "$@"\n`, { mode: 0o755 })
}

describe("kubeconform-validate's tools", () => {
  it("run without the runner's OIDC, runtime and cache credentials, GITHUB_TOKEN or the action's inputs", async () => {
    const dir = await tempDir('kcv-child-env-')
    const bin = join(dir, 'bin')
    const cache = join(dir, 'cache')
    await mkdir(bin)
    await mkdir(join(cache, 'kubeconform-v0.7.0'), { recursive: true })
    await recordingWrapper(join(bin, 'kustomize'), toolPaths().kustomize, join(dir, 'kustomize.env'))
    await recordingWrapper(join(cache, 'kubeconform-v0.7.0', 'kubeconform'), toolPaths().kubeconform, join(dir, 'kubeconform.env'))
    const run = await runAction('kubeconform-validate', {
      inputs: {
        kustomize: 'test/fixtures/kustomize/base',
        // No schema is needed to see what the tools were started with.
        'schema-locations': '/nowhere/{{ .ResourceKind }}.json',
        'ignore-missing-schemas': 'true',
      },
      // PATH holds only the wrapper: a kubectl elsewhere on PATH would be preferred to kustomize.
      env: {
        ...RUNNER_CREDENTIALS,
        PATH: bin,
        PIPELINE_ACTIONS_TOOL_CACHE: cache,
        PIPELINE_PROBE: 'reaches-tools',
      },
    })
    expect(run.failure).toBeUndefined()
    expect(run.outputs).toMatchObject({ skipped: '2' })
    for (const tool of ['kustomize', 'kubeconform']) {
      const text = await readFile(join(dir, `${tool}.env`), 'utf8')
      const names = text.split('\n').map((line) => line.split('=')[0] ?? '')
      // The probe proves the file is the tool's environment, not an empty one.
      expect(names, tool).toContain('PIPELINE_PROBE')
      for (const name of Object.keys(RUNNER_CREDENTIALS)) expect(names, `${tool}: ${name}`).not.toContain(name)
      expect(
        names.filter((name) => name.startsWith('INPUT_')),
        tool,
      ).toEqual([])
      for (const value of Object.values(RUNNER_CREDENTIALS)) expect(text, tool).not.toContain(value)
    }
  })
})
