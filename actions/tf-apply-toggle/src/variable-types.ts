import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../../../lib/errors'
import type { TerraformVariables } from './inputs'

/**
 * How Terraform reads `-var name=value`: the value of a variable declared with
 * a complex type (list, map, object, tuple, set, any) is parsed as an HCL
 * expression, every other value (string, number, bool, no type, undeclared) is
 * taken literally. The action cannot pass `-var` (argv is readable by every
 * process on the machine, and variables may be secrets), so it writes a
 * .tfvars file instead and needs to know, per name, which of the two it is.
 *
 * Terraform offers no command that lists a root module's variable types
 * without planning, and no HCL parser exists for Node, so this reads the
 * `variable` blocks of the root module's *.tf and *.tf.json files with a small
 * scanner: blocks are matched by braces outside strings and comments, and the
 * `type` attribute at the block's own level is the text up to its line end.
 */
export async function variablesParsedAsHcl(directory: string): Promise<Map<string, string>> {
  const hcl = new Map<string, string>()
  let files: string[]
  try {
    files = await readdir(directory)
  } catch {
    return hcl
  }
  for (const file of files.sort()) {
    if (file.endsWith('.tf')) {
      for (const [name, type] of hclVariableTypes(await readFile(join(directory, file), 'utf8'))) {
        if (type !== undefined && isComplexType(type)) hcl.set(name, type)
      }
    } else if (file.endsWith('.tf.json')) {
      for (const [name, type] of jsonVariableTypes(await readFile(join(directory, file), 'utf8'))) {
        if (type !== undefined && isComplexType(type)) hcl.set(name, type)
      }
    }
  }
  return hcl
}

const PRIMITIVE = new Set(['string', 'number', 'bool'])

/**
 * A name=value line for a list or map variable whose value is not a list or map at all (a bare
 * `cidrs=10.0.0.0/16`) would reach Terraform as an HCL syntax error in a temporary file ("Invalid number
 * literal"), naming neither the input nor the variable. Caught here instead, with the variable's type and
 * the shape its value takes; the value itself is never shown (it may be a secret).
 */
export function checkValueShapes(variables: TerraformVariables, types: ReadonlyMap<string, string>): void {
  if (variables.format !== 'lines') return
  for (const [name, value] of variables.values) {
    const type = types.get(name)?.replace(/\s+/g, ' ')
    const opener = type === undefined ? undefined : /^(list|set|tuple)\b/.test(type) ? '[' : /^(map|object)\b/.test(type) ? '{' : undefined
    if (opener && !value.trimStart().startsWith(opener)) {
      const example = opener === '[' ? `${name}=["…", "…"]` : `${name}={ key = "…" }`
      throw new UserError(`Input 'variables': ${name} is of type ${type} in the configuration; give its value as HCL, e.g. ${example}.`)
    }
  }
}

function isComplexType(type: string | undefined): boolean {
  return type !== undefined && !PRIMITIVE.has(type.trim())
}

/** name → the text of its `type` attribute (undefined when it has none), for each variable block. */
export function hclVariableTypes(source: string): Map<string, string | undefined> {
  const types = new Map<string, string | undefined>()
  const text = withoutCommentsAndStrings(source)
  const header = /(^|\n)[ \t]*variable[ \t]+"([^"\n]*)"[ \t]*\{/g
  for (let match = header.exec(text); match; match = header.exec(text)) {
    const bodyStart = match.index + match[0].length
    const bodyEnd = closingBrace(text, bodyStart)
    const name = source.slice(match.index + match[0].indexOf('"') + 1, match.index + match[0].lastIndexOf('"'))
    types.set(name, typeAttribute(text, source, bodyStart, bodyEnd))
    header.lastIndex = bodyEnd
  }
  return types
}

function jsonVariableTypes(source: string): Map<string, string | undefined> {
  const types = new Map<string, string | undefined>()
  try {
    const variables = (JSON.parse(source) as { variable?: Record<string, { type?: unknown }> }).variable ?? {}
    for (const [name, block] of Object.entries(variables)) {
      types.set(name, typeof block?.type === 'string' ? block.type : undefined)
    }
  } catch {
    // Terraform reports a malformed file itself, with its line.
  }
  return types
}

/** The type's text when the block has `type = …` at its own level (not inside a nested validation block). */
function typeAttribute(masked: string, source: string, start: number, end: number): string | undefined {
  let depth = 0
  let lineStart = start
  for (let i = start; i < end; i++) {
    const char = masked[i]
    if (char === '{' || char === '(' || char === '[') depth++
    else if (char === '}' || char === ')' || char === ']') depth--
    else if (char === '\n') lineStart = i + 1
    if (depth === 0 && i === lineStart) {
      const attribute = /^[ \t]*type[ \t]*=[ \t]*/.exec(masked.slice(i, end))
      if (attribute) {
        const valueStart = i + attribute[0].length
        return source.slice(valueStart, expressionEnd(masked, valueStart, end)).trim()
      }
    }
  }
  return undefined
}

/** The end of an expression that starts at `start`: its line's end at bracket depth 0. */
function expressionEnd(masked: string, start: number, limit: number): number {
  let depth = 0
  for (let i = start; i < limit; i++) {
    const char = masked[i]
    if (char === '{' || char === '(' || char === '[') depth++
    else if (char === '}' || char === ')' || char === ']') depth--
    else if (char === '\n' && depth <= 0) return i
  }
  return limit
}

function closingBrace(masked: string, start: number): number {
  let depth = 1
  for (let i = start; i < masked.length; i++) {
    if (masked[i] === '{') depth++
    else if (masked[i] === '}' && --depth === 0) return i
  }
  return masked.length
}

/**
 * The source with comments and the contents of quoted strings and heredocs
 * replaced by spaces (newlines kept), so braces inside them are not counted and
 * offsets still match the original.
 */
export function withoutCommentsAndStrings(source: string): string {
  const out = source.split('')
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' '
  }
  let i = 0
  while (i < source.length) {
    const char = source[i]
    const next = source[i + 1]
    if (char === '#' || (char === '/' && next === '/')) {
      const end = source.indexOf('\n', i)
      blank(i, end === -1 ? source.length : end)
      i = end === -1 ? source.length : end
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end === -1 ? source.length : end + 2
      blank(i, stop)
      i = stop
    } else if (char === '"') {
      let j = i + 1
      while (j < source.length && source[j] !== '"' && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1
      blank(i + 1, j)
      i = j + 1
    } else if (char === '<' && next === '<') {
      const heredoc = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(source.slice(i))
      if (!heredoc) {
        i += 2
        continue
      }
      const closing = new RegExp(`\\n[ \\t]*${heredoc[1]}[ \\t]*(?=\\r?\\n|$)`).exec(source.slice(i + heredoc[0].length))
      const stop = closing ? i + heredoc[0].length + closing.index + closing[0].length : source.length
      blank(i + 2, stop)
      i = stop
    } else {
      i++
    }
  }
  return out.join('')
}
