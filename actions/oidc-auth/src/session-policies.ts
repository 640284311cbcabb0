import { UserError } from '../../../lib/errors'

/** STS rejects inline and managed session policies above this many characters together (after packing). */
const MAX_INLINE_POLICY_CHARS = 2048
const MAX_MANAGED_POLICIES = 10
const POLICY_ARN = /^arn:aws[\w-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/

/** The inline policy as compact JSON (whitespace counts against STS's size limit), or undefined. */
export function parseInlinePolicy(inputName: string, raw: string): string | undefined {
  if (raw.trim() === '') return undefined
  // Far above any policy STS accepts, whatever its whitespace: checked before parsing, so a deeply
  // nested document cannot exhaust the stack (JSON.stringify below recurses).
  if (raw.length > MAX_INLINE_POLICY_CHARS * 32) {
    throw new UserError(
      `Input '${inputName}' must be at most ${MAX_INLINE_POLICY_CHARS} characters of JSON; it has ${raw.length} characters.`,
    )
  }
  let document: unknown
  try {
    document = JSON.parse(raw)
  } catch (error) {
    throw new UserError(`Input '${inputName}' must be a JSON IAM policy document; it is not valid JSON (${(error as Error).message}).`)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UserError(`Input '${inputName}' must be a JSON IAM policy document (an object with Version and Statement).`)
  }
  const compact = JSON.stringify(document)
  if (compact.length > MAX_INLINE_POLICY_CHARS) {
    throw new UserError(
      `Input '${inputName}' must be at most ${MAX_INLINE_POLICY_CHARS} characters of JSON; it has ${compact.length} without whitespace.`,
    )
  }
  return compact
}

export function parseManagedPolicies(inputName: string, items: readonly string[]): string[] {
  for (const arn of items) {
    if (!POLICY_ARN.test(arn)) {
      throw new UserError(`Input '${inputName}' must list IAM policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess; got '${arn}'.`)
    }
  }
  if (items.length > MAX_MANAGED_POLICIES) {
    throw new UserError(`Input '${inputName}' must list at most ${MAX_MANAGED_POLICIES} policy ARNs; got ${items.length}.`)
  }
  return [...items]
}
