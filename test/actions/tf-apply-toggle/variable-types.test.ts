import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkValueShapes,
  hclVariableTypes,
  variablesParsedAsHcl,
  withoutCommentsAndStrings,
} from '../../../actions/tf-apply-toggle/src/variable-types'

describe('which variables -var would parse as HCL', () => {
  it.each([
    ['a primitive type', 'variable "region" {\n  type = string\n}', [['region', 'string']]],
    ['no type', 'variable "name" {\n  default = "x"\n}', [['name', undefined]]],
    ['a list', 'variable "cidrs" {\n  type = list(string)\n}', [['cidrs', 'list(string)']]],
    [
      'an object type over several lines',
      'variable "node" {\n  type = object({\n    size = number\n  })\n  default = null\n}',
      [['node', 'object({\n    size = number\n  })']],
    ],
    [
      'a type word inside a validation block or a string is not the type',
      'variable "ranges" {\n  description = "type = list(string) { braces }"\n  type = string\n  validation {\n    condition = true\n    error_message = "}"\n  }\n}\nvariable "after" {\n  type = map(string)\n}',
      [
        ['ranges', 'string'],
        ['after', 'map(string)'],
      ],
    ],
    [
      'comments and heredocs are skipped',
      '# variable "commented" {\n/* variable "also" { type = list(string) } */\nvariable "doc" {\n  description = <<-EOT\n    a } brace\n  EOT\n  type = any\n}',
      [['doc', 'any']],
    ],
  ])('%s', (_name, source, expected) => {
    expect([...hclVariableTypes(source)]).toEqual(expected)
  })

  it('keeps offsets: masking replaces contents with spaces and keeps newlines', () => {
    const source = 'a = "x{y}" # }\nb = 1'
    const masked = withoutCommentsAndStrings(source)
    expect(masked).toHaveLength(source.length)
    expect(masked).toBe('a = "    "    \nb = 1')
  })

  describe('in a root module', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'variable-types-'))
      await writeFile(join(dir, 'variables.tf'), 'variable "cidrs" {\n  type = list(string)\n}\nvariable "region" {\n  type = string\n}\n')
      await writeFile(join(dir, 'more.tf.json'), JSON.stringify({ variable: { tags: { type: 'map(string)' }, plain: {} } }))
      await writeFile(join(dir, 'notes.txt'), 'variable "ignored" {\n  type = list(string)\n}\n')
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('names the complex-typed variables of its .tf and .tf.json files', async () => {
      expect([...(await variablesParsedAsHcl(dir))].sort()).toEqual([
        ['cidrs', 'list(string)'],
        ['tags', 'map(string)'],
      ])
    })

    it('finds none in a folder that does not exist', async () => {
      expect(await variablesParsedAsHcl(join(dir, 'missing'))).toEqual(new Map())
    })
  })
})

describe('a list or map variable given a bare value', () => {
  const types = new Map([
    ['cidrs', 'list(string)'],
    ['tags', 'map(string)'],
    ['node', 'object({\n    size = number\n  })'],
    ['anything', 'any'],
  ])
  const lines = (name: string, value: string) => ({ format: 'lines' as const, values: new Map([[name, value]]) })

  it.each([
    [
      'cidrs',
      '10.0.0.0/16',
      'Input \'variables\': cidrs is of type list(string) in the configuration; give its value as HCL, e.g. cidrs=["…", "…"].',
    ],
    [
      'tags',
      'team=data',
      'Input \'variables\': tags is of type map(string) in the configuration; give its value as HCL, e.g. tags={ key = "…" }.',
    ],
    ['node', 's3cr3t', "Input 'variables': node is of type object({ size = number }) in the configuration"],
  ])('%s is named with its type, its value never shown', (name, value, message) => {
    expect(() => checkValueShapes(lines(name, value), types)).toThrow(message)
    try {
      checkValueShapes(lines(name, value), types)
    } catch (error) {
      expect((error as Error).message).not.toContain(value)
    }
  })

  it.each([
    ['cidrs', '["10.0.0.0/16"]'],
    ['tags', ' { team = "data" }'],
    ['anything', 'whatever'],
    ['undeclared', 'x'],
  ])('%s passes', (name, value) => {
    expect(() => checkValueShapes(lines(name, value), types)).not.toThrow()
  })

  it('leaves JSON variables to JSON', () => {
    expect(() => checkValueShapes({ format: 'json', values: { cidrs: '10.0.0.0/16' } }, types)).not.toThrow()
  })
})
