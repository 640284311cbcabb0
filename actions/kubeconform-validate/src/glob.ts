/**
 * Glob patterns as workflow authors write them: `*`, `?`, `[abc]`, `[!abc]`,
 * `{a,b}` and `**` for any depth. Implemented here because Node 20, which
 * the tests run on, has no fs.glob, and the semantics must be exact: the
 * summary tells users which file each pattern did and did not select.
 *
 * Like most glob tools, a wildcard does not match a name that starts with a
 * dot unless the pattern segment itself starts with one, so `**\/*.yaml`
 * stays out of `.github/`.
 */

const SPECIAL = /[*?[\]{}]/

export function isGlob(pattern: string): boolean {
  return SPECIAL.test(pattern)
}

export interface CompiledGlob {
  pattern: string
  /** The leading folders without wildcards: where a walk for this pattern starts ('' for the current folder). */
  base: string
  matches(path: string): boolean
}

/** Compiles a pattern matched against `/`-separated relative paths. */
export function compileGlob(pattern: string): CompiledGlob {
  const normalized = normalizePattern(pattern)
  const segments = normalized.split('/')
  const baseSegments: string[] = []
  for (const segment of segments.slice(0, -1)) {
    if (isGlob(segment)) break
    baseSegments.push(segment)
  }
  const source = segments.map((segment, index) => segmentSource(segment, index === segments.length - 1)).join('')
  const regex = new RegExp(`^${source}$`)
  return { pattern, base: baseSegments.join('/'), matches: (path) => regex.test(path) }
}

function normalizePattern(pattern: string): string {
  let text = pattern.replace(/\\/g, '/')
  while (text.startsWith('./')) text = text.slice(2)
  text = text.replace(/\/+/g, '/')
  return text.endsWith('/') ? text.slice(0, -1) : text
}

// Each segment's source ends with its separator, except the last; `**/` may match no folder at all.
function segmentSource(segment: string, last: boolean): string {
  if (segment === '**') return last ? '(?:(?!\\.)[^/]*(?:/(?!\\.)[^/]*)*)?' : '(?:(?!\\.)[^/]*/)*'
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)'
  return `${hidden}${translate(segment)}${last ? '' : '/'}`
}

function translate(segment: string): string {
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string
    if (char === '*') {
      while (segment[i + 1] === '*') i++
      out += '[^/]*'
    } else if (char === '?') {
      out += '[^/]'
    } else if (char === '[') {
      const close = segment.indexOf(']', i + 2)
      if (close < 0) {
        out += '\\['
        continue
      }
      let body = segment.slice(i + 1, close)
      const negated = body.startsWith('!') || body.startsWith('^')
      if (negated) body = body.slice(1)
      out += `[${negated ? '^/' : ''}${body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^')}]`
      i = close
    } else if (char === '{') {
      const close = matchingBrace(segment, i)
      if (close < 0) {
        out += '\\{'
        continue
      }
      const alternatives = splitAlternatives(segment.slice(i + 1, close))
      out += `(?:${alternatives.map(translate).join('|')})`
      i = close
    } else {
      out += char.replace(/[.+^$()|\\\]}]/g, '\\$&')
    }
  }
  return out
}

function matchingBrace(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++
    else if (text[i] === '}' && --depth === 0) return i
  }
  return -1
}

function splitAlternatives(body: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of body) {
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
      continue
    }
    if (char === '{') depth++
    if (char === '}') depth--
    current += char
  }
  parts.push(current)
  return parts
}
