import { describe, expect, it } from 'vitest'
import { crdSchemasOf, toJsonSchema } from '../../../actions/kubeconform-validate/src/schema/crd'

/** A converted schema, read along the keywords these tests look at. */
type Field =
  | 'spec'
  | 'metadata'
  | 'port'
  | 'legacyPort'
  | 'owner'
  | 'mode'
  | 'count'
  | 'limit'
  | 'config'
  | 'labels'
  | 'template'
  | 'steps'
  | 'either'
interface Schema {
  properties: Record<Field, Schema>
  items: Schema
  anyOf: [Schema]
  [keyword: string]: unknown
}

const where = (line: number, source: string | undefined) => `${source ?? 'file.yaml'}:${line}`

describe('toJsonSchema', () => {
  const openapi = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
      spec: {
        type: 'object',
        properties: {
          port: { 'x-kubernetes-int-or-string': true },
          legacyPort: { type: 'string', format: 'int-or-string' },
          owner: { type: 'string', nullable: true },
          mode: { type: 'string', enum: ['a', 'b'], nullable: true },
          count: { type: 'integer', minimum: 0, exclusiveMinimum: true },
          limit: { type: 'integer', maximum: 9, exclusiveMaximum: false },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
          steps: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
          either: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }] },
        },
      },
    },
  }

  it('makes an object with properties closed under strict, except where the CRD keeps unknown fields', () => {
    const schema = toJsonSchema(structuredClone(openapi), true) as unknown as Schema
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.spec.additionalProperties).toBe(false)
    expect(schema.properties.spec.properties.steps.items.additionalProperties).toBe(false)
    expect(schema.properties.spec.properties.either.anyOf[0].additionalProperties).toBe(false)
    expect(schema.properties.spec.properties.config.additionalProperties).toBeUndefined()
    expect(schema.properties.spec.properties.labels.additionalProperties).toEqual({ type: 'string' })
    // ObjectMeta is the API server's: a CRD narrowing name does not forbid labels.
    expect(schema.properties.metadata).toEqual({ type: 'object', properties: { name: { type: 'string', maxLength: 20 } } })
  })

  it('leaves objects open without strict', () => {
    const schema = toJsonSchema(structuredClone(openapi), false) as unknown as Schema
    expect(schema.additionalProperties).toBeUndefined()
    expect(schema.properties.spec.additionalProperties).toBeUndefined()
  })

  it('turns the OpenAPI and Kubernetes extensions into JSON Schema', () => {
    const spec = (toJsonSchema(structuredClone(openapi), true) as unknown as Schema).properties.spec.properties
    expect(spec.port.type).toEqual(['integer', 'string'])
    expect(spec.legacyPort).toEqual({ type: ['integer', 'string'] })
    expect(spec.owner.type).toEqual(['string', 'null'])
    expect(spec.mode.enum).toEqual(['a', 'b', null])
    expect(spec.count).toMatchObject({ type: 'integer', exclusiveMinimum: 0 })
    expect(spec.count.minimum).toBeUndefined()
    expect(spec.limit).toEqual({ type: 'integer', maximum: 9 })
    expect(spec.template.properties).toMatchObject({
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
    })
  })

  it('always accepts apiVersion, kind and metadata at the root', () => {
    const schema = toJsonSchema({ type: 'object', properties: { spec: { type: 'object' } } }, true) as unknown as Schema
    expect(Object.keys(schema.properties).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec'])
  })
})

describe('crdSchemasOf', () => {
  const crd = (apiVersion: string, spec: string) =>
    `apiVersion: ${apiVersion}\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n${spec}`

  it('makes one schema per served version, named by group, version and kind', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n---\n${crd(
      'apiextensions.k8s.io/v1',
      '  group: g.example.org\n  names:\n    kind: Thing\n  versions:\n' +
        '    - name: v2\n      served: true\n      schema:\n        openAPIV3Schema:\n          type: object\n' +
        '    - name: v1\n      served: false\n      schema:\n        openAPIV3Schema:\n          type: object\n' +
        '    - name: v0\n      served: true\n',
    )}`
    const scan = crdSchemasOf(text, { strict: true, where })
    expect(scan.schemas.map((s) => [s.gvk.apiVersion, s.gvk.kind, s.from])).toEqual([['g.example.org/v2', 'Thing', 'file.yaml:6']])
    expect(scan.problems).toEqual([])
  })

  it('reads the shared schema of apiextensions.k8s.io/v1beta1, which keeps unknown fields unless told otherwise', () => {
    const v1beta1 = (preserve: string) =>
      crd(
        'apiextensions.k8s.io/v1beta1',
        `  group: g.example.org\n  names:\n    kind: Old\n  version: v1\n${preserve}  validation:\n    openAPIV3Schema:\n      type: object\n      properties:\n        spec: {type: object}\n`,
      )
    const [kept] = crdSchemasOf(v1beta1(''), { strict: true, where }).schemas
    expect(kept?.gvk.apiVersion).toBe('g.example.org/v1')
    expect(kept?.schema.additionalProperties).toBeUndefined()
    const [pruned] = crdSchemasOf(v1beta1('  preserveUnknownFields: false\n'), { strict: true, where }).schemas
    expect(pruned?.schema.additionalProperties).toBe(false)
  })

  it('names what is wrong with a CRD it cannot use, and ignores other kinds and documents that do not parse', () => {
    const text = `${crd('apiextensions.k8s.io/v1', '  names:\n    kind: NoGroup\n')}---\nkind: CustomResourceDefinition\napiVersion: other.io/v1\n---\nkind: CustomResourceDefinition: [\n`
    const scan = crdSchemasOf(text, { strict: true, where })
    expect(scan.schemas).toEqual([])
    expect(scan.problems).toEqual([{ from: 'file.yaml:1', reason: 'it names no spec.group or spec.names.kind' }])
  })

  it('names the chart file Helm rendered a CRD from', () => {
    const text = `---\n# Source: app/crds/thing.yaml\n${crd('apiextensions.k8s.io/v1', '  group: g.io\n  names:\n    kind: T\n  versions:\n    - name: v1\n      served: true\n      schema:\n        openAPIV3Schema:\n          type: object\n')}`
    expect(crdSchemasOf(text, { strict: true, where }).schemas[0]?.from).toBe('app/crds/thing.yaml:3')
  })
})
