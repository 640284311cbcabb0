import { describe, expect, it } from 'vitest'
import { listenForCancellation, onCancel } from '../../lib/cancel'
import { exec } from '../../lib/exec'
import { captureStdout } from '../harness/capture'

describe('lib/cancel: a cancelled step says so once, stops its tools and cleans up', () => {
  it('SIGTERM: one failure line, the cleanup first, the running tool stopped, then exit 1', async () => {
    const order: string[] = []
    const exited = new Promise<number>((resolve) => {
      const stop = listenForCancellation({
        exit: (code) => {
          order.push('exit')
          stop()
          resolve(code)
        },
        // The grace timer is never due here: the tool stops at SIGTERM.
        setTimer: () => undefined,
      })
    })
    const unhook = onCancel(() => order.push('cleanup'))
    const { result, commands } = await captureStdout(async () => {
      const running = exec('sleep', ['30'], { silent: true, detached: true })
      // As the runner does; emitting calls the listeners without signalling the test process itself.
      process.emit('SIGTERM', 'SIGTERM')
      process.emit('SIGTERM', 'SIGTERM')
      return { tool: await running, code: await exited }
    })
    unhook()
    expect(result.code).toBe(1)
    expect(result.tool.signal).toBe('SIGTERM')
    expect(order).toEqual(['cleanup', 'exit'])
    expect(commands.annotations.map((annotation) => annotation.message)).toEqual([
      'Cancelled by SIGTERM: stopping sleep, then nothing more is run.',
    ])
  })

  it('kills a tool that ignores SIGTERM when the grace time is up', async () => {
    let due: (() => void) | undefined
    const exited = new Promise<number>((resolve) => {
      const stop = listenForCancellation({
        exit: (code) => {
          stop()
          resolve(code)
        },
        setTimer: (callback) => {
          due = callback
        },
      })
    })
    await captureStdout(async () => {
      // The signal is sent once the shell has said it ignores SIGTERM, not before.
      let ready: () => void = () => {}
      const ignoring = new Promise<void>((resolve) => {
        ready = resolve
      })
      const running = exec('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'], {
        silent: true,
        detached: true,
        onSpawn: (child) => child.stdout?.once('data', () => ready()),
      })
      await ignoring
      process.emit('SIGINT', 'SIGINT')
      due?.()
      expect((await running).signal).toBe('SIGKILL')
      expect(await exited).toBe(1)
    })
  })

  it('exec: a tool past its time limit is killed with its children, and the result says so', async () => {
    const result = await exec('sh', ['-c', 'sleep 30 & wait'], { silent: true, detached: true, timeoutMs: 50 })
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL' })
  })
})
