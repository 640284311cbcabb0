import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { stringify } from 'yaml'
import { EXEC_API_VERSION, tokenCommandArgs } from './exec-credential'

export interface KubeconfigSpec {
  clusterName: string
  /** Used as the context name when known, as `aws eks update-kubeconfig` does. */
  clusterArn?: string
  region: string
  endpoint: string
  /** Base64 of the CA's PEM, exactly as DescribeCluster returns it. */
  certificateAuthority: string
  /** The Node binary that runs the token plugin: the runner's own. */
  nodePath: string
  /** Absolute path of this action's bundled token script. */
  tokenScript: string
}

/**
 * A kubeconfig whose user is an exec credential plugin rather than a token:
 * kubectl and helm ask it for a fresh token when theirs expires, so a Helm
 * wait longer than the token's 15 minutes keeps working, and no secret is
 * stored in the file.
 */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.clusterArn ?? spec.clusterName
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: spec.endpoint, 'certificate-authority-data': spec.certificateAuthority } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: EXEC_API_VERSION,
            command: spec.nodePath,
            args: [spec.tokenScript, ...tokenCommandArgs({ clusterName: spec.clusterName, region: spec.region })],
            interactiveMode: 'Never',
            provideClusterInfo: false,
          },
        },
      },
    ],
  })
}

/** Written owner-only: it names the cluster and how to reach it, which other users of a shared runner need not see. */
export async function writeKubeconfig(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, content, { mode: 0o600 })
  // writeFile's mode only applies when it creates the file; an earlier run's file keeps its own.
  await chmod(path, 0o600)
}
