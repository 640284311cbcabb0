import type { HistoryEntry } from '../../../actions/eks-wait-and-helm/src/helm/plan'
import type { Exec, ExecOptions } from '../../../lib/exec'

export interface HelmCall {
  args: string[]
  input?: string
  env: NodeJS.ProcessEnv
  cwd?: string
}

/**
 * A stand-in for the helm binary that keeps release histories the way helm
 * does, including refusing to upgrade a release another operation left
 * pending, so the deploy logic is tested against helm's rules, not just
 * against the command lines it prints.
 */
export class FakeHelm {
  readonly calls: HelmCall[] = []
  readonly releases = new Map<string, HistoryEntry[]>()
  /** Release names whose next upgrade fails like a failed install would. */
  readonly failUpgrade = new Set<string>()
  historyFailure?: string
  /** What helm template prints when the chart does not render. */
  templateFailure?: string
  version = 'v3.19.0'

  seed(namespace: string, name: string, history: HistoryEntry[]): void {
    this.releases.set(`${namespace}/${name}`, history)
  }

  exec: Exec = async (_command, args, options: ExecOptions = {}) => {
    this.calls.push({
      args: [...args],
      env: options.env ?? {},
      cwd: options.cwd,
      ...(options.input !== undefined ? { input: String(options.input) } : {}),
    })
    const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '' })
    const fail = (stderr: string) => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` })
    const flag = (name: string) => {
      const at = args.indexOf(name)
      return at >= 0 ? args[at + 1] : undefined
    }
    const key = `${flag('--namespace') ?? 'default'}/${args[1]}`
    const history = this.releases.get(key)
    switch (args[0]) {
      case 'version':
        return ok(this.version)
      case 'list': {
        if (this.historyFailure) return fail(this.historyFailure)
        // helm's filter is a Go regular expression; the action's anchored alternation reads the same in JavaScript.
        const filter = new RegExp(flag('--filter') ?? '')
        const namespace = flag('--namespace') ?? 'default'
        const rows = [...this.releases]
          .filter(([releaseKey]) => releaseKey.startsWith(`${namespace}/`))
          .map(([releaseKey, entries]) => ({ name: releaseKey.slice(namespace.length + 1), latest: entries.at(-1) }))
          .filter((row) => row.latest && filter.test(row.name))
          .map(({ name, latest }) => ({ name, namespace, ...latest, revision: String(latest?.revision) }))
        return ok(JSON.stringify(rows))
      }
      case 'history': {
        if (this.historyFailure) return fail(this.historyFailure)
        if (!history) return fail('Error: release: not found')
        const max = Number(flag('--max') ?? 256)
        return ok(JSON.stringify(history.slice(-max)))
      }
      case 'upgrade': {
        const name = args[2] as string
        const upgradeKey = `${flag('--namespace')}/${name}`
        const current = this.releases.get(upgradeKey) ?? []
        const latest = current.at(-1)
        if (latest?.status.startsWith('pending-'))
          return fail('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress')
        if (this.failUpgrade.has(name)) {
          this.releases.set(upgradeKey, [...current, { revision: (latest?.revision ?? 0) + 1, status: 'failed', chart: 'demo-0.1.0' }])
          return fail('Error: UPGRADE FAILED: context deadline exceeded\nhelm.go:92: [debug] timed out waiting for the condition')
        }
        const next = current.map((entry) => (entry.status === 'deployed' ? { ...entry, status: 'superseded' } : entry))
        this.releases.set(upgradeKey, [...next, { revision: (latest?.revision ?? 0) + 1, status: 'deployed', chart: 'demo-0.1.0' }])
        return ok(`Release "${name}" has been upgraded. Happy Helming!`)
      }
      case 'rollback': {
        if (!history) return fail('Error: release: not found')
        const next = history.map((entry) => (entry.status === 'deployed' ? { ...entry, status: 'superseded' } : entry))
        next.push({ revision: (history.at(-1)?.revision ?? 0) + 1, status: 'deployed', chart: 'demo-0.1.0' })
        this.releases.set(key, next)
        return ok('Rollback was a success! Happy Helming!')
      }
      case 'uninstall':
        if (!history) return fail(`Error: uninstall: Release not loaded: ${args[1]}: release: not found`)
        this.releases.delete(key)
        return ok(`release "${args[1]}" uninstalled`)
      case 'repo':
      case 'registry':
      case 'dependency':
        return ok('ok')
      case 'template':
        return this.templateFailure ? fail(this.templateFailure) : ok('')
      default:
        return fail(`Error: unknown command "${args[0]}" for "helm"`)
    }
  }

  commands(): string[] {
    return this.calls.map((call) => call.args.slice(0, 2).join(' '))
  }
}
