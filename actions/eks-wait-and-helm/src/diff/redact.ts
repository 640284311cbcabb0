import type { KubeObject } from '../manifests/objects'
import { isMap } from '../manifests/objects'

/** What stands for a Secret's value in a diff: never the value, never a hash of it (a guessable value's hash is the value). */
export const REDACTED = '(redacted)'
export const REDACTED_CHANGED = '(redacted, changed)'

const isSecret = (object: KubeObject) => object.kind === 'Secret' && object.apiVersion === 'v1'

/**
 * The Secret's values as the API server keeps them: `stringData` merged into
 * `data`, base64-encoded, so a chart that moved a value from one to the
 * other compares equal, and a live object compares with a rendered one.
 */
function secretValues(object: KubeObject): Map<string, string> {
  const values = new Map<string, string>()
  if (isMap(object.data)) for (const [key, value] of Object.entries(object.data)) values.set(key, String(value ?? ''))
  if (isMap(object.stringData)) {
    for (const [key, value] of Object.entries(object.stringData))
      values.set(key, Buffer.from(String(value ?? ''), 'utf8').toString('base64'))
  }
  return values
}

/**
 * The pair (current, proposed) with every Secret value replaced by a marker,
 * before anything is diffed, printed or sent: a value that differs between
 * the two is marked changed on the proposed side, so the diff shows which
 * keys change without showing what they hold. Objects that are not Secrets
 * pass through. Either side may be missing (an object added or removed).
 */
export function redactSecretPair(
  current: KubeObject | undefined,
  proposed: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const before = current && isSecret(current) ? secretValues(current) : undefined
  const after = proposed && isSecret(proposed) ? secretValues(proposed) : undefined
  const redact = (
    object: KubeObject | undefined,
    own: Map<string, string> | undefined,
    other: Map<string, string> | undefined,
    side: 'current' | 'proposed',
  ) => {
    if (!object || !own) return object
    const { stringData: _dropped, data: _data, ...rest } = object
    const data: Record<string, string> = {}
    for (const [key, value] of [...own.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const changed = side === 'proposed' && other !== undefined && other.has(key) && other.get(key) !== value
      data[key] = changed ? REDACTED_CHANGED : REDACTED
    }
    return { ...rest, ...(own.size > 0 ? { data } : {}) } as KubeObject
  }
  return [redact(current, before, after, 'current'), redact(proposed, after, before, 'proposed')]
}
