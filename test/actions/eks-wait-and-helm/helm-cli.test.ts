import { existsSync } from 'node:fs'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { helmCli } from '../../../actions/eks-wait-and-helm/src/helm/cli'
import { exec } from '../../../lib/exec'

describe('helmCli', () => {
  it('forwards the first cancellation signal to the running helm once, then stops listening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helm-signal-'))
    const script = join(dir, 'helm')
    // Stands in for helm: reports the signal it gets, as helm marks its release failed on one.
    await writeFile(
      script,
      `#!/bin/sh\ntrap 'echo got TERM; exit 143' TERM\necho started\ntouch '${dir}/ready'\nwhile :; do sleep 0.1; done\n`,
    )
    await chmod(script, 0o755)
    const helm = helmCli({
      path: script,
      major: 3,
      version: 'v3',
      kubeconfig: join(dir, 'k'),
      stateDir: dir,
      cwd: dir,
      exec,
      env: { PATH: process.env.PATH },
    })
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }
    const running = helm.run(['upgrade'], { silent: true })
    while (!existsSync(join(dir, 'ready'))) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1)
    process.emit('SIGINT')
    const result = await running
    expect(result.stdout).toBe('started\ngot TERM\n')
    expect(result.exitCode).toBe(143)
    expect({ int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }).toEqual(before)
  })
})
