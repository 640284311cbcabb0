/** One row of `helm history --output json` (or of `helm list`, which adds name and namespace and quotes the revision). */
export interface HistoryEntry {
  revision: number
  status: string
  chart?: string
  app_version?: string
  description?: string
  updated?: string
}

export type DeployPlan =
  | { kind: 'install' }
  | { kind: 'upgrade'; current: HistoryEntry }
  /** A run was killed mid-upgrade: return to the last good revision first, or helm refuses to upgrade. */
  | { kind: 'rollback-then-upgrade'; stuck: HistoryEntry; target: HistoryEntry }
  /** A first install (or an uninstall) was killed: there is nothing good to return to, so it is removed first. */
  | { kind: 'uninstall-then-install'; stuck: HistoryEntry }

const GOOD = new Set(['deployed', 'superseded'])

export function isStuck(status: string): boolean {
  return status.startsWith('pending-') || status === 'uninstalling'
}

/** What to do for a release given its history (undefined: the release does not exist). */
export function planDeploy(history: readonly HistoryEntry[] | undefined): DeployPlan {
  const latest = latestOf(history)
  if (!latest) return { kind: 'install' }
  if (!isStuck(latest.status)) return { kind: 'upgrade', current: latest }
  const target = [...(history ?? [])]
    .filter((entry) => entry.revision < latest.revision && GOOD.has(entry.status))
    .sort((a, b) => b.revision - a.revision)[0]
  if (latest.status !== 'uninstalling' && target) return { kind: 'rollback-then-upgrade', stuck: latest, target }
  return { kind: 'uninstall-then-install', stuck: latest }
}

export function latestOf(history: readonly HistoryEntry[] | undefined): HistoryEntry | undefined {
  if (!history || history.length === 0) return undefined
  return [...history].sort((a, b) => b.revision - a.revision)[0]
}

export function parseHistory(json: string): HistoryEntry[] {
  return parseRows(json, 'helm history').map(historyEntry)
}

/** `helm list --output json`: each release's latest revision, by `namespace/name`. */
export function parseList(json: string): Map<string, HistoryEntry> {
  return new Map(parseRows(json, 'helm list').map((row) => [releaseKey(String(row.namespace), String(row.name)), historyEntry(row)]))
}

export function releaseKey(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

function parseRows(json: string, command: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(json)
  if (!Array.isArray(parsed)) throw new Error(`${command} did not print a JSON list`)
  return parsed
}

function historyEntry(row: Record<string, unknown>): HistoryEntry {
  return {
    revision: Number(row.revision),
    status: String(row.status ?? 'unknown'),
    ...(typeof row.chart === 'string' ? { chart: row.chart } : {}),
    ...(typeof row.app_version === 'string' ? { app_version: row.app_version } : {}),
    ...(typeof row.description === 'string' ? { description: row.description } : {}),
    ...(typeof row.updated === 'string' ? { updated: row.updated } : {}),
  }
}
