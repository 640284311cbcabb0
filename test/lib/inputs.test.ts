import { describe, expect, it } from 'vitest'
import { UserError } from '../../lib/errors'
import {
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseKeyValues,
  parseList,
  parseRequired,
  parseRoleArn,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readKeyValues,
  readList,
  readOptional,
  readRequired,
  readRoleArn,
} from '../../lib/inputs'

function failureOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UserError)
    return (error as Error).message
  }
  throw new Error('expected a UserError')
}

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['FALSE', false],
    ['', true],
  ])('%j → %s (fallback true)', (raw, expected) => expect(parseBoolean('flag', raw, true)).toBe(expected))

  it('rejects anything else, naming the input and the accepted values', () => {
    expect(failureOf(() => parseBoolean('keep-login', 'yes', false))).toBe("Input 'keep-login' must be true or false; got 'yes'.")
  })
})

describe('parseEnum', () => {
  const modes = ['create', 'destroy', 'plan'] as const
  it.each([
    ['create', 'create'],
    ['PLAN', 'plan'],
    ['', 'plan'],
  ])('%j → %s', (raw, expected) => expect(parseEnum('mode', raw, modes, 'plan')).toBe(expected))
  it('lists the accepted values', () => {
    expect(failureOf(() => parseEnum('mode', 'apply', modes))).toBe("Input 'mode' must be one of create, destroy, plan; got 'apply'.")
  })
  it('requires a value when there is no fallback', () => {
    expect(failureOf(() => parseEnum('mode', '', modes))).toContain("Input 'mode' must be one of")
  })
})

describe('parseInteger', () => {
  it.each([
    ['', 3600, {}, 3600],
    ['900', 0, { min: 900, max: 43200 }, 900],
    ['-5', 0, {}, -5],
  ])('%j → %s', (raw, fallback, range, expected) => expect(parseInteger('n', raw, fallback, range)).toBe(expected))
  it.each([
    ['12.5', { min: 1, max: 10 }, 'a whole number from 1 to 10'],
    ['0', { min: 1 }, 'a whole number of at least 1'],
    ['99', { max: 10 }, 'a whole number of at most 10'],
    ['x', {}, 'a whole number'],
  ])('%j is rejected as not %s', (raw, range, accepted) => {
    expect(failureOf(() => parseInteger('n', raw, 0, range))).toBe(`Input 'n' must be ${accepted}; got '${raw}'.`)
  })
})

describe('parseDuration', () => {
  it.each([
    ['', 5, 5],
    ['90', 0, 90_000],
    ['90s', 0, 90_000],
    ['5m', 0, 300_000],
    ['1h30m', 0, 5_400_000],
    ['250ms', 0, 250],
    ['1.5s', 0, 1500],
  ])('%j → %d ms', (raw, fallback, expected) => expect(parseDuration('timeout', raw, fallback)).toBe(expected))
  it.each(['5 minutes', 'm5', '5mx', '-5s'])('rejects %j', (raw) => {
    expect(failureOf(() => parseDuration('timeout', raw, 0))).toContain("Input 'timeout' must be a duration")
  })
})

describe('parseList', () => {
  it('takes one item per line, ignores blanks and comments, never splits on commas', () => {
    expect(parseList('a\n\n  # note\n b,c \r\nd')).toEqual(['a', 'b,c', 'd'])
  })
})

describe('parseKeyValues', () => {
  it('reads key=value lines, values may contain =', () => {
    const pairs = parseKeyValues('backend-config', 'bucket = state\nkey=env/dev=1\n# comment\n')
    expect([...pairs]).toEqual([
      ['bucket', 'state'],
      ['key', 'env/dev=1'],
    ])
  })
  it('names the malformed line and does not echo a long value whole', () => {
    expect(failureOf(() => parseKeyValues('backend-config', 'bucket=a\nno-equals-sign'))).toBe(
      "Input 'backend-config' line 2 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
    )
    expect(failureOf(() => parseKeyValues('v', '=value'))).toContain('line 1')
    // Not a character of a malformed line is shown, short or long: it may be a secret meant as a value.
    for (const secret of ['hunter2', 'wJalrXUtnFEMI/K7MDENG', 'averyveryverylongsecretlookingvalue']) {
      expect(failureOf(() => parseKeyValues('v', secret))).toBe(
        "Input 'v' line 1 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
      )
    }
  })
})

describe('parseRoleArn', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/deploy', 'aws', 'deploy'],
    ['arn:aws-cn:iam::123456789012:role/path/to/ci-role', 'aws-cn', 'ci-role'],
    ['arn:aws-us-gov:iam::123456789012:role/gov', 'aws-us-gov', 'gov'],
  ])('%s', (arn, partition, roleName) => {
    expect(parseRoleArn('role-to-assume', arn)).toEqual({ arn, partition, accountId: '123456789012', roleName })
  })
  it.each(['arn:aws:iam::12345:role/x', 'arn:aws:iam::123456789012:user/x', 'deploy', 'arn:aws:s3:::bucket'])('rejects %s', (raw) => {
    expect(failureOf(() => parseRoleArn('role-to-assume', raw))).toContain("Input 'role-to-assume' must be an IAM role ARN")
  })
})

describe('parseRequired', () => {
  it('accepts text and rejects empty', () => {
    expect(parseRequired('x', 'v')).toBe('v')
    expect(failureOf(() => parseRequired('cluster-name', ''))).toBe("Input 'cluster-name' is required.")
  })
})

describe('read* helpers read the runner inputs', () => {
  it('reads INPUT_ variables', () => {
    const env = {
      INPUT_NAME: ' value ',
      INPUT_FLAG: 'false',
      INPUT_MODE: 'destroy',
      INPUT_COUNT: '7',
      INPUT_WAIT: '2m',
      INPUT_ITEMS: 'a\nb',
      INPUT_PAIRS: 'k=v',
      INPUT_ROLE: 'arn:aws:iam::123456789012:role/r',
    }
    Object.assign(process.env, env)
    try {
      expect(readRequired('name')).toBe('value')
      expect(readOptional('missing')).toBeUndefined()
      expect(readBoolean('flag', true)).toBe(false)
      expect(readEnum('mode', ['create', 'destroy'])).toBe('destroy')
      expect(readInteger('count', 0)).toBe(7)
      expect(readDuration('wait', 0)).toBe(120_000)
      expect(readList('items')).toEqual(['a', 'b'])
      expect(readKeyValues('pairs').get('k')).toBe('v')
      expect(readRoleArn('role').accountId).toBe('123456789012')
    } finally {
      for (const key of Object.keys(env)) delete process.env[key]
    }
  })
})
