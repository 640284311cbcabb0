import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml'

/**
 * kubeconform reports a file name and a resource's kind, apiVersion and name,
 * never a line. This module finds the resources of a file the same way
 * kubeconform does (the same document split, the same signature, `List`
 * items expanded) and remembers the line where each one starts, so a result
 * can be put on the right line.
 */

export interface Resource {
  /** 1-based line where the resource's content starts (its first key, not the `---`). */
  line: number
  /** 1-based line of the first line of the chunk kubeconform parsed; its "yaml: line N" counts from here. */
  chunkLine: number
  kind: string
  apiVersion: string
  /** metadata.name, or generateName with kubeconform's `{{ generateName }}` suffix. */
  name: string
  /** The document holds nothing (only comments); kubeconform reports it with an empty status. */
  empty: boolean
  /** The YAML could not be parsed: the message and the file line it points at. */
  syntaxError?: { message: string; line: number }
  /** For a document that does not parse: the kind and apiVersion its top lines name, so its schema is ready in case kubeconform's parser accepts it. */
  guessed?: { kind: string; apiVersion: string }
  /** The template named by Helm's `# Source:` comment above the document, when there is one. */
  source?: string
  /** Which of the documents rendered from that template this is, from 0. */
  sourceDocument?: number
  /**
   * The parsed resource (a full parse only) and the file offset its ranges count from, so a path
   * kubeconform names can be put on the line of its field.
   */
  node?: { root: Node; offset: number; lines: LineIndex }
}

export interface Chunk {
  text: string
  /** Offset of the chunk's first character in the file. */
  offset: number
}

/**
 * kubeconform's SplitYAMLDocument on a whole file: a chunk ends before any
 * line that starts with `---`, and that line is dropped. A trailing
 * separator line without a newline drops what follows, as it does there.
 */
export function splitLikeKubeconform(text: string): Chunk[] {
  const chunks: Chunk[] = []
  let start = 0
  while (start < text.length) {
    const at = text.indexOf('\n---', start)
    if (at < 0) {
      chunks.push({ text: text.slice(start), offset: start })
      break
    }
    const afterSeparator = at + 4
    if (afterSeparator === text.length) {
      chunks.push({ text: text.slice(start, at), offset: start })
      break
    }
    const newline = text.indexOf('\n', afterSeparator)
    if (newline < 0) break
    chunks.push({ text: text.slice(start, at), offset: start })
    start = newline + 1
  }
  return chunks.filter((chunk) => chunk.text.length > 0)
}

export class LineIndex {
  // Built on the first lookup: the quick scan of valid files never needs a line.
  private starts: number[] | undefined
  constructor(private readonly text: string) {}

  private lineStarts(): number[] {
    if (this.starts) return this.starts
    const starts = [0]
    for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1)
    this.starts = starts
    return starts
  }

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    const starts = this.lineStarts()
    let low = 0
    let high = starts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((starts[mid] as number) <= offset) low = mid
      else high = mid - 1
    }
    return low + 1
  }
}

/**
 * The resources of a file. `quick` reads only the kind and apiVersion of
 * plain block-style documents with a line scanner (the name stays empty) and
 * parses the others with the YAML parser: fast enough to scan thousands of
 * files before kubeconform starts, to know which schemas it needs. Results
 * are put on lines with a full parse.
 */
export function resourcesOf(text: string, options: { quick?: boolean } = {}): Resource[] {
  const lines = new LineIndex(text)
  const resources: Resource[] = []
  const sourceDocuments = new Map<string, number>()
  for (const chunk of splitLikeKubeconform(text)) {
    const quick = options.quick ? scanChunk(chunk) : undefined
    const found = quick
      ? [
          {
            line: lines.lineOf(quick.contentOffset),
            chunkLine: lines.lineOf(chunk.offset),
            kind: quick.kind,
            apiVersion: quick.apiVersion,
            name: '',
            empty: false,
          },
        ]
      : resourcesOfChunk(chunk, lines)
    const source = helmSource(chunk.text)
    if (source === undefined) {
      resources.push(...found)
      continue
    }
    // Helm writes a template's documents one after the other, each under its own `# Source:`.
    const sourceDocument = sourceDocuments.get(source) ?? 0
    sourceDocuments.set(source, sourceDocument + 1)
    for (const resource of found) resources.push({ ...resource, source, sourceDocument })
  }
  return resources
}

/**
 * The kinds a file uses, to fetch their schemas before kubeconform runs:
 * the quick scan where it is sure, the parser elsewhere, and for a document
 * that does not parse the kind its top lines name.
 */
export function kindsOf(text: string): { kind: string; apiVersion: string }[] {
  const kinds: { kind: string; apiVersion: string }[] = []
  let lines: LineIndex | undefined
  for (const chunk of splitLikeKubeconform(text)) {
    const quick = scanChunk(chunk)
    if (quick) {
      kinds.push({ kind: quick.kind, apiVersion: quick.apiVersion })
      continue
    }
    lines ??= new LineIndex(text)
    for (const resource of resourcesOfChunk(chunk, lines)) {
      if (resource.kind && resource.apiVersion) kinds.push({ kind: resource.kind, apiVersion: resource.apiVersion })
      else if (resource.guessed) kinds.push(resource.guessed)
    }
  }
  return kinds
}

/** Helm writes `# Source: <chart>/templates/<file>` above each document it renders. */
export function helmSource(text: string): string | undefined {
  // Only the comments before the content matter; a chunk is not split whole for them.
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start)
    const line = text.slice(start, end < 0 ? text.length : end).trim()
    start = end < 0 ? text.length : end + 1
    if (line === '' || line.startsWith('---')) continue
    if (!line.startsWith('#')) return undefined
    const match = /^#\s*Source:\s*(\S.*?)\s*$/.exec(line)
    if (match) return match[1]
  }
  return undefined
}

function resourcesOfChunk(chunk: Chunk, lines: LineIndex): Resource[] {
  const chunkLine = lines.lineOf(chunk.offset)
  // YAML 1.1, as the Go decoder kubeconform uses reads it. Duplicate keys are kubeconform's to report
  // (under -strict); here they must not hide the signature.
  const doc = parseDocument(chunk.text, { version: '1.1', uniqueKeys: false, prettyErrors: false, strict: false })
  const lineAt = (offset: number | undefined) => lines.lineOf(chunk.offset + (offset ?? 0))
  const contentLine = doc.contents?.range ? lineAt(doc.contents.range[0]) : firstContentLine(chunk, lines)
  const error = doc.errors[0]
  if (error) {
    const line = lineAt(error.pos[0])
    const kind = /^kind:[ \t]*["']?([\w.-]+)/m.exec(chunk.text)?.[1]
    const apiVersion = /^apiVersion:[ \t]*["']?([\w./-]+)/m.exec(chunk.text)?.[1]
    return [
      {
        line: contentLine,
        chunkLine,
        kind: '',
        apiVersion: '',
        name: '',
        empty: false,
        syntaxError: { message: error.message, line },
        ...(kind && apiVersion ? { guessed: { kind, apiVersion } } : {}),
      },
    ]
  }
  const root = doc.contents
  if (root === null || (isScalar(root) && root.value === null)) {
    return [{ line: contentLine, chunkLine, kind: '', apiVersion: '', name: '', empty: true }]
  }
  const signature = isMap(root) ? signatureOf(root) : { kind: '', apiVersion: '', name: '' }
  if (signature.kind.toLowerCase() === 'list' && signature.apiVersion !== '' && isMap(root)) {
    const items = root.get('items', true)
    if (!isSeq(items)) return []
    return items.items.map((item) => ({
      line: lineAt(isNodeWithRange(item) ? item.range[0] : undefined),
      chunkLine,
      ...(isMap(item) ? listItemSignatureOf(item) : { kind: '', apiVersion: '', name: '' }),
      empty: false,
      ...(isNodeWithRange(item) ? { node: { root: item, offset: chunk.offset, lines } } : {}),
    }))
  }
  return [{ line: contentLine, chunkLine, ...signature, empty: false, node: { root, offset: chunk.offset, lines } }]
}

function isNodeWithRange(value: unknown): value is Node & { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { range?: unknown }).range)
}

function firstContentLine(chunk: Chunk, lines: LineIndex): number {
  let offset = chunk.offset
  for (const line of chunk.text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed !== '' && !trimmed.startsWith('#') && !trimmed.startsWith('---') && !trimmed.startsWith('%')) break
    offset += line.length + 1
  }
  return lines.lineOf(Math.min(offset, chunk.offset + chunk.text.length))
}

interface Signature {
  kind: string
  apiVersion: string
  name: string
}

/**
 * The signature as kubeconform reads it from the raw document: it decodes
 * YAML into a Go struct of strings through JSON (sigs.k8s.io/yaml), so keys
 * match case-insensitively when no exact key exists, and numbers and
 * booleans become their text.
 */
function signatureOf(map: YAMLMap): Signature {
  const metadata = lookup(map, 'metadata', true)
  const name = isMap(metadata) ? textOf(lookup(metadata, 'name', true)) : ''
  const generateName = isMap(metadata) ? textOf(lookup(metadata, 'generateName', true)) : ''
  return {
    kind: textOf(lookup(map, 'kind', true)),
    apiVersion: textOf(lookup(map, 'apiVersion', true)),
    name: generateName !== '' ? `${generateName}{{ generateName }}` : name,
  }
}

/** `List` items are re-read from a Go map, where keys match exactly. */
function listItemSignatureOf(map: YAMLMap): Signature {
  const metadata = lookup(map, 'metadata', false)
  const name = isMap(metadata) ? stringOf(lookup(metadata, 'name', false)) : ''
  const generateName = isMap(metadata) ? stringOf(lookup(metadata, 'generateName', false)) : ''
  return {
    kind: stringOf(lookup(map, 'kind', false)),
    apiVersion: stringOf(lookup(map, 'apiVersion', false)),
    name: generateName !== '' ? `${generateName}{{ generateName }}` : name,
  }
}

function lookup(map: YAMLMap, key: string, foldCase: boolean): unknown {
  let folded: unknown
  const lower = key.toLowerCase()
  // The last of duplicate keys wins, as in a decoder that overwrites.
  for (const pair of map.items) {
    const name = isScalar(pair.key) ? pair.key.value : pair.key
    if (name === key) return lastValue(map, key)
    if (foldCase && folded === undefined && typeof name === 'string' && name.toLowerCase() === lower) folded = pair.value
  }
  return folded
}

function lastValue(map: YAMLMap, key: string): unknown {
  let value: unknown
  for (const pair of map.items) {
    const name = isScalar(pair.key) ? pair.key.value : pair.key
    if (name === key) value = pair.value
  }
  return value
}

/** A string as a Go map holds it: anything else reads as empty. */
function stringOf(node: unknown): string {
  return isScalar(node) && typeof node.value === 'string' ? node.value : ''
}

/** A scalar as sigs.k8s.io/yaml coerces it into a string field. */
function textOf(node: unknown): string {
  if (!isScalar(node)) return ''
  const { value } = node
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return ''
}

const TOP_LEVEL_KEY = /^([A-Za-z_][\w.-]*):(?:[ \t]+(.*))?$/
// Plain scalars that YAML 1.1 might read as something other than a string are left to the parser.
const MAYBE_NOT_STRING = /^(?:[-+.\d~]|(?:y|n|yes|no|true|false|on|off|null)$)/i

/**
 * Reads the kind and apiVersion of a block-style document from its
 * top-level lines, stopping as soon as it has both; returns undefined for
 * anything it is not sure about (flow style, anchors, tags, quoting with
 * escapes, keys whose case differs, `List`), so the caller falls back to the
 * parser. It never guesses, and it leaves the name empty: the quick scan
 * only decides which schemas to fetch.
 */
function scanChunk(chunk: Chunk): { kind: string; apiVersion: string; contentOffset: number } | undefined {
  let kind: string | undefined
  let apiVersion: string | undefined
  let contentOffset: number | undefined
  const text = chunk.text
  for (let start = 0; start < text.length && (kind === undefined || apiVersion === undefined); ) {
    const end = text.indexOf('\n', start)
    const lineEnd = end < 0 ? text.length : end
    const lineStart = start
    start = lineEnd + 1
    const first = text[lineStart]
    // Indented lines belong to values; comments and blank lines to nothing.
    if (first === ' ' || first === '#' || first === '\r' || first === '\n' || lineStart === lineEnd) continue
    const line = text.slice(lineStart, text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd)
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    if (contentOffset === undefined && (line.startsWith('---') || line.startsWith('%'))) {
      if (line.startsWith('---') && line.slice(3).trim() !== '') return undefined
      continue
    }
    const match = TOP_LEVEL_KEY.exec(line)
    if (!match) return undefined
    contentOffset ??= chunk.offset + lineStart
    const key = match[1] as string
    const lower = key.toLowerCase()
    if (lower !== 'kind' && lower !== 'apiversion') continue
    const value = plainString(match[2] ?? '')
    if (value === undefined) return undefined
    if (key === 'kind' && kind === undefined) kind = value
    else if (key === 'apiVersion' && apiVersion === undefined) apiVersion = value
    else return undefined
  }
  if (contentOffset === undefined || kind === undefined || apiVersion === undefined || kind.toLowerCase() === 'list') return undefined
  return { kind, apiVersion, contentOffset }
}

function stripComment(value: string): string {
  if (!value.includes('#')) return value.trim()
  const at = value.search(/(^|[ \t])#/)
  return (at < 0 ? value : value.slice(0, at)).trim()
}

/** A scalar that is certainly a string, unquoted; undefined when unsure. */
function plainString(raw: string): string | undefined {
  const value = raw.trim()
  if (value === '') return undefined
  if (value.startsWith("'")) {
    const match = /^'([^']*)'\s*(?:#.*)?$/.exec(value)
    return match ? match[1] : undefined
  }
  if (value.startsWith('"')) {
    const match = /^"([^"\\]*)"\s*(?:#.*)?$/.exec(value)
    return match ? match[1] : undefined
  }
  const plain = stripComment(value)
  if (plain === '' || /^[&*!|>{[\]}@`%,?:-]/.test(plain) || MAYBE_NOT_STRING.test(plain) || /: |\s#/.test(plain)) return undefined
  return plain
}
