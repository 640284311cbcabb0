import type { AwsCredentials } from '../../../../lib/aws/signing'
import { UserError } from '../../../../lib/errors'

/**
 * The credentials a credentials step (oidc-auth, configure-aws-credentials)
 * exported. The token is signed with these, in this process and in the
 * kubeconfig's exec plugin, which inherits the same environment from helm
 * or kubectl; nothing secret is ever written into the kubeconfig.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim()
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim()
  if (!accessKeyId || !secretAccessKey) {
    throw new UserError(
      'No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to sign the cluster token with.',
      'Run oidc-auth (or another credentials step that exports them) earlier in the job.',
    )
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim()
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
}
