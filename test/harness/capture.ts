import { parseWorkflowCommands, type WorkflowCommands } from './commands'

/**
 * Captures what code running in this process writes to stdout, where
 * lib/core writes its workflow commands, for unit tests that call an
 * action's run() directly (ES module exports cannot be spied on).
 */
export async function captureStdout<T>(
  body: () => Promise<T>,
): Promise<{ result: T; stdout: string; commands: WorkflowCommands; exitCode: number }> {
  const write = process.stdout.write.bind(process.stdout)
  const previousExitCode = process.exitCode
  process.exitCode = 0
  let stdout = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof process.stdout.write
  try {
    const result = await body()
    return { result, stdout, commands: parseWorkflowCommands(stdout), exitCode: Number(process.exitCode ?? 0) }
  } finally {
    process.stdout.write = write
    process.exitCode = previousExitCode
  }
}
