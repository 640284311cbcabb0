import { describe, expect, it, vi } from 'vitest'
import { UserError } from '../../lib/errors'
import { exec, tail } from '../../lib/exec'

describe('exec', () => {
  it('passes arguments verbatim, with no shell to interpret them', async () => {
    const result = await exec('printf', ['%s|', '$(whoami)', 'a b', ';echo hi'], { silent: true })
    expect(result).toMatchObject({ exitCode: 0, stdout: '$(whoami)|a b|;echo hi|' })
  })

  it('feeds stdin, so secrets never need to be arguments', async () => {
    const result = await exec('cat', [], { input: 's3cret', silent: true })
    expect(result.stdout).toBe('s3cret')
  })

  it('returns non-zero exits and signals as results', async () => {
    expect(await exec('sh', ['-c', 'echo out; echo err >&2; exit 3'], { silent: true })).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    })
    const killed = await exec('sleep', ['5'], { silent: true, onSpawn: (child) => child.kill('SIGTERM') })
    expect(killed.signal).toBe('SIGTERM')
  })

  it('streams output to the log unless silent', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    await exec('sh', ['-c', 'echo visible; echo warn >&2'], { cwd: '/', env: { PATH: process.env.PATH } })
    expect(String(out.mock.calls.map((call) => call[0]).join(''))).toContain('visible')
    expect(String(err.mock.calls.map((call) => call[0]).join(''))).toContain('warn')
    out.mockRestore()
    err.mockRestore()
  })

  it('starts a detached child as the leader of its own process group', async () => {
    // /proc/<pid>/stat field 5 is the process group id.
    const script = 'echo $$; cut -d" " -f5 /proc/$$/stat'
    const [pid, group] = (await exec('sh', ['-c', script], { silent: true, detached: true })).stdout.trim().split('\n')
    expect(group).toBe(pid)
    const [ownPid, ownGroup] = (await exec('sh', ['-c', script], { silent: true })).stdout.trim().split('\n')
    expect(ownGroup).not.toBe(ownPid)
  })

  it('explains a missing program as a user error', async () => {
    const error = await exec('no-such-tool-anywhere', []).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toBe("Cannot run 'no-such-tool-anywhere': it is not installed or not on PATH.")
  })

  it('rejects other spawn failures as they are', async () => {
    await expect(exec('/', [])).rejects.toThrow(/EACCES/)
  })

  it('tail keeps the last lines', () => {
    expect(tail('1\n2\n3\n4\n', 2)).toBe('3\n4')
  })
})
