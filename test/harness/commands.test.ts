import { describe, expect, it } from 'vitest'
import { parseFileCommands, parseWorkflowCommands } from './commands'

describe('parseWorkflowCommands', () => {
  it('reads masks, annotations with escaped properties, and debug lines', () => {
    const stdout = [
      'plain log line',
      '::add-mask::s3cr%25et',
      '::error file=k8s/a%2Cb.yaml,line=7,endLine=9,col=3,title=Deployment%3A web::missing field%0Asecond line',
      '::warning::cache export failed',
      '::notice title=done::ok',
      '::debug::detail',
    ].join('\n')
    expect(parseWorkflowCommands(stdout)).toEqual({
      masks: ['s3cr%et'],
      debug: ['detail'],
      annotations: [
        {
          level: 'error',
          message: 'missing field\nsecond line',
          file: 'k8s/a,b.yaml',
          line: 7,
          endLine: 9,
          column: 3,
          title: 'Deployment: web',
        },
        {
          level: 'warning',
          message: 'cache export failed',
          file: undefined,
          line: undefined,
          endLine: undefined,
          column: undefined,
          title: undefined,
        },
        { level: 'notice', message: 'ok', file: undefined, line: undefined, endLine: undefined, column: undefined, title: 'done' },
      ],
    })
  })
})

describe('parseFileCommands', () => {
  it('reads name=value and heredoc entries', () => {
    const content = 'simple=value=with=equals\nmulti<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nempty<<EOF\nEOF\n'
    expect(parseFileCommands(content)).toEqual({ simple: 'value=with=equals', multi: 'line 1\nline 2', empty: '' })
  })
  it('rejects malformed files', () => {
    expect(() => parseFileCommands('broken')).toThrow('malformed file command line: broken')
    expect(() => parseFileCommands('x<<D\nno end')).toThrow("file command for 'x' has no closing delimiter D")
  })
})
