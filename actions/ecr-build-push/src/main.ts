import { ECRClient } from '@aws-sdk/client-ecr'
import { awsClientConfig } from '../../../lib/aws/clients'
import { withChildEnv } from '../../../lib/child-env'
import { systemClock } from '../../../lib/clock'
import * as core from '../../../lib/core'
import { withErrorBoundary } from '../../../lib/entry'
import { exec } from '../../../lib/exec'
import { appendSummary } from '../../../lib/summary'
import { readInputs } from './inputs'
import { type Deps, publishImage } from './publish'
import { imageSummary } from './summary'

export function defaultDeps(): Deps {
  return {
    exec: withChildEnv(exec),
    fetch: globalThis.fetch,
    clock: systemClock,
    env: process.env,
    ecr: (region) => new ECRClient(awsClientConfig('ECR', region)),
  }
}

export function run(deps: Deps = defaultDeps()): Promise<void> {
  return withErrorBoundary(async () => {
    const inputs = readInputs(deps.env)
    for (const value of inputs.buildSecrets.values()) if (value !== '') core.setSecret(value)
    const published = await publishImage(inputs, deps)
    core.setOutput('registry', published.registry)
    core.setOutput('image', published.image)
    core.setOutput('digest', published.digest)
    core.setOutput('image-ref', published.imageRef)
    core.setOutput('tags', published.tags.join(','))
    core.setOutput('skipped', String(published.skipped))
    core.setOutput('pushed', String(published.pushed))
    core.info(
      published.outcome.kind === 'built-only'
        ? `Built ${published.image}; nothing was pushed (push: false).`
        : `${published.skipped ? 'Skipped' : 'Pushed'}: ${published.imageRef}`,
    )
    await appendSummary(imageSummary(published))
  })
}
