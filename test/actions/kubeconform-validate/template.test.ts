import { describe, expect, it } from 'vitest'
import {
  CRDS_CATALOG_LOCATION,
  checkTemplate,
  expandLocation,
  RESOLVED_LAYOUT,
  renderTemplate,
  STANDARD_LOCATION,
} from '../../../actions/kubeconform-validate/src/schema/template'
import { UserError } from '../../../lib/errors'

const data = (kind: string, apiVersion: string, strict = true) => ({ kind, apiVersion, kubernetesVersion: '1.33.0', strict })

describe('renderTemplate renders as kubeconform does', () => {
  it.each([
    [STANDARD_LOCATION, data('Deployment', 'apps/v1'), 'v1.33.0-standalone-strict/deployment-apps-v1.json'],
    [STANDARD_LOCATION, data('ConfigMap', 'v1', false), 'v1.33.0-standalone/configmap-v1.json'],
    [STANDARD_LOCATION, data('Ingress', 'networking.k8s.io/v1'), 'v1.33.0-standalone-strict/ingress-networking-v1.json'],
    [CRDS_CATALOG_LOCATION, data('Certificate', 'cert-manager.io/v1'), 'datreeio/CRDs-catalog/main/cert-manager.io/certificate_v1.json'],
    [RESOLVED_LAYOUT, data('Pod', 'v1'), 'v1/pod_v1.json'],
    [RESOLVED_LAYOUT, data('Widget', 'example.com/v1alpha1'), 'example.com/widget_v1alpha1.json'],
    ['{{.ResourceKind}}{{ .KindSuffix }}', data('Pod', 'v1'), 'pod-v1'],
    ['{{ .NormalizedKubernetesVersion }}', { ...data('Pod', 'v1'), kubernetesVersion: 'master' }, 'master'],
  ])('%s for %o', (template, values, expected) => {
    expect(renderTemplate(template, values).endsWith(expected)).toBe(true)
  })
})

describe('expandLocation', () => {
  it.each([
    ['default', STANDARD_LOCATION],
    [
      'https://mirror.example/schemas/',
      'https://mirror.example/schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
    ],
    ['/offline/{{ .ResourceKind }}.json', '/offline/{{ .ResourceKind }}.json'],
  ])('%s', (location, expected) => {
    expect(expandLocation(location)).toBe(expected)
  })
})

describe('checkTemplate', () => {
  it('accepts every field kubeconform knows', () => {
    expect(() => checkTemplate('x', `${STANDARD_LOCATION} {{ .Group }} {{ .ResourceAPIVersion }}`)).not.toThrow()
  })

  it.each([
    ['an unknown field', 'https://x/{{ .Kind }}.json', "Input 'schema-locations' has an unknown template field '{{ .Kind }}'"],
    ['a function call', 'https://x/{{ lower .ResourceKind }}.json', "unknown template field '{{ lower .ResourceKind }}'"],
    ['an unclosed brace', 'https://x/{{ .ResourceKind.json', "has an unclosed '{{'"],
  ])('rejects %s', (_name, template, message) => {
    let error: unknown
    try {
      checkTemplate('schema-locations', template)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toContain(message)
  })
})
