import { UserError } from '../../../lib/errors'
import { parseItems, parseList } from '../../../lib/inputs'

/**
 * Session tags for the chained AssumeRole calls, checked as STS checks them,
 * so a bad tag fails before any token is requested instead of after the
 * first role was already assumed.
 */

export interface SessionTag {
  key: string
  value: string
}

/** STS's limits (AssumeRole API reference): at most 50 tags, keys of 1 to 128 and values of 0 to 256 characters. */
export const MAX_SESSION_TAGS = 50
const MAX_KEY_CHARS = 128
const MAX_VALUE_CHARS = 256
/** Letters, digits and white space of any script, and _ . : / = + - @ (STS's [\p{L}\p{Z}\p{N}_.:/=+\-@]). */
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u
const ACCEPTED = 'letters, digits, spaces and _ . : / = + - @'

/** `key=value`, one a line; the value may hold '=' and may be empty. */
export function parseSessionTags(inputName: string, raw: string): SessionTag[] {
  const tags: SessionTag[] = []
  const seen = new Map<string, string>()
  for (const line of parseList(raw)) {
    const at = line.indexOf('=')
    const key = at < 0 ? line : line.slice(0, at).trim()
    const value = at < 0 ? '' : line.slice(at + 1).trim()
    if (at <= 0 || key === '') throw new UserError(`Input '${inputName}' must be key=value lines; got '${line}'.`)
    if ([...key].length > MAX_KEY_CHARS || !KEY.test(key)) {
      throw new UserError(`Input '${inputName}' keys must be 1 to ${MAX_KEY_CHARS} characters of ${ACCEPTED}; got '${key}'.`)
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new UserError(`Input '${inputName}' key '${key}' starts with 'aws:', which AWS reserves for its own tags.`)
    }
    if ([...value].length > MAX_VALUE_CHARS || !VALUE.test(value)) {
      throw new UserError(
        `Input '${inputName}' value of '${key}' must be 0 to ${MAX_VALUE_CHARS} characters of ${ACCEPTED}; got '${value.slice(0, 300)}'.`,
      )
    }
    // STS treats keys without regard to case: Team and team are one tag, and it refuses the call.
    const earlier = seen.get(key.toLowerCase())
    if (earlier !== undefined)
      throw new UserError(`Input '${inputName}' names the key '${key}' twice (as '${earlier}' first; keys ignore case).`)
    seen.set(key.toLowerCase(), key)
    tags.push({ key, value })
  }
  if (tags.length > MAX_SESSION_TAGS)
    throw new UserError(`Input '${inputName}' must hold at most ${MAX_SESSION_TAGS} tags; got ${tags.length}.`)
  return tags
}

/** Keys that pass on to later roles of the chain: each must be one of the tags, as STS requires. */
export function parseTransitiveTagKeys(inputName: string, raw: string, tags: readonly SessionTag[], tagsInput: string): string[] {
  const keys = parseItems(raw)
  const known = new Map(tags.map((tag) => [tag.key.toLowerCase(), tag.key]))
  for (const key of keys) {
    if (!known.has(key.toLowerCase())) {
      const listed = tags.length > 0 ? `(${tags.map((tag) => tag.key).join(', ')})` : '(none are set)'
      throw new UserError(`Input '${inputName}' names '${key}', which is not a key of '${tagsInput}' ${listed}.`)
    }
  }
  return [...new Set(keys.map((key) => known.get(key.toLowerCase()) as string))]
}
