import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { kindsOf, LineIndex, resourcesOf, splitLikeKubeconform } from '../../../actions/kubeconform-validate/src/documents'
import { repoRoot } from '../../harness/runner'
import { fixtures, kubeconformBinary, tempDir } from './helpers'

const signatures = (text: string, quick = false) =>
  resourcesOf(text, { quick }).map((r) => ({ line: r.line, kind: r.kind, apiVersion: r.apiVersion, name: r.name, empty: r.empty }))

// Documents that exercise kubeconform's own split and signature rules.
const tricky = [
  '---',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  generateName: job-',
  '--- # a separator with a comment',
  '# only a comment',
  '---',
  'Kind: Secret',
  'apiVersion: v1',
  'metadata: {name: flow}',
  '---',
  'apiVersion: v1',
  'kind: List',
  'items:',
  '  - apiVersion: v1',
  '    kind: Namespace',
  '    metadata:',
  '      name: one',
  '  - {apiVersion: v1, kind: Namespace, metadata: {name: two}}',
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: 12345',
  '---',
  'kind: "Service"',
  "apiVersion: 'v1'",
  'metadata:',
  '  name: on',
  '---',
  '',
].join('\n')

describe('splitLikeKubeconform', () => {
  it.each([
    ['one document', 'a: 1\n', ['a: 1\n']],
    ['a leading separator stays in the first chunk', '---\na: 1\n', ['---\na: 1\n']],
    ['separator lines are dropped, comments after them too', 'a: 1\n--- # x\nb: 2\n', ['a: 1', 'b: 2\n']],
    ['any line starting with --- separates', 'a: 1\n----\nb: 2', ['a: 1', 'b: 2']],
    ['a trailing separator', 'a: 1\n---', ['a: 1']],
    ['a trailing separator line without newline drops nothing before it', 'a: 1\n--- x', []],
    ['a separator right after another starts the next chunk', 'a: 1\n---\n---\nb: 2\n', ['a: 1', '---\nb: 2\n']],
    ['empty chunks are dropped', 'a: 1\n---\n\n---\nb: 2\n', ['a: 1', 'b: 2\n']],
    ['an empty file', '', []],
  ])('%s', (_name, text, chunks) => {
    expect(splitLikeKubeconform(text).map((chunk) => chunk.text)).toEqual(chunks)
  })
})

describe('resourcesOf', () => {
  it('finds each resource and the line its content starts on', () => {
    expect(signatures(tricky)).toEqual([
      { line: 2, kind: 'ConfigMap', apiVersion: 'v1', name: 'job-{{ generateName }}', empty: false },
      { line: 7, kind: '', apiVersion: '', name: '', empty: true },
      { line: 9, kind: 'Secret', apiVersion: 'v1', name: 'flow', empty: false },
      { line: 16, kind: 'Namespace', apiVersion: 'v1', name: 'one', empty: false },
      { line: 20, kind: 'Namespace', apiVersion: 'v1', name: 'two', empty: false },
      // sigs.k8s.io/yaml turns numbers and YAML 1.1 booleans into text when the target is a string.
      { line: 22, kind: 'Deployment', apiVersion: 'apps/v1', name: '12345', empty: false },
      { line: 27, kind: 'Service', apiVersion: 'v1', name: 'true', empty: false },
    ])
  })

  it('reports a syntax error at its file line and keeps the kind it can guess', () => {
    const text = readFileSync(join(fixtures, 'manifests/invalid/malformed.yaml'), 'utf8')
    const [fine, broken] = resourcesOf(text)
    expect(fine).toMatchObject({ kind: 'ConfigMap', name: 'fine', line: 1 })
    expect(broken).toMatchObject({ kind: '', chunkLine: 8, guessed: { kind: 'ConfigMap', apiVersion: 'v1' } })
    expect(broken?.syntaxError?.line).toBe(11)
  })

  it('remembers the template Helm names above a document', () => {
    const text = '---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n'
    expect(resourcesOf(text)[0]?.source).toBe('demo/templates/svc.yaml')
    expect(resourcesOf(text, { quick: true })[0]?.source).toBe('demo/templates/svc.yaml')
    expect(resourcesOf('# just a note\n# Source: not first\nkind: x\n')[0]?.source).toBe('not first')
    expect(resourcesOf('apiVersion: v1\n# Source: too late\n')[0]?.source).toBeUndefined()
  })

  it('handles CRLF line endings', () => {
    expect(signatures('apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n', true)).toEqual([
      { line: 1, kind: 'ConfigMap', apiVersion: 'v1', name: '', empty: false },
    ])
  })

  it.each([
    ['block style', 'apiVersion: v1\nkind: ConfigMap\n', { kind: 'ConfigMap', apiVersion: 'v1' }],
    [
      'comments and markers first',
      '---\n# c\n\napiVersion: v1 # note\nkind: "ConfigMap"\n',
      { kind: 'ConfigMap', apiVersion: 'v1', line: 4 },
    ],
    ['indented keys are not top-level', 'spec:\n  kind: Nope\napiVersion: v1\nkind: Pod\n', { kind: 'Pod', apiVersion: 'v1' }],
  ])('the quick scan reads %s', (_name, text, expected) => {
    expect(resourcesOf(text, { quick: true })[0]).toMatchObject(expected)
  })

  it.each([
    ['flow style', '{apiVersion: v1, kind: ConfigMap}'],
    ['a tag', 'apiVersion: !!str v1\nkind: ConfigMap\n'],
    ['an anchor', 'apiVersion: &v v1\nkind: ConfigMap\n'],
    ['a value on the next line', 'apiVersion:\n  v1\nkind: ConfigMap\n'],
    ['an escaped string', 'apiVersion: "v\\u0031"\nkind: ConfigMap\n'],
    ['a folded key', 'APIVERSION: v1\nkind: ConfigMap\n'],
    ['a duplicate key', 'apiVersion: v1\napiVersion: v2\nkind: ConfigMap\n'],
    ['a tab', 'apiVersion:\tv1\nkind: ConfigMap\n'],
    ['a List', 'apiVersion: v1\nkind: List\nitems: []\n'],
    ['a number', 'apiVersion: 1\nkind: ConfigMap\n'],
    ['a boolean word', 'apiVersion: v1\nkind: yes\n'],
    ['text after the marker', '--- !tag\napiVersion: v1\nkind: ConfigMap\n'],
    ['a sequence', '- a\n- b\n'],
  ])('the quick scan leaves %s to the parser, which agrees with a full parse', (_name, text) => {
    expect(signatures(text, true)).toEqual(
      signatures(text)
        .map((r) => ({ ...r, name: r.name }))
        .map((r) => ({ ...r, name: '' })),
    )
  })

  it('quick and full parses agree on kind and apiVersion for every fixture', () => {
    for (const file of fixtureFiles()) {
      const text = readFileSync(file, 'utf8')
      const kinds = (quick: boolean) =>
        resourcesOf(text, { quick }).map((r) => [r.kind || r.guessed?.kind, r.apiVersion || r.guessed?.apiVersion])
      expect(kinds(true), file).toEqual(kinds(false))
    }
  })

  it('finds the same resources as kubeconform, in the same order, for every fixture and tricky file', async () => {
    const dir = await tempDir('kcv-docs-')
    const trickyFile = join(dir, 'tricky.yaml')
    writeFileSync(trickyFile, tricky)
    const files = [...fixtureFiles(), trickyFile]
    // -n 1 keeps kubeconform's results in file and document order; -verbose prints every resource, empty ones too.
    const run = spawnSync(
      kubeconformBinary,
      ['-output', 'json', '-verbose', '-n', '1', '-schema-location', join(dir, 'none.json'), ...files],
      {
        encoding: 'utf8',
      },
    )
    const printed = (
      JSON.parse(run.stdout) as { resources: { filename: string; kind: string; version: string; name: string; status: string }[] }
    ).resources
    for (const file of files) {
      const theirs = printed.filter((r) => r.filename === file).map((r) => [r.kind, r.version, r.name, r.status === ''])
      const ours = resourcesOf(readFileSync(file, 'utf8')).map((r) => [r.kind, r.apiVersion, r.name, r.empty])
      expect(ours, file).toEqual(theirs)
    }
  })
})

describe('kindsOf', () => {
  it('lists the kinds a file uses, List items and the kinds of broken documents included', () => {
    expect(kindsOf(tricky)).toEqual([
      { kind: 'ConfigMap', apiVersion: 'v1' },
      { kind: 'Secret', apiVersion: 'v1' },
      { kind: 'Namespace', apiVersion: 'v1' },
      { kind: 'Namespace', apiVersion: 'v1' },
      { kind: 'Deployment', apiVersion: 'apps/v1' },
      { kind: 'Service', apiVersion: 'v1' },
    ])
    expect(kindsOf(readFileSync(join(fixtures, 'manifests/invalid/malformed.yaml'), 'utf8'))).toEqual([
      { kind: 'ConfigMap', apiVersion: 'v1' },
      { kind: 'ConfigMap', apiVersion: 'v1' },
    ])
    expect(kindsOf('just: data\n---\n- a list\n')).toEqual([])
  })
})

describe('LineIndex', () => {
  it('maps offsets to 1-based lines', () => {
    const index = new LineIndex('a\nbc\n\nd')
    expect([0, 1, 2, 4, 5, 6, 99].map((offset) => index.lineOf(offset))).toEqual([1, 1, 2, 2, 3, 4, 4])
  })
})

function fixtureFiles(): string[] {
  const root = join(repoRoot, 'test/fixtures/manifests')
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}
