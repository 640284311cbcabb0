import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { templateLineOf } from '../../../actions/kubeconform-validate/src/template-line'
import { fixtures } from './helpers'

const demo = readFileSync(join(fixtures, 'charts/demo/templates/deployment.yaml'), 'utf8')

describe('templateLineOf', () => {
  it.each([
    ['a key the template writes', ['spec', 'replicas'], 8],
    ['a key inside an item', ['spec', 'template', 'spec', 'containers', '0', 'image'], 19],
    ['a sequence item', ['spec', 'template', 'spec', 'containers', '0'], 18],
    ['deep inside two sequences', ['spec', 'template', 'spec', 'containers', '0', 'ports', '0', 'containerPort'], 21],
    // toYaml of a value: the template has no such key, the item that includes it is the line that produced it.
    ['a key a value renders', ['spec', 'template', 'spec', 'containers', '0', 'livenessProbez'], 18],
    ['a key not in the template at all', ['data'], undefined],
  ])('%s', (_, path, line) => {
    expect(templateLineOf(demo, path)).toBe(line)
  })

  it('does not take a key of the same name from another block', () => {
    const template = 'metadata:\n  labels:\n    app: x\nspec:\n  selector:\n    app: x\n  replicas: 1\n'
    expect(templateLineOf(template, ['spec', 'replicas'])).toBe(7)
    expect(templateLineOf(template, ['metadata', 'replicas'])).toBe(1)
    expect(templateLineOf(template, ['spec', 'selector', 'app'])).toBe(6)
  })

  it('counts items, indentless sequences and control lines included', () => {
    const template = [
      'spec:',
      '  containers:',
      '  - name: a',
      '  {{- if .Values.sidecar }}',
      '  - name: b',
      '    image: {{ .Values.image }}',
      '  {{- end }}',
      '  volumes: []',
    ].join('\n')
    expect(templateLineOf(template, ['spec', 'containers', '1', 'image'])).toBe(6)
    expect(templateLineOf(template, ['spec', 'containers', '0', 'image'])).toBe(3)
    expect(templateLineOf(template, ['spec', 'volumes'])).toBe(8)
  })
  it('searches the document of the template that rendered the resource', () => {
    const template = [
      '{{- if .Values.first }}',
      'kind: Service',
      'spec:',
      '  ports: []',
      '{{- end }}',
      '---',
      'kind: Deployment',
      'spec:',
      '  replicas: 1',
      '  ports: []',
    ].join('\n')
    expect(templateLineOf(template, ['spec', 'ports'], 0)).toBe(4)
    expect(templateLineOf(template, ['spec', 'ports'], 1)).toBe(10)
    // The first document alone has no replicas: the search does not run on into the next one.
    expect(templateLineOf(template, ['spec', 'replicas'], 0)).toBe(3)
    // A document the template does not have: the whole template, from the top.
    expect(templateLineOf(template, ['spec', 'ports'], 5)).toBe(4)
  })
})
