import { UserError } from '../../../lib/errors'
import { isTagImmutable, type RepositoryInfo } from './repository'
import type { ResolvedTag } from './tag-templates'

/** What the registry holds for each requested tag before anything is built. */
export interface TagState {
  tag: string
  /** Undefined when the tag does not exist. */
  digest?: string
}

export type TagPlan =
  /** The commit's tag is new: build, then push every tag. */
  | { kind: 'build' }
  /** The commit's image exists: no build; point the other tags at it where they are missing or (mutable only) elsewhere. */
  | { kind: 'skip'; digest: string; retag: { tag: string; previous?: string }[] }

/**
 * Decides from the registry's answers alone, before any build: the commit tag
 * (first) existing means this commit was built and pushed already. A tag
 * ECR would refuse to move (immutable) that points elsewhere fails here, with
 * the digests, instead of after a full build and a rejected push.
 */
export function planTags(states: readonly TagState[], isImmutable: (tag: string) => boolean, repository: string): TagPlan {
  const [primary, ...others] = states
  if (!primary) throw new Error('planTags needs the commit tag first')
  if (primary.digest === undefined) {
    const blocked = others.filter((state) => state.digest !== undefined && isImmutable(state.tag))
    if (blocked.length > 0) {
      const list = blocked.map((state) => `'${state.tag}' (${state.digest})`).join(', ')
      throw new UserError(
        `Tag ${list} already exists in immutable repository '${repository}' with another image, and this commit's image (tag '${primary.tag}') is new; an immutable tag cannot be moved, so the push would be refused.`,
        'Use tags that are unique per build (the commit SHA is), or remove these from the tags input.',
      )
    }
    return { kind: 'build' }
  }
  const digest = primary.digest
  const conflicting = others.filter((state) => state.digest !== undefined && state.digest !== digest && isImmutable(state.tag))
  if (conflicting.length > 0) {
    const list = conflicting.map((state) => `'${state.tag}' (${state.digest})`).join(', ')
    throw new UserError(
      `Tag ${list} already exists in immutable repository '${repository}' with other content than this commit's image '${primary.tag}' (${digest}); an immutable tag cannot be moved.`,
      'Use a new tag, or remove it from the tags input.',
    )
  }
  const retag = others
    .filter((state) => state.digest !== digest)
    .map((state) => (state.digest === undefined ? { tag: state.tag } : { tag: state.tag, previous: state.digest }))
  return { kind: 'skip', digest, retag }
}

/**
 * A tag from a moving template ({{branch}}, pr-{{pr}}, {{major}}.{{minor}})
 * points at a newer image on the next commit; where the repository keeps
 * that tag immutable, the first push works and every later one is refused.
 * Refused here, on the first run, before anything is built, whether or not
 * the tag exists yet.
 */
export function refuseMovingTags(
  tags: readonly ResolvedTag[],
  repository: Pick<RepositoryInfo, 'mutability' | 'exclusionFilters'>,
  name: string,
): void {
  const blocked = tags.filter((entry) => entry.movingFrom !== undefined && isTagImmutable(repository, entry.tag))
  if (blocked.length === 0) return
  const list = blocked.map((entry) => `'${entry.tag}' (from '${entry.movingFrom}')`).join(', ')
  throw new UserError(
    `Tag ${list} moves to a new image on later commits, but repository '${name}' keeps it immutable (${repository.mutability}), so the next push under it would be refused.`,
    'Tag with what is unique per build ({{sha}}, {{semver}}, {{tag}}, or a moving template with {{short-sha}}), or use a repository whose tag mutability (or an exclusion filter) lets this tag move.',
  )
}
