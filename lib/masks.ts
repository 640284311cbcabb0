import * as core from './core'

/**
 * What this process must never show anywhere. The runner masks registered
 * secrets in the log, but not in what an action sends elsewhere itself (a
 * pull request comment through the API), so an action that posts text
 * redacts with the same list first.
 */
const registered = new Set<string>()

/** core.setSecret, remembered so redact() can apply the same masks to text that bypasses the runner. */
export function maskSecret(secret: string): void {
  if (secret.trim() === '') return
  registered.add(secret)
  core.setSecret(secret)
}

export function registeredSecrets(): string[] {
  return [...registered]
}

export const REDACTED = '***'

/**
 * Values shorter than this, booleans and plain numbers are left alone: they
 * are ordinary words of any text (`true`, `10`, `dev`), hiding them would
 * make it unreadable, and none is a secret worth the name.
 */
const MIN_SECRET_LENGTH = 4

/**
 * Every form in which a value given to a tool can come back in its output:
 * the value, each of its lines (tools print multi-line values line by line,
 * as heredocs), and the quoted-string escaped form (`"` as `\"`). For an
 * object or list, the same for every string in it.
 */
export function secretTexts(value: unknown): string[] {
  const found = new Set<string>()
  const add = (text: string) => {
    for (const candidate of [text, ...text.split(/\r?\n/)]) {
      const trimmed = candidate.trim()
      if (trimmed.length < MIN_SECRET_LENGTH || /^(true|false|-?\d+(\.\d+)?)$/i.test(trimmed)) continue
      found.add(candidate)
      const escaped = JSON.stringify(candidate).slice(1, -1)
      if (escaped !== candidate) found.add(escaped)
    }
  }
  for (const text of stringsIn(value)) add(text)
  return [...found]
}

/** Every string in a value: the value itself, or each string in an object or list, however deep. */
export function stringsIn(value: unknown): string[] {
  const strings: string[] = []
  const walk = (node: unknown) => {
    if (typeof node === 'string') strings.push(node)
    else if (Array.isArray(node)) node.forEach(walk)
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(walk)
  }
  walk(value)
  return strings
}

/** `text` with every occurrence of every secret replaced by ***, longest first so a secret inside another goes with it. */
export function redact(text: string, secrets: Iterable<string>): string {
  const ordered = [...new Set(secrets)].filter((secret) => secret !== '').sort((a, b) => b.length - a.length)
  let out = text
  for (const secret of ordered) out = out.split(secret).join(REDACTED)
  return out
}
