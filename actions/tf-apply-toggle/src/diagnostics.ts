/**
 * Terraform's diagnostics as its machine-readable UI reports them
 * (`-json`: `{"type":"diagnostic","diagnostic":{…}}`).
 */
export interface Diagnostic {
  severity: 'error' | 'warning'
  summary: string
  detail?: string
  address?: string
  range?: { filename: string; start: { line: number; column: number } }
  snippet?: { context?: string | null; code: string; start_line: number }
}

export function isDiagnostic(value: unknown): value is Diagnostic {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Diagnostic>
  return (candidate.severity === 'error' || candidate.severity === 'warning') && typeof candidate.summary === 'string'
}

/** The diagnostic as Terraform's human UI prints it, minus the box drawing. */
export function renderDiagnostic(diagnostic: Diagnostic): string {
  const lines = [`${diagnostic.severity === 'error' ? 'Error' : 'Warning'}: ${diagnostic.summary}`]
  const { range, snippet } = diagnostic
  if (range) {
    lines.push('', `  on ${range.filename} line ${range.start.line}${snippet?.context ? `, in ${snippet.context}` : ''}:`)
    if (snippet) {
      snippet.code.split('\n').forEach((code, index) => {
        lines.push(`  ${String(snippet.start_line + index).padStart(4)}: ${code}`)
      })
    }
  }
  if (diagnostic.detail) lines.push('', diagnostic.detail)
  return `${lines.join('\n')}\n`
}

/** Where a diagnostic points, for an error message: `main.tf line 12`. */
export function locationOf(diagnostic: Diagnostic): string | undefined {
  return diagnostic.range ? `${diagnostic.range.filename} line ${diagnostic.range.start.line}` : undefined
}

/** The holder of a state lock, from the `Lock Info:` block Terraform puts in the lock error. */
export interface LockInfo {
  id?: string
  path?: string
  operation?: string
  who?: string
  version?: string
  created?: string
  info?: string
}

// The summary Terraform's state locker uses when it cannot take the lock (also for `-lock-timeout` expiry).
const LOCK_SUMMARY = /error acquiring the state lock|error locking state/i

export function isLockError(diagnostic: Diagnostic): boolean {
  return diagnostic.severity === 'error' && LOCK_SUMMARY.test(diagnostic.summary)
}

const LOCK_FIELDS: Record<string, keyof LockInfo> = {
  ID: 'id',
  Path: 'path',
  Operation: 'operation',
  Who: 'who',
  Version: 'version',
  Created: 'created',
  Info: 'info',
}

/**
 * The lock's fields. Terraform offers them nowhere in JSON: the diagnostic's
 * detail carries them as a `Lock Info:` block of `Name: value` lines, which is
 * the format of Terraform's LockInfo.String() and stable across versions.
 */
export function parseLockInfo(detail: string | undefined): LockInfo | undefined {
  if (!detail) return undefined
  const start = detail.indexOf('Lock Info:')
  if (start < 0) return undefined
  const info: LockInfo = {}
  for (const line of detail.slice(start).split('\n').slice(1)) {
    const match = /^\s+([A-Za-z]+):\s*(.*)$/.exec(line)
    if (!match) break
    const key = LOCK_FIELDS[match[1] as string]
    const value = (match[2] as string).trim()
    if (key && value !== '') info[key] = value
  }
  return Object.keys(info).length > 0 ? info : undefined
}

/** One line naming the holder, for the failure message and the summary. */
export function describeLock(lock: LockInfo | undefined): string {
  if (!lock) return 'Terraform did not say who holds it'
  const parts = [`held by ${lock.who ?? 'an unknown holder'}`]
  if (lock.created) parts.push(`since ${lock.created}`)
  if (lock.operation) parts.push(`for ${lock.operation.replace(/^OperationType/, '').toLowerCase()}`)
  if (lock.id) parts.push(`(lock ID ${lock.id})`)
  return parts.join(' ')
}
