import { isMap, isScalar, isSeq, type Node } from 'yaml'

/**
 * kubeconform names the offending field of an invalid resource as a JSON
 * pointer (`- at '/spec/replicas': got string, want integer`), never as a
 * line. This module reads those pointers and walks them through the YAML
 * nodes of the resource, whose ranges give the line. A walk costs the depth
 * of the pointer times the keys of each map on the way, so placing every
 * failure of a large file stays linear in its size.
 */

export interface Violation {
  /** The JSON pointer's segments, unescaped; empty for the resource itself. */
  path: string[]
  /** For "additional properties 'x' not allowed": the first unknown key, whose own line is the one to show. */
  extra?: string
}

/** The pointers kubeconform's message names, in the order it names them; its validationErrors when the message has none. */
export function violationsOf(msg: string, validationErrors: readonly { path: string }[] = []): Violation[] {
  const found: Violation[] = []
  for (const match of msg.matchAll(/\bat '([^']*)': ([^\n]*?)(?=\s+- at '|$)/gm)) {
    // A parent whose causes are listed below it; the causes are the fields to show.
    if (match[2] === 'validation failed') continue
    const extra = /^additional properties? '([^']+)'/.exec(match[2] ?? '')?.[1]
    found.push({ path: segments(match[1] as string), ...(extra ? { extra } : {}) })
  }
  if (found.length > 0) return found
  return validationErrors.map((error) => ({ path: segments(error.path) }))
}

/** RFC 6901: `~1` is `/`, `~0` is `~`, in that order. */
export function segments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return []
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * The character offset (within the node's own text) a violation points at:
 * the key of the deepest field the path reaches, or the sequence item. A
 * path the YAML does not hold (a required field that is missing) stops at
 * its nearest parent, which is where the field belongs.
 */
export function offsetOf(root: Node, violation: Violation): number | undefined {
  let node: unknown = root
  let at = rangeStart(root)
  const path = violation.extra === undefined ? violation.path : [...violation.path, violation.extra]
  for (const segment of path) {
    if (isMap(node)) {
      // sigs.k8s.io/yaml decodes into a map where the last of duplicate keys wins.
      const pair = node.items.findLast((item) => (isScalar(item.key) ? String(item.key.value) : undefined) === segment)
      if (!pair) break
      at = rangeStart(pair.key) ?? at
      node = pair.value
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      const item = node.items[Number(segment)]
      if (item === undefined) break
      at = rangeStart(item) ?? at
      node = item
    } else {
      break
    }
  }
  return at
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: unknown } | null)?.range
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined
}
