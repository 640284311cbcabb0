import { UserError } from '../../../lib/errors'

/** STS accepts 2 to 1224 of these characters in an ExternalId. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/

export function parseExternalId(inputName: string, raw: string): string | undefined {
  if (raw === '') return undefined
  if (!EXTERNAL_ID.test(raw)) {
    // An external id is not a secret (AWS says so), but a long one is cut so the line stays readable.
    const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw
    throw new UserError(
      `Input '${inputName}' must be 2 to 1224 characters of letters, digits and _ + = , . @ : / -; got '${shown}' (${raw.length} characters).`,
    )
  }
  return raw
}
