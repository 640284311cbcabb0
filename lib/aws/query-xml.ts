/**
 * Reads known fields out of an AWS Query-protocol XML response. The responses
 * are small and flat, and only named fields are read, so a tag scanner serves
 * where a full XML parser would cost bundle size for nothing.
 */

/** The text of the first element on the path (each name nested in the previous), entities decoded. */
export function xmlText(xml: string, ...path: string[]): string | undefined {
  let scope = xml
  for (const tag of path) {
    const match = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`).exec(scope)
    if (!match) return undefined
    scope = match[1] ?? ''
  }
  return decodeEntities(scope.trim())
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16))
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)))
    return NAMED[name] ?? entity
  })
}
