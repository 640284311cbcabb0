import { describe, expect, it } from 'vitest'
import { maskSecret, REDACTED, redact, registeredSecrets, secretTexts } from '../../lib/masks'
import { captureStdout } from '../harness/capture'

describe('secretTexts', () => {
  it.each([
    ['a string', 'hunter2-hunter2', ['hunter2-hunter2']],
    [
      'each line of a multi-line value',
      'first-line\nsecond-line',
      ['first-line\nsecond-line', 'first-line\\nsecond-line', 'first-line', 'second-line'],
    ],
    ['the quoted-string form', 'p@ss"word', ['p@ss"word', 'p@ss\\"word']],
    ['every string in an object', { a: ['deep-secret'], b: 3, c: true }, ['deep-secret']],
    ['nothing for booleans, numbers and short values', { a: 'true', b: '42', c: 'dev', d: '1.5' }, []],
  ])('%s', (_name, value, expected) => {
    expect(secretTexts(value).sort()).toEqual([...expected].sort())
  })
})

describe('redact', () => {
  it('replaces every occurrence, the longest secret first', () => {
    expect(redact('token=abcd1234 and abcd1234-suffix; abcd', ['abcd', 'abcd1234-suffix', 'abcd1234'])).toBe(
      `token=${REDACTED} and ${REDACTED}; ${REDACTED}`,
    )
  })

  it('leaves text without secrets as it is', () => {
    expect(redact('plain', [])).toBe('plain')
  })
})

describe('maskSecret', () => {
  it('masks through the runner and remembers the value for redact()', async () => {
    const { commands } = await captureStdout(async () => maskSecret('remembered-secret-1'))
    expect(commands.masks).toContain('remembered-secret-1')
    expect(registeredSecrets()).toContain('remembered-secret-1')
  })
})
