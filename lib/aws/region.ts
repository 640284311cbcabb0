import { UserError } from '../errors'

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/

/**
 * The region from the input, else the AWS_REGION a credentials step exported,
 * else AWS_DEFAULT_REGION. A region is required: guessing one would create
 * resources where the user does not look for them.
 */
export function resolveRegion(inputName: string, input: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = input || env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (!region) {
    throw new UserError(`Input '${inputName}' is required when AWS_REGION is not set.`, 'Set it, or run oidc-auth first.')
  }
  if (!REGION.test(region)) {
    throw new UserError(`Input '${inputName}' must be an AWS region such as us-east-1; got '${region}'.`)
  }
  return region
}
