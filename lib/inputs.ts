import * as core from './core'
import { UserError } from './errors'

/**
 * Named parsers for action inputs. Each one either returns a typed value or
 * throws a UserError whose single line names the input and what it accepts.
 * The pure `parse*` functions take the raw text so they are testable without
 * a runner; the `read*` helpers fetch the text with core.getInput.
 */

/** How an action reads its inputs: parseInputs(read) takes one, so tests pass a table instead of a runner. */
export type ReadInput = (name: string) => string

export function readRaw(name: string): string {
  return core.getInput(name).trim()
}

function invalid(name: string, raw: string, accepted: string): UserError {
  return new UserError(`Input '${name}' must be ${accepted}; got '${raw}'.`)
}

export function parseRequired(name: string, raw: string): string {
  if (raw === '') throw new UserError(`Input '${name}' is required.`)
  return raw
}

// YAML 1.2 core schema booleans, the same set the toolkit's getBooleanInput accepts.
const TRUE = new Set(['true', 'True', 'TRUE'])
const FALSE = new Set(['false', 'False', 'FALSE'])

export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback
  if (TRUE.has(raw)) return true
  if (FALSE.has(raw)) return false
  throw invalid(name, raw, 'true or false')
}

export function parseEnum<T extends string>(name: string, raw: string, allowed: readonly T[], fallback?: T): T {
  if (raw === '' && fallback !== undefined) return fallback
  const match = allowed.find((value) => value === raw.toLowerCase())
  if (match === undefined) throw invalid(name, raw, `one of ${allowed.join(', ')}`)
  return match
}

export interface IntegerRange {
  min?: number
  max?: number
}

export function parseInteger(name: string, raw: string, fallback: number, range: IntegerRange = {}): number {
  if (raw === '') return fallback
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range
  const accepted = describeRange(min, max)
  if (!/^-?\d+$/.test(raw)) throw invalid(name, raw, accepted)
  const value = Number(raw)
  if (value < min || value > max) throw invalid(name, raw, accepted)
  return value
}

function describeRange(min: number, max: number): string {
  if (min !== Number.MIN_SAFE_INTEGER && max !== Number.MAX_SAFE_INTEGER) return `a whole number from ${min} to ${max}`
  if (min !== Number.MIN_SAFE_INTEGER) return `a whole number of at least ${min}`
  if (max !== Number.MAX_SAFE_INTEGER) return `a whole number of at most ${max}`
  return 'a whole number'
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Durations as Go and Terraform write them: `90s`, `5m`, `1h30m`, or bare seconds. Returns milliseconds. */
export function parseDuration(name: string, raw: string, fallback: number): number {
  if (raw === '') return fallback
  const accepted = "a duration such as '90s', '5m' or '1h30m'"
  if (/^\d+$/.test(raw)) return Number(raw) * 1000
  const parts = [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== raw) throw invalid(name, raw, accepted)
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (UNIT_MS[unit as string] ?? 0), 0)
}

/**
 * One item per line; blank lines and `#` comments are ignored. Lines are never
 * split on commas, because values (Helm --set strings, JSON, ARNs with
 * conditions) legitimately contain them.
 */
export function parseList(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/**
 * Items that cannot hold commas (kinds, ARNs, account ids, platforms, node
 * group names): one per line, or several on a line separated by commas, and
 * by blanks too where `blanks` says a value never holds one (so elsewhere a
 * blank inside an item is kept, for the item's own check to refuse); blank
 * lines and `#` comments are ignored.
 */
export function parseItems(raw: string, options: { blanks?: boolean } = {}): string[] {
  const separator = options.blanks ? /[\s,]+/ : /,/
  return parseList(raw).flatMap((line) =>
    line
      .split(separator)
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
}

export interface VersionRule {
  /** Shown in the message: 'v3.19.0 or 4.0.0'. */
  example: string
  /** Returned for an empty input; without it the input is required. */
  fallback?: string
  /** What the input names, for the message: 'release' (default), 'Helm release'. */
  what?: string
  /** Whether a pre-release suffix (-rc.1) is accepted. */
  preRelease?: boolean
}

/** A release as tools tag them, `v` added when left out: 1.2.3, v1.2.3, and v1.2.3-rc.1 when preRelease. */
export function parseReleaseVersion(name: string, raw: string, rule: VersionRule): string {
  const text = raw.trim()
  if (text === '' && rule.fallback !== undefined) return rule.fallback
  const pattern = rule.preRelease === false ? /^v?\d+\.\d+\.\d+$/ : /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/
  if (!pattern.test(text)) throw invalid(name, raw, `a ${rule.what ?? 'release'} such as ${rule.example}`)
  return text.startsWith('v') ? text : `v${text}`
}

/** `key=value`, one per line. The value may contain `=`. */
export function parseKeyValues(name: string, raw: string): Map<string, string> {
  const pairs = new Map<string, string>()
  raw.split(/\r?\n/).forEach((line, index) => {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) return
    const at = text.indexOf('=')
    if (at <= 0) {
      // A line without a key may be a secret meant as a value: not a character of it is shown.
      throw new UserError(
        `Input '${name}' line ${index + 1} must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).`,
      )
    }
    pairs.set(text.slice(0, at).trim(), text.slice(at + 1).trim())
  })
  return pairs
}

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role\/([\w+=,.@\-/]{1,512})$/

export interface RoleArn {
  arn: string
  partition: string
  accountId: string
  roleName: string
}

export function parseRoleArn(name: string, raw: string): RoleArn {
  const match = ROLE_ARN.exec(raw)
  if (!match) {
    throw invalid(name, raw, 'an IAM role ARN like arn:aws:iam::123456789012:role/my-role')
  }
  const [, partition, accountId, path] = match as unknown as [string, string, string, string]
  return { arn: raw, partition, accountId, roleName: path.split('/').pop() ?? path }
}

/** The read* helpers over one reader: parseInputs(read) takes its inputs through these. */
export function inputsFrom(read: ReadInput) {
  const raw = (name: string) => read(name).trim()
  const required = (name: string): string => parseRequired(name, raw(name))
  return {
    raw,
    required,
    optional: (name: string): string | undefined => raw(name) || undefined,
    boolean: (name: string, fallback: boolean): boolean => parseBoolean(name, raw(name), fallback),
    enum: <T extends string>(name: string, allowed: readonly T[], fallback?: T): T => parseEnum(name, raw(name), allowed, fallback),
    integer: (name: string, fallback: number, range?: IntegerRange): number => parseInteger(name, raw(name), fallback, range),
    duration: (name: string, fallback: number): number => parseDuration(name, raw(name), fallback),
    list: (name: string): string[] => parseList(read(name)),
    keyValues: (name: string): Map<string, string> => parseKeyValues(name, read(name)),
    roleArn: (name: string): RoleArn => parseRoleArn(name, required(name)),
  }
}

const runner = inputsFrom(readRaw)
export const readRequired = runner.required
export const readOptional = runner.optional
export const readBoolean = runner.boolean
export const readEnum = runner.enum
export const readInteger = runner.integer
export const readDuration = runner.duration
export const readList = runner.list
export const readKeyValues = runner.keyValues
export const readRoleArn = runner.roleArn
