/**
 * What a saved plan changes, read from `terraform show -json <plan>` (the
 * documented JSON output format), counted the way Terraform's own
 * "Plan: N to add, N to change, N to destroy" line counts.
 */
export type ChangeAction = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'import' | 'move' | 'forget'

export interface ResourceChange {
  address: string
  action: ChangeAction
}

export interface PlanSummary {
  add: number
  change: number
  destroy: number
  /** Resources that change, in plan order; plain no-ops are left out. */
  resources: ResourceChange[]
  /** Names of root outputs whose value changes. */
  outputs: string[]
}

export const NO_CHANGES: PlanSummary = { add: 0, change: 0, destroy: 0, resources: [], outputs: [] }

interface JsonResourceChange {
  address?: unknown
  previous_address?: unknown
  change?: { actions?: unknown; importing?: unknown }
}

export function summarizePlan(plan: unknown): PlanSummary {
  const root = (typeof plan === 'object' && plan !== null ? plan : {}) as {
    resource_changes?: unknown
    output_changes?: unknown
  }
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, resources: [], outputs: [] }
  const changes = Array.isArray(root.resource_changes) ? (root.resource_changes as JsonResourceChange[]) : []
  for (const entry of changes) {
    const actions = Array.isArray(entry.change?.actions) ? (entry.change.actions as unknown[]).map(String) : []
    const action = classify(actions, Boolean(entry.change?.importing), typeof entry.previous_address === 'string')
    if (!action || typeof entry.address !== 'string') continue
    if (action === 'create' || action === 'replace') summary.add++
    if (action === 'update') summary.change++
    if (action === 'delete' || action === 'replace') summary.destroy++
    summary.resources.push({ address: entry.address, action })
  }
  if (typeof root.output_changes === 'object' && root.output_changes !== null) {
    for (const [name, change] of Object.entries(root.output_changes as Record<string, { actions?: unknown }>)) {
      const actions = Array.isArray(change?.actions) ? change.actions : []
      if (!(actions.length === 1 && actions[0] === 'no-op')) summary.outputs.push(name)
    }
  }
  return summary
}

function classify(actions: string[], importing: boolean, moved: boolean): ChangeAction | undefined {
  const key = actions.join(',')
  switch (key) {
    case 'create':
      return 'create'
    case 'update':
      return 'update'
    case 'delete':
      return 'delete'
    case 'read':
      return 'read'
    case 'forget':
      return 'forget'
    case 'delete,create':
    case 'create,delete':
      return 'replace'
    case 'no-op':
      if (importing) return 'import'
      if (moved) return 'move'
      return undefined
    default:
      return undefined
  }
}

/** Terraform's own wording, so the summary reads like the log. */
export function describeCounts(summary: PlanSummary): string {
  return `${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy`
}
