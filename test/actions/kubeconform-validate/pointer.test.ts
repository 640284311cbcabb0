import { describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { LineIndex } from '../../../actions/kubeconform-validate/src/documents'
import { offsetOf, segments, violationsOf } from '../../../actions/kubeconform-validate/src/pointer'

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "3"
  template:
    spec:
      containers:
        - name: app
          image: nginx
          ports:
            - containerPort: "80"
        - name: "a/b~c"
          imagePullPolicy: Always
`

function lineOf(text: string, pointer: string, extra?: string): number | undefined {
  // As documents.ts parses: duplicate keys are kubeconform's to report.
  const root = parseDocument(text, { version: '1.1', uniqueKeys: false }).contents
  if (!root) return undefined
  const offset = offsetOf(root, { path: segments(pointer), ...(extra ? { extra } : {}) })
  return offset === undefined ? undefined : new LineIndex(text).lineOf(offset)
}

describe('violationsOf', () => {
  it.each([
    [
      'a leaf under a parent kubeconform marks as failed',
      "problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///s.json#' - at '/spec': validation failed\n  - at '/spec/replicas': got string, want integer",
      [{ path: ['spec', 'replicas'] }],
    ],
    [
      'an unknown field, named',
      "jsonschema validation failed with 'x#' - at '/spec/template/spec/containers/0': additional properties 'restartPolicyy' not allowed",
      [{ path: ['spec', 'template', 'spec', 'containers', '0'], extra: 'restartPolicyy' }],
    ],
    [
      'several causes in one line',
      "- at '/spec/parallelism': maximum: got 64, want 16 - at '/spec/window/days': got string, want integer",
      [{ path: ['spec', 'parallelism'] }, { path: ['spec', 'window', 'days'] }],
    ],
    ['the resource itself', "- at '': missing property 'spec'", [{ path: [] }]],
    ['no path at all', 'could not find schema for Widget', []],
  ])('%s', (_, msg, expected) => {
    expect(violationsOf(msg)).toEqual(expected)
  })

  it('falls back to the validationErrors when the message names no path', () => {
    expect(violationsOf('validation failed', [{ path: '/spec/a~1b~0c' }])).toEqual([{ path: ['spec', 'a/b~c'] }])
  })
})

describe('offsetOf', () => {
  it.each([
    ['a scalar field: its key', '/spec/replicas', undefined, 6],
    ['deep inside sequences', '/spec/template/spec/containers/0/ports/0/containerPort', undefined, 13],
    ['a sequence item', '/spec/template/spec/containers/1', undefined, 14],
    ['an unknown key, on its own line', '/spec/template/spec/containers/1', 'imagePullPolicy', 15],
    ['a missing field: where it belongs', '/spec/template/spec/containers/0/resources', undefined, 10],
    ['an index past the end: the sequence', '/spec/template/spec/containers/7', undefined, 9],
    ['the resource itself', '', undefined, 1],
  ])('%s', (_, pointer, extra, line) => {
    expect(lineOf(deployment, pointer, extra)).toBe(line)
  })

  it('takes the last of duplicate keys, as kubeconform decodes them', () => {
    expect(lineOf('a: 1\nspec:\n  x: 1\nspec:\n  x: 2\n', '/spec/x')).toBe(5)
  })

  it('finds a field among 20,000 keys of one map', () => {
    const fields = Array.from({ length: 20_000 }, (_, i) => `  k${i}: ${i}`).join('\n')
    const text = `data:\n${fields}\n`
    expect(lineOf(text, '/data/k19999')).toBe(20_001)
  })
})
