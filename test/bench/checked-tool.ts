import { type ExecOptions, type ExecResult, exec, tail } from '../../lib/exec'

/**
 * A CLI run with the bench's environment for it added (a daemon's socket, a
 * store's configuration); a non-zero exit throws with the output's last lines,
 * so a bench setup step that fails says why.
 */
export function checkedTool(command: string, env: Record<string, string>) {
  return async (args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
    const result = await exec(command, args, { silent: true, ...options, env: { ...process.env, ...env, ...options.env } })
    if (result.exitCode !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}: ${tail(result.stderr || result.stdout, 5)}`)
    }
    return result
  }
}
