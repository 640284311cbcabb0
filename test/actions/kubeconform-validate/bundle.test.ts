import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundleSchema, resolvePointer } from '../../../actions/kubeconform-validate/src/schema/bundle'
import { kubernetesSchemas } from './helpers'

type Json = Parameters<typeof bundleSchema>[0]
const loaderOf = (documents: Record<string, Json>) => {
  const loaded: string[] = []
  return {
    loaded,
    load: async (url: string) => {
      loaded.push(url)
      return documents[url]
    },
  }
}

describe('bundleSchema', () => {
  it('copies what a kubernetes-validate schema refers to in _definitions.json, and nothing else', async () => {
    const dir = join(kubernetesSchemas, 'v1.33.0-local-strict')
    const schema = JSON.parse(readFileSync(join(dir, 'configmap-v1.json'), 'utf8'))
    const definitions = JSON.parse(readFileSync(join(dir, '_definitions.json'), 'utf8'))
    const { load, loaded } = loaderOf({ 'https://kubernetes.io/api/_definitions.json': definitions })
    const { schema: bundled, unresolved } = await bundleSchema(schema, 'file:///schemas/configmap-v1.json', load)
    expect(unresolved).toEqual([])
    expect(loaded).toEqual(['https://kubernetes.io/api/_definitions.json'])
    expect(bundled.$id).toBeUndefined()
    expect(JSON.stringify(bundled)).not.toContain('_definitions.json')
    const defs = bundled.$defs as Record<string, unknown>
    expect(Object.keys(defs)).toContain('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')
    // ObjectMeta refers to ManagedFieldsEntry and OwnerReference: copied transitively.
    expect(Object.keys(defs)).toContain('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference')
    expect(Object.keys(defs).length).toBeLessThan(Object.keys(definitions.$defs).length / 10)
    expect((bundled.properties as Record<string, { $ref?: string }>).metadata?.$ref).toBe(
      '#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    )
  })

  it('copies a recursive definition once', async () => {
    const defs = { 'defs.json': { $defs: { Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } } } } }
    const { load } = loaderOf({ 'https://x/defs.json': defs['defs.json'] })
    const { schema, unresolved } = await bundleSchema(
      { $schema: 'https://json-schema.org/draft/2020-12/schema', $ref: 'defs.json#/$defs/Node' },
      'https://x/root.json',
      load,
    )
    expect(unresolved).toEqual([])
    expect(schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $ref: '#/$defs/Node',
      $defs: { Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } } },
    })
  })

  it('keeps references inside the schema, uses definitions for drafts before 2019-09, and avoids name clashes', async () => {
    const { load } = loaderOf({ 'https://x/other.json': { definitions: { a: { type: 'string' } } } })
    const { schema } = await bundleSchema(
      {
        definitions: { a: { type: 'integer' }, b: { $ref: '#/definitions/a' } },
        properties: {
          own: { $ref: '#/definitions/b' },
          theirs: { $ref: 'other.json#/definitions/a' },
          whole: { $ref: 'https://x/root.json' },
        },
        enum: [{ $ref: 'data, not a reference' }],
      },
      'https://x/root.json',
      load,
    )
    expect(schema.definitions).toEqual({ a: { type: 'integer' }, b: { $ref: '#/definitions/a' }, 'a-2': { type: 'string' } })
    expect(schema.properties).toEqual({
      own: { $ref: '#/definitions/b' },
      theirs: { $ref: '#/definitions/a-2' },
      whole: { $ref: '#' },
    })
    expect(schema.enum).toEqual([{ $ref: 'data, not a reference' }])
  })

  it('resolves references against a nested $id', async () => {
    const { load, loaded } = loaderOf({ 'https://y/lib/types.json': { $defs: { T: { type: 'boolean' } } } })
    const { schema, unresolved } = await bundleSchema(
      { properties: { p: { $id: 'https://y/lib/', properties: { q: { $ref: 'types.json#/$defs/T' } } } } },
      'file:///root.json',
      load,
    )
    expect(unresolved).toEqual([])
    expect(loaded).toEqual(['https://y/lib/types.json'])
    expect(JSON.stringify(schema)).toContain('"#/definitions/T"')
  })

  it.each([
    ['a document that cannot be loaded', { $ref: 'missing.json#/x' }, ['https://x/missing.json#/x']],
    ['a pointer to nothing', { $ref: 'defs.json#/$defs/Nope' }, ['https://x/defs.json#/$defs/Nope']],
    ['a malformed reference', { $ref: 'http://[bad' }, ['http://[bad']],
  ])('reports %s as unresolved', async (_name, schema, unresolved) => {
    const { load } = loaderOf({ 'https://x/defs.json': { $defs: {} } })
    expect((await bundleSchema(schema, 'https://x/root.json', load)).unresolved).toEqual(unresolved)
  })

  it('refuses a schema that is not an object', async () => {
    expect((await bundleSchema([1, 2], 'https://x/a.json', async () => undefined)).unresolved).toEqual([
      'https://x/a.json is not a JSON object',
    ])
  })
})

describe('resolvePointer', () => {
  const doc = { a: { 'b/c': [10, { '~d': true }] } }
  it.each([
    ['', doc],
    ['/a/b~1c/0', 10],
    ['/a/b~1c/1/~0d', true],
    ['/a/missing', undefined],
    ['/a/b~1c/0/deeper', undefined],
    ['no-slash', undefined],
  ])('%s', (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual(expected)
  })
})
