/**
 * The standard AWS endpoint overrides, the same variables the AWS CLI and SDKs
 * read: AWS_ENDPOINT_URL_<SERVICE> first, then AWS_ENDPOINT_URL, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. This is how users point the
 * actions at LocalStack or moto, and how the tests do.
 */
export function endpointFromEnv(serviceId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return undefined
  const key = `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/[\s-]+/g, '_')}`
  return env[key] || env.AWS_ENDPOINT_URL || undefined
}
