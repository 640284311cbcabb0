import * as core from '../../../lib/core'
import { build } from './build'
import { resolveCommit } from './commit'
import type { Inputs } from './inputs'
import type { PublishDeps, Published } from './publish'
import { requireDirectory } from './publish'
import { resolveTagTemplates } from './tag-templates'

/**
 * `push: false`, for pull requests: the image is built exactly as a push
 * would build it (same Dockerfile, arguments, labels, platforms), so a broken
 * build fails the check, but nothing touches AWS or a registry. No ECR login
 * is made and no repository created, so the job needs no AWS credentials and
 * a pull request from a fork can run it. Base images come through the
 * user's own Docker login, as for any local build.
 */
export async function buildOnly(inputs: Inputs, deps: PublishDeps): Promise<Published> {
  const commit = await resolveCommit(deps.env, deps.exec)
  await requireDirectory('context', inputs.context)
  if (inputs.alsoPushTo.length > 0) core.info('push is false: nothing is copied to the also-push-to repositories.')
  if (inputs.cache) core.info('push is false: the registry build cache is neither read nor written (it would need the ECR login).')
  const resolved = await resolveTagTemplates('tags', inputs.tags, { commit, env: deps.env })
  const tags = [commit, ...resolved.map((entry) => entry.tag).filter((tag) => tag !== commit)]
  // Local names only: no registry host, so nothing could be pushed by mistake under them.
  const references = tags.map((tag) => `${inputs.repository}:${tag}`)
  const { builder, built } = await build(
    inputs,
    deps,
    commit,
    { references, insecure: false, push: false },
    (builder) => `Building ${references[0]} with ${builder.description}, without pushing (push: false).`,
  )
  const digest = built.digest
  return {
    registry: '',
    image: references[0] as string,
    imageRef: '',
    digest: digest ?? '',
    tags,
    skipped: false,
    pushed: false,
    mirrored: [],
    repositoryUri: '',
    outcome: { kind: 'built-only', builder: builder.description },
    repository: { name: inputs.repository, created: false, mutability: 'not checked (push: false)' },
  }
}
