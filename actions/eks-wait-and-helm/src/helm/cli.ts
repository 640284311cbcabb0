import { join } from 'node:path'
import type { Exec, ExecResult } from '../../../../lib/exec'

export interface HelmCli {
  major: number
  version: string
  /** Runs helm against the kubeconfig it was made with; a non-zero exit is a result, not a throw. */
  run(args: readonly string[], options?: { input?: string; silent?: boolean }): Promise<ExecResult>
}

export interface HelmCliOptions {
  path: string
  major: number
  version: string
  /** Any kubeconfig: this action's EKS one, or a test cluster's. */
  kubeconfig: string
  /**
   * A private folder for helm's repository list, index cache and registry
   * logins, so credentials are neither read from nor left in the runner
   * user's home (self-hosted runners keep it between jobs).
   */
  stateDir: string
  /** Where relative chart paths and values files are resolved: the workspace. */
  cwd: string
  exec: Exec
  env: NodeJS.ProcessEnv
}

// Variables that would point helm at another cluster or identity than the kubeconfig given.
const OVERRIDES = ['HELM_KUBECONTEXT', 'HELM_KUBETOKEN', 'HELM_KUBEAPISERVER', 'HELM_KUBEASUSER', 'HELM_KUBEASGROUPS', 'HELM_NAMESPACE']

export function helmCli(options: HelmCliOptions): HelmCli {
  const env: NodeJS.ProcessEnv = { ...options.env }
  for (const key of OVERRIDES) delete env[key]
  Object.assign(env, {
    KUBECONFIG: options.kubeconfig,
    HELM_REPOSITORY_CONFIG: join(options.stateDir, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(options.stateDir, 'repository-cache'),
    HELM_REGISTRY_CONFIG: join(options.stateDir, 'registry.json'),
  })
  return {
    major: options.major,
    version: options.version,
    run: (args, runOptions = {}) =>
      options.exec(options.path, args, {
        env,
        cwd: options.cwd,
        silent: runOptions.silent ?? false,
        ...(runOptions.input !== undefined ? { input: runOptions.input } : {}),
        // In its own process group, so it gets the one signal forwarded below and not a second from a group-wide one.
        detached: true,
        onSpawn: forwardCancellation,
      }),
  }
}

/**
 * GitHub cancels a job with SIGINT, then SIGTERM. Passing the first on lets
 * helm mark its release failed instead of leaving it pending; helm exits and
 * the step fails with its result.
 */
function forwardCancellation(child: import('node:child_process').ChildProcess): void {
  const forward = () => {
    child.kill('SIGTERM')
  }
  process.once('SIGINT', forward)
  process.once('SIGTERM', forward)
  child.once('close', () => {
    process.removeListener('SIGINT', forward)
    process.removeListener('SIGTERM', forward)
  })
}
