import type { Exec, ExecResult } from '../../../../lib/exec'

/** kubectl bound to the action's kubeconfig; a non-zero exit is a result, not a throw. */
export interface Kubectl {
  run(args: readonly string[], options?: { silent?: boolean; input?: string }): Promise<ExecResult>
}

// Variables that would point kubectl at another cluster, identity or set of defaults than the kubeconfig given.
const OVERRIDES = ['KUBECTL_EXTERNAL_DIFF', 'KUBECTL_KUBERC', 'KUBERC']

export function kubectlCli(options: { path: string; kubeconfig: string; cwd: string; exec: Exec; env: NodeJS.ProcessEnv }): Kubectl {
  const env: NodeJS.ProcessEnv = { ...options.env, KUBECONFIG: options.kubeconfig }
  for (const key of OVERRIDES) delete env[key]
  return {
    run: (args, runOptions = {}) =>
      options.exec(options.path, args, {
        env,
        cwd: options.cwd,
        silent: runOptions.silent ?? true,
        ...(runOptions.input !== undefined ? { input: runOptions.input } : {}),
      }),
  }
}
