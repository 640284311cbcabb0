import { readFile } from 'node:fs/promises'
import { UserError } from '../../../lib/errors'

/**
 * Tag templates: `tags` lines such as `{{branch}}`, `pr-{{pr}}` or
 * `{{major}}.{{minor}}`, resolved from the run's git ref (GITHUB_REF,
 * GITHUB_HEAD_REF, the event payload) beside the commit SHA. A placeholder
 * the event cannot give (a semver on a branch push) fails the step, naming
 * it; it is never left out silently, so a release job cannot push fewer
 * tags than it asked for.
 */

export const PLACEHOLDERS = ['sha', 'short-sha', 'branch', 'pr', 'tag', 'semver', 'major', 'minor', 'patch'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]

/**
 * A tag whose placeholders are all of these points at a newer image on the
 * next commit of the same branch, pull request or release line; a pinning
 * placeholder beside them (`{{branch}}-{{short-sha}}`) makes it unique again.
 */
const MOVING: ReadonlySet<Placeholder> = new Set(['branch', 'pr', 'major', 'minor'])

export interface TagTemplate {
  /** The line as written. */
  source: string
  placeholders: Placeholder[]
}

export interface ResolvedTag {
  tag: string
  /** The template line when it moves from commit to commit (see MOVING). */
  movingFrom?: string
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g
// The OCI distribution spec's tag grammar, which ECR enforces.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/

/** Checks each line's placeholders by name (and a literal tag by the tag grammar) when the inputs are read. */
export function parseTagTemplates(name: string, lines: readonly string[]): TagTemplate[] {
  return [...new Set(lines)].map((source) => {
    const placeholders: Placeholder[] = []
    for (const [, placeholder] of source.matchAll(PLACEHOLDER)) {
      const known = PLACEHOLDERS.find((candidate) => candidate === placeholder)
      if (!known) {
        throw new UserError(
          `Input '${name}' uses an unknown template '{{${placeholder}}}' in '${source}'; the templates are ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
        )
      }
      placeholders.push(known)
    }
    // Placeholders aside, a line may hold only what a tag may; the resolved tag is checked in full later.
    if (!/^[A-Za-z0-9_.-]+$/.test(source.replace(PLACEHOLDER, 'x'))) {
      throw new UserError(
        `Input '${name}' must list image tags (letters, digits, '_', '.', '-', up to 128, not starting with '.' or '-') or templates such as pr-{{pr}}; got '${source}'.`,
      )
    }
    if (placeholders.length === 0) requireTag(name, source, source)
    return { source, placeholders }
  })
}

/** What the run's environment says about the ref it was started for. */
export interface RefContext {
  commit: string
  env: NodeJS.ProcessEnv
  /** The event payload (GITHUB_EVENT_PATH); read only when a template needs it. */
  readEvent?: () => Promise<unknown>
}

export async function resolveTagTemplates(name: string, templates: readonly TagTemplate[], context: RefContext): Promise<ResolvedTag[]> {
  const values = new RefValues(name, context)
  const resolved: ResolvedTag[] = []
  for (const template of templates) {
    let tag = template.source
    for (const placeholder of template.placeholders) {
      const value = await values.get(placeholder, template.source)
      tag = tag.replace(new RegExp(`\\{\\{\\s*${placeholder}\\s*\\}\\}`), value)
    }
    requireTag(name, tag, template.source)
    const moving = template.placeholders.length > 0 && template.placeholders.every((placeholder) => MOVING.has(placeholder))
    if (!resolved.some((entry) => entry.tag === tag)) resolved.push(moving ? { tag, movingFrom: template.source } : { tag })
  }
  return resolved
}

function requireTag(name: string, tag: string, source: string): void {
  if (TAG.test(tag)) return
  const from = tag === source ? '' : ` (from '${source}')`
  throw new UserError(
    `Input '${name}' must list image tags (letters, digits, '_', '.', '-', up to 128, not starting with '.' or '-'); got '${tag}'${from}.`,
  )
}

/**
 * Branch and tag names may hold what an image tag may not ('/', '+', '#',
 * unicode): those become '-', a leading '.' or '-' is dropped, and the
 * result is cut to 128 characters, as docker/metadata-action does.
 */
export function sanitizeRefName(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
}

class RefValues {
  private event?: Promise<unknown>
  constructor(
    private readonly name: string,
    private readonly context: RefContext,
  ) {}

  private get ref(): string {
    return this.context.env.GITHUB_REF ?? ''
  }

  private cannot(placeholder: Placeholder, source: string, why: string): UserError {
    const event = this.context.env.GITHUB_EVENT_NAME || 'unknown'
    return new UserError(
      `Input '${this.name}': '{{${placeholder}}}' in '${source}' cannot be resolved on this ${event} event: ${why}.`,
      'Use this template only in the workflows (or with the if:) where it exists, or remove it.',
    )
  }

  async get(placeholder: Placeholder, source: string): Promise<string> {
    switch (placeholder) {
      case 'sha':
        return this.context.commit
      case 'short-sha':
        return this.context.commit.slice(0, 7)
      case 'branch':
        return this.branch(source)
      case 'pr':
        return this.pullRequest(source)
      case 'tag': {
        const tag = this.gitTag()
        if (tag === undefined) throw this.cannot(placeholder, source, `GITHUB_REF '${this.ref}' is not a tag`)
        const sanitized = sanitizeRefName(tag)
        if (sanitized === '') throw this.cannot(placeholder, source, `git tag '${tag}' has no character an image tag may hold`)
        return sanitized
      }
      default:
        return this.version(placeholder, source)
    }
  }

  private gitTag(): string | undefined {
    return this.ref.startsWith('refs/tags/') ? this.ref.slice('refs/tags/'.length) : undefined
  }

  /** The branch pushed to, or a pull request's head branch (GITHUB_HEAD_REF). */
  private branch(source: string): string {
    const headRef = this.context.env.GITHUB_HEAD_REF
    const branch = headRef || (this.ref.startsWith('refs/heads/') ? this.ref.slice('refs/heads/'.length) : undefined)
    if (!branch) throw this.cannot('branch', source, `GITHUB_REF '${this.ref}' is not a branch and GITHUB_HEAD_REF is empty`)
    const sanitized = sanitizeRefName(branch)
    if (sanitized === '') throw this.cannot('branch', source, `branch '${branch}' has no character an image tag may hold`)
    return sanitized
  }

  /** The pull request's number, from the payload (pull_request, pull_request_target) or its refs/pull/<n>/merge ref. */
  private async pullRequest(source: string): Promise<string> {
    const fromRef = /^refs\/pull\/(\d+)\/(?:merge|head)$/.exec(this.ref)?.[1]
    if (fromRef) return fromRef
    const event = (await this.readEvent()) as { pull_request?: { number?: unknown }; number?: unknown } | undefined
    const number = event?.pull_request?.number
    if (typeof number === 'number' && Number.isInteger(number) && number > 0) return String(number)
    throw this.cannot('pr', source, `GITHUB_REF '${this.ref}' is not a pull request's and the event has no pull_request number`)
  }

  private version(placeholder: Exclude<Placeholder, 'sha' | 'short-sha' | 'branch' | 'pr' | 'tag'>, source: string): string {
    const tag = this.gitTag()
    if (tag === undefined) throw this.cannot(placeholder, source, `GITHUB_REF '${this.ref}' is not a tag`)
    const match = SEMVER.exec(tag)
    if (!match) throw this.cannot(placeholder, source, `git tag '${tag}' is not a semantic version such as v1.2.3`)
    const [, major, minor, patch, prerelease] = match as unknown as [string, string, string, string, string | undefined]
    if (placeholder === 'semver') return `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`
    // A prerelease must not move the release line's tags (1, 1.2) to a candidate.
    if (prerelease && placeholder !== 'patch') {
      throw this.cannot(placeholder, source, `git tag '${tag}' is a prerelease, and {{${placeholder}}} names only releases`)
    }
    return placeholder === 'major' ? major : placeholder === 'minor' ? minor : patch
  }

  private readEvent(): Promise<unknown> {
    this.event ??= this.context.readEvent ? this.context.readEvent() : readEventFile(this.context.env.GITHUB_EVENT_PATH)
    return this.event
  }
}

async function readEventFile(path: string | undefined): Promise<unknown> {
  if (!path) return undefined
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown
  } catch {
    // No payload (a local run) or an unreadable one: the placeholder that needed it fails with its own reason.
    return undefined
  }
}
