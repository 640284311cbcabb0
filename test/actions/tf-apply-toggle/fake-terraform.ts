import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Exec, ExecOptions } from '../../../lib/exec'

/**
 * A scripted stand-in for the terraform binary in unit tests: each
 * subcommand answers with recorded-shape output, and the fake child it hands
 * to onSpawn records the signals sent to it. The real binary is exercised by
 * the integration tests; this one reaches the branches real Terraform is
 * slow or awkward to drive into (a lock during apply, a crash, a signal
 * between two commands).
 */
export class FakeChild extends EventEmitter {
  readonly stdout = new EventEmitter()
  readonly stderr = new EventEmitter()
  readonly signals: NodeJS.Signals[] = []
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal)
    return true
  }
}

export interface Reply {
  exitCode?: number
  stdout?: string
  stderr?: string
}

export interface Call {
  args: string[]
  options: ExecOptions
  child: FakeChild
  /** Files named by -backend-config= and -var-file=, read while the command "ran". */
  files: Record<string, string>
}

export type Step = (call: Call) => Reply | Promise<Reply>

export const jsonLines = (...events: object[]): string => `${events.map((event) => JSON.stringify(event)).join('\n')}\n`

export const message = (text: string, type = 'log') => ({ '@level': 'info', '@message': text, type })

export const diagnostic = (summary: string, detail = '', extra: object = {}) => ({
  '@level': 'error',
  '@message': `Error: ${summary}`,
  type: 'diagnostic',
  diagnostic: { severity: 'error', summary, detail, ...extra },
})

export const PLAN_JSON = {
  format_version: '1.2',
  resource_changes: [
    { address: 'terraform_data.network', change: { actions: ['create'] } },
    { address: 'terraform_data.cluster', change: { actions: ['update'] } },
    { address: 'terraform_data.old', change: { actions: ['delete'] } },
  ],
  output_changes: { cluster_name: { actions: ['create'] }, same: { actions: ['no-op'] } },
}

export const OUTPUTS_JSON = {
  cluster_name: { sensitive: false, type: 'string', value: 'dev-cluster' },
  password: { sensitive: true, type: 'string', value: 'hunter2-hunter2' },
}

export const DEFAULT_STEPS: Record<string, Step> = {
  init: () => ({ stdout: 'Terraform has been successfully initialized!\n' }),
  plan: () => ({
    exitCode: 2,
    stdout: jsonLines(message('Terraform 1.11.4', 'version'), message('Plan: 1 to add, 1 to change, 1 to destroy.')),
  }),
  show: ({ args }) =>
    args.includes('-json') ? { stdout: JSON.stringify(PLAN_JSON) } : { stdout: '  # terraform_data.network will be created\n' },
  apply: () => ({ stdout: jsonLines(message('Apply complete! Resources: 1 added, 1 changed, 1 destroyed.')) }),
  output: () => ({ stdout: JSON.stringify(OUTPUTS_JSON) }),
}

export interface FakeTerraform {
  exec: Exec
  calls: Call[]
  /** The subcommands run, in order. */
  commands(): string[]
}

export function fakeTerraform(steps: Record<string, Step> = {}): FakeTerraform {
  const calls: Call[] = []
  const exec: Exec = async (_command, args, options = {}) => {
    const child = new FakeChild()
    const files: Record<string, string> = {}
    for (const arg of args) {
      const match = /^-(?:backend-config|var-file)=(.+)$/.exec(arg)
      if (match?.[1]?.startsWith('/')) files[match[1]] = readFileSync(match[1], 'utf8')
    }
    const call: Call = { args: [...args], options, child, files }
    calls.push(call)
    options.onSpawn?.(child as unknown as ChildProcess)
    const subcommand = args[0] as string
    const step = steps[subcommand] ?? DEFAULT_STEPS[subcommand]
    if (!step) throw new Error(`fake terraform has no step for ${subcommand}`)
    const reply = await step(call)
    if (reply.stdout) child.stdout.emit('data', Buffer.from(reply.stdout))
    if (reply.stderr) child.stderr.emit('data', Buffer.from(reply.stderr))
    return { exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' }
  }
  return { exec, calls, commands: () => calls.map((call) => call.args[0] as string) }
}
