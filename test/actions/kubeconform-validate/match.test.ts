import { describe, expect, it } from 'vitest'
import type { Resource } from '../../../actions/kubeconform-validate/src/documents'
import type { KubeconformResult } from '../../../actions/kubeconform-validate/src/kubeconform'
import { lineOf, matchOrdered, matchUnordered } from '../../../actions/kubeconform-validate/src/match'

const resource = (line: number, kind: string, name: string, extra: Partial<Resource> = {}): Resource => ({
  line,
  chunkLine: line,
  kind,
  apiVersion: kind ? 'v1' : '',
  name,
  empty: false,
  ...extra,
})
const result = (kind: string, name: string, status: KubeconformResult['status'], msg = ''): KubeconformResult => ({
  filename: 'f.yaml',
  kind,
  name,
  version: kind ? 'v1' : '',
  status,
  msg,
})

describe('matchUnordered', () => {
  it('matches results to resources by signature, whatever the order', () => {
    const resources = [resource(1, 'ConfigMap', 'a'), resource(8, 'Service', 'b'), resource(20, 'ConfigMap', 'c')]
    const match = matchUnordered(resources, [
      result('ConfigMap', 'c', 'statusInvalid'),
      result('ConfigMap', 'a', 'statusValid'),
      result('Service', 'b', 'statusError'),
    ])
    expect(match.ambiguous).toBe(false)
    const lines = Object.fromEntries(match.located.map((item) => [item.result.name, item.resource?.line]))
    // Valid results are not placed: only failures are annotated.
    expect(lines).toEqual({ c: 20, a: undefined, b: 8 })
  })

  it('accepts twins with the same outcome: which is which does not matter', () => {
    const match = matchUnordered(
      [resource(1, 'ConfigMap', 'x'), resource(5, 'ConfigMap', 'x')],
      [result('ConfigMap', 'x', 'statusInvalid', 'm'), result('ConfigMap', 'x', 'statusInvalid', 'm')],
    )
    expect(match.ambiguous).toBe(false)
    expect(match.located.map((item) => item.resource?.line)).toEqual([1, 5])
  })

  it.each([
    [
      'twins with different outcomes',
      [resource(1, 'ConfigMap', 'x'), resource(5, 'ConfigMap', 'x')],
      [result('ConfigMap', 'x', 'statusValid'), result('ConfigMap', 'x', 'statusError', 'e')],
    ],
    ['a failure no resource explains', [resource(1, 'ConfigMap', 'x')], [result('', '', 'statusError', 'e')]],
    [
      'more failures than resources',
      [resource(1, 'ConfigMap', 'x')],
      [result('ConfigMap', 'x', 'statusError'), result('ConfigMap', 'x', 'statusError')],
    ],
  ])('calls a file with %s ambiguous', (_name, resources, results) => {
    expect(matchUnordered(resources, results)).toEqual({ located: [], ambiguous: true })
  })

  it('tells an empty document from a broken one with the same blank signature', () => {
    const empty = resource(3, '', '', { empty: true })
    const broken = resource(9, '', '', { syntaxError: { message: 'bad', line: 10 } })
    const match = matchUnordered([empty, broken], [result('', '', 'statusError', 'error unmarshalling resource: x'), result('', '', '')])
    expect(match.ambiguous).toBe(false)
    expect(match.located.find((item) => item.result.status === 'statusError')?.resource).toBe(broken)
  })
})

describe('matchOrdered', () => {
  it('pairs the n-th result with the n-th resource when the counts agree', () => {
    const resources = [resource(1, 'ConfigMap', 'x'), resource(5, 'ConfigMap', 'x')]
    const located = matchOrdered(resources, [result('ConfigMap', 'x', 'statusValid'), result('ConfigMap', 'x', 'statusError')])
    expect(located.map((item) => [item.result.status, item.resource?.line])).toEqual([
      ['statusValid', 1],
      ['statusError', 5],
    ])
  })

  it('falls back to signatures in order when the parsers disagree on the count', () => {
    const resources = [
      resource(1, 'ConfigMap', 'a'),
      resource(5, 'Service', 'b'),
      resource(9, 'ConfigMap', 'a'),
      resource(14, 'Service', 'd'),
    ]
    const located = matchOrdered(resources, [
      result('ConfigMap', 'a', 'statusValid'),
      result('ConfigMap', 'a', 'statusError'),
      result('Secret', 's', 'statusError'),
    ])
    expect(located.map((item) => item.resource?.line)).toEqual([1, 9, undefined])
  })
})

describe('lineOf', () => {
  it.each([
    ['where the resource starts', result('ConfigMap', 'a', 'statusInvalid'), resource(4, 'ConfigMap', 'a'), 4],
    [
      'the YAML line kubeconform names, counted from the chunk',
      result('', '', 'statusError', 'error unmarshalling resource: error converting YAML to JSON: yaml: line 5: bad'),
      resource(9, '', '', { chunkLine: 8 }),
      12,
    ],
    [
      'a duplicate key, on the second occurrence',
      result(
        'ConfigMap',
        'a',
        'statusError',
        'error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map',
      ),
      resource(8, 'ConfigMap', 'a'),
      14,
    ],
    [
      "our parser's line when kubeconform names none",
      result('', '', 'statusError', 'error unmarshalling resource: something'),
      resource(3, '', '', { syntaxError: { message: 'x', line: 6 } }),
      6,
    ],
    [
      'the start for other unmarshalling errors',
      result('', '', 'statusError', 'error unmarshalling resource: something'),
      resource(3, '', ''),
      3,
    ],
    ['nothing without a resource', result('', '', 'statusError', 'x'), undefined, undefined],
  ])('%s', (_name, res, found, expected) => {
    expect(lineOf({ result: res, resource: found })).toBe(expected)
  })
})
