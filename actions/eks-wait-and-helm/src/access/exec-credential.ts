import { UserError } from '../../../../lib/errors'
import { credentialsFromEnv } from './credentials'
import { createEksToken, stsEndpoint } from './token'

export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1'

export interface ExecCredential {
  kind: 'ExecCredential'
  apiVersion: typeof EXEC_API_VERSION
  spec: Record<string, never>
  status: { expirationTimestamp: string; token: string }
}

export interface TokenCommand {
  clusterName: string
  region: string
}

/** The exec plugin's arguments, as the kubeconfig writes them. */
export function tokenCommandArgs(command: TokenCommand): string[] {
  return ['--cluster-name', command.clusterName, '--region', command.region]
}

export function parseTokenCommandArgs(args: readonly string[]): TokenCommand {
  const values = new Map<string, string>()
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]
    const value = args[i + 1]
    if (!key?.startsWith('--') || value === undefined) throw new UserError(`usage: token --cluster-name <name> --region <region>`)
    values.set(key.slice(2), value)
  }
  const clusterName = values.get('cluster-name')
  const region = values.get('region')
  if (!clusterName || !region) throw new UserError(`usage: token --cluster-name <name> --region <region>`)
  return { clusterName, region }
}

/** What the kubeconfig's exec plugin prints: a fresh token and when clients should ask for the next one. */
export async function execCredential(command: TokenCommand, env: NodeJS.ProcessEnv, now: Date): Promise<ExecCredential> {
  const { token, expiresAt } = await createEksToken({
    clusterName: command.clusterName,
    credentials: credentialsFromEnv(env),
    endpoint: stsEndpoint(command.region, env),
    now,
  })
  return {
    kind: 'ExecCredential',
    apiVersion: EXEC_API_VERSION,
    spec: {},
    // RFC 3339 without milliseconds, the form client-go documents.
    status: { expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'), token },
  }
}
