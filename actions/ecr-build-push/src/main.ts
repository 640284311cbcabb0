import { ECRClient } from '@aws-sdk/client-ecr'
import { ECRPUBLICClient } from '@aws-sdk/client-ecr-public'
import { awsClientConfig } from '../../../lib/aws/clients'
import { withChildEnv } from '../../../lib/child-env'
import { systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { runWithDeps } from '../../../lib/entry'
import { exec } from '../../../lib/exec'
import { type ReadInput, readRaw } from '../../../lib/inputs'
import { runnerLog } from '../../../lib/log'
import { appendSummary } from '../../../lib/summary'
import { parseInputs } from './inputs'
import { type PublishDeps, publishImage } from './publish'
import { imageSummary } from './summary'

/** Everything that touches tools, AWS, the registry, time, the log or the inputs, so tests can replace it. */
export interface Deps extends PublishDeps {
  read: ReadInput
}

export function defaultDeps(): Deps {
  return {
    exec: withChildEnv(exec),
    fetch: globalThis.fetch,
    clock: systemClock,
    env: process.env,
    ecr: (region) => new ECRClient(awsClientConfig('ECR', region)),
    ecrPublic: (region) => new ECRPUBLICClient(awsClientConfig('ECR PUBLIC', region)),
    log: runnerLog,
    read: readRaw,
  }
}

export function run(overrides: Partial<Deps> = {}): Promise<void> {
  return runWithDeps(defaultDeps, overrides, async (deps) => {
    const inputs = parseInputs(deps.read, deps.env)
    for (const value of inputs.buildSecrets.values()) if (value !== '') core.setSecret(value)
    const published = await publishImage(inputs, deps)
    core.setOutput('registry', published.registry)
    core.setOutput('image', published.image)
    core.setOutput('digest', published.digest)
    core.setOutput('image-ref', published.imageRef)
    core.setOutput('tags', published.tags.join(','))
    core.setOutput('skipped', String(published.skipped))
    core.setOutput('pushed', String(published.pushed))
    // Every reference the image now has, the main repository's first: what a deploy or a signing step may need.
    const main = published.repositoryUri
      ? [{ imageRef: published.imageRef, images: published.tags.map((tag) => `${published.repositoryUri}:${tag}`) }]
      : []
    const every = [...main, ...published.mirrored]
    core.setOutput('image-refs', every.map((entry) => entry.imageRef).join(','))
    core.setOutput('images', every.flatMap((entry) => entry.images).join(','))
    deps.log.info(
      published.outcome.kind === 'built-only'
        ? `Built ${published.image}; nothing was pushed (push: false).`
        : `${published.skipped ? 'Skipped' : 'Pushed'}: ${published.imageRef}`,
    )
    await appendSummary(imageSummary(published))
  })
}
