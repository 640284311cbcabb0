import * as core from '@actions/core'
import { resolveRegion } from '../../../lib/aws/region'
import { withErrorBoundary } from '../../../lib/entry'
import { UserError } from '../../../lib/errors'
import { readOptional } from '../../../lib/inputs'

/** Placeholder until issue 6: validates its inputs, then says plainly that it does nothing else yet. */
export function run(): Promise<void> {
  return withErrorBoundary(async () => {
    const region = resolveRegion('aws-region', readOptional('aws-region'))
    core.info(`inputs valid (region ${region})`)
    throw new UserError('eks-wait-and-helm only validates its inputs so far; its real work is not built yet.')
  })
}
