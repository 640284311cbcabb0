/**
 * The OCI annotations that tie an image to its source: the repository URL,
 * the commit and the build time. The user's own `labels` win on conflict.
 */
export function imageLabels(options: {
  oci: boolean
  commit: string
  now: number
  env: NodeJS.ProcessEnv
  extra: ReadonlyMap<string, string>
}): Map<string, string> {
  const labels = new Map<string, string>()
  if (options.oci) {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository } = options.env
    if (server && repository) labels.set('org.opencontainers.image.source', `${server}/${repository}`)
    labels.set('org.opencontainers.image.revision', options.commit)
    labels.set('org.opencontainers.image.created', new Date(options.now).toISOString())
  }
  for (const [key, value] of options.extra) labels.set(key, value)
  return labels
}
