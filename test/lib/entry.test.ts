import { describe, expect, it } from 'vitest'
import { withErrorBoundary } from '../../lib/entry'
import { isUserError, messageOf, UserError, userMessage } from '../../lib/errors'
import { captureStdout } from '../harness/capture'

describe('withErrorBoundary', () => {
  it.each([
    ['a UserError with a hint', new UserError('Input x is bad.', 'Use y.'), 'Input x is bad. Use y.'],
    ['a UserError', new UserError('Cluster is FAILED.'), 'Cluster is FAILED.'],
    [
      'a bug',
      new TypeError('boom\n  second line'),
      'Unexpected error: boom second line. This is a bug in pipeline-actions; please report it.',
    ],
    ['a thrown string', 'odd', 'Unexpected error: odd. This is a bug in pipeline-actions; please report it.'],
  ])('reports %s as one line, never a stack', async (_name, thrown, expected) => {
    const { commands, exitCode } = await captureStdout(() =>
      withErrorBoundary(async () => {
        throw thrown
      }),
    )
    expect(exitCode).toBe(1)
    expect(commands.annotations).toEqual([expect.objectContaining({ level: 'error', message: expected })])
    // The stack of a bug goes to the debug log only, which users see only when they ask for it.
    if (thrown instanceof TypeError) expect(commands.debug.join('\n')).toContain('TypeError: boom')
  })

  it('does nothing when the body succeeds', async () => {
    const { commands, exitCode } = await captureStdout(() => withErrorBoundary(async () => {}))
    expect(exitCode).toBe(0)
    expect(commands.annotations).toEqual([])
  })
})

describe('errors', () => {
  it('tells user errors apart and formats them', () => {
    expect(isUserError(new UserError('x'))).toBe(true)
    expect(isUserError(new Error('x'))).toBe(false)
    expect(userMessage(new UserError('a', 'b'))).toBe('a b')
    expect(messageOf(new Error('m'))).toBe('m')
    expect(messageOf(42)).toBe('42')
  })
})
