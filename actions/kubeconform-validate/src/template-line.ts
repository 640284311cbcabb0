/**
 * The line of a field in a Helm template. Helm keeps no map from rendered
 * lines back to template lines, and a template is not YAML until rendered,
 * so its lines cannot be parsed; but its keys are written out in the same
 * nesting as the output. The field's path is followed through the
 * template's lines by key and indentation: each key is looked for below its
 * parent, before the parent's block ends; a sequence index counts the `- `
 * items of the block. Where the template builds a part from values
 * (`toYaml . | nindent 8`) the walk stops at the deepest key it found,
 * which is the template line that produced the field. One pass over the
 * template per segment at most: linear in its size.
 */

interface TemplateLine {
  indent: number
  /** The line with its indentation and any `- ` item markers removed. */
  text: string
  /** How many `- ` markers the line starts with. */
  items: number
  /** Lines of only template actions or comments say nothing about nesting. */
  neutral: boolean
}

/** Where a parent's block begins and which line ends it. */
interface Scope {
  /** First line to search. */
  start: number
  /** A content line that closes the block (another key or item at the parent's level or left of it). */
  ends: (line: TemplateLine) => boolean
}

/**
 * 1-based line of the field `path` names in `template`, or undefined when not
 * even its first key is there. `document` is which of the template's
 * documents (separated by `---` lines) rendered the resource; a template that
 * leaves a document out under a condition can make that one not exist, and
 * then the whole template is searched.
 */
export function templateLineOf(template: string, path: readonly string[], document = 0): number | undefined {
  const lines = template.split('\n').map(describeLine)
  const starts = [0]
  for (const [index, line] of lines.entries()) if (line.indent === 0 && /^---(\s|$)/.test(line.text)) starts.push(index + 1)
  // Leading separators and empty documents render nothing; only documents with content count.
  const documents = starts.filter((start, i) =>
    lines.slice(start, starts[i + 1] ?? lines.length).some((line) => !line.neutral && !line.text.startsWith('---')),
  )
  let found: number | undefined
  let scope: Scope = { start: documents[document] ?? 0, ends: (line) => line.indent === 0 && line.text.startsWith('---') }
  for (const segment of path) {
    const next = /^\d+$/.test(segment) ? findItem(lines, scope, Number(segment)) : findKey(lines, scope, segment)
    if (next === undefined) break
    found = next.line
    scope = next.scope
  }
  return found === undefined ? undefined : found + 1
}

function describeLine(raw: string): TemplateLine {
  const line = raw.replace(/\r$/, '')
  const indent = line.length - line.trimStart().length
  let text = line.trimStart()
  let items = 0
  while (/^-(\s|$)/.test(text)) {
    text = text.slice(1).trimStart()
    items++
  }
  const neutral = text === '' || text.startsWith('#') || /^\{\{.*\}\}$/.test(text)
  return { indent, text, items, neutral }
}

/** The column of a line's key: after any `- ` markers. */
function keyColumn(line: TemplateLine): number {
  return line.indent + line.items * 2
}

function findKey(lines: TemplateLine[], scope: Scope, key: string): { line: number; scope: Scope } | undefined {
  const pattern = new RegExp(`^["']?${escapeRegExp(key)}["']?\\s*:(\\s|$)`)
  for (let i = scope.start; i < lines.length; i++) {
    const line = lines[i] as TemplateLine
    if (line.neutral) continue
    if (i > scope.start && scope.ends(line)) return undefined
    if (pattern.test(line.text)) {
      const column = keyColumn(line)
      return { line: i, scope: { start: i + 1, ends: (next) => keyColumn(next) <= column } }
    }
  }
  return undefined
}

/** The `index`-th item (0-based) of the sequence in the scope. */
function findItem(lines: TemplateLine[], scope: Scope, index: number): { line: number; scope: Scope } | undefined {
  let seen = -1
  let itemIndent: number | undefined
  for (let i = scope.start; i < lines.length; i++) {
    const line = lines[i] as TemplateLine
    if (line.neutral) continue
    if (i > scope.start && scope.ends(line)) return undefined
    if (line.items === 0) continue
    itemIndent ??= line.indent
    if (line.indent !== itemIndent) continue
    if (++seen === index) {
      const marker = line.indent
      // The item's first key is on its own line, after the marker: the search starts there.
      return { line: i, scope: { start: i, ends: (next) => next.indent <= marker } }
    }
  }
  return undefined
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
