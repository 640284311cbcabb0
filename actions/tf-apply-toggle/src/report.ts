import { codeBlock, details, markdownTable } from '../../../lib/summary'
import { cutToFit } from '../../../lib/text-budget'
import type { FailureReason } from './failure'
import type { Mode } from './inputs'
import { describeCounts, type PlanSummary } from './plan-json'
import type { Product } from './product'

export type Outcome = 'applied' | 'no-changes' | 'planned' | 'failed' | 'drifted' | 'in-sync'

/** Everything the job summary and the pull request comment say about one run. */
export interface Report {
  product: Product['name']
  mode: Mode
  directory: string
  workspace: string
  outcome: Outcome
  plan?: PlanSummary
  /** The saved plan as Terraform (or OpenTofu) renders it for people. */
  planText?: string
  failure?: { reason: FailureReason; message: string }
  /** One line on where the plan came from or went (a reviewed plan saved or applied). */
  note?: string
  /** The -target addresses the plan was limited to. */
  targets?: readonly string[]
  /** The -replace addresses. */
  replace?: readonly string[]
}

export interface RenderLimits {
  /** The most the rendered text may measure. */
  budget: number
  measure: (text: string) => number
  /** How many resource rows to list before summarising the rest. */
  maxRows: number
  /** Where the whole plan can be read when it had to be cut. */
  fullPlanLink?: string
}

export { byteLength, COMMENT_LIMIT, charLength, cutToFit, SUMMARY_LIMIT } from '../../../lib/text-budget'

const OUTCOME_TEXT: Record<Outcome, string> = {
  applied: 'applied the saved plan',
  'no-changes': 'no changes, apply skipped',
  planned: 'planned only, nothing applied',
  failed: 'failed',
  drifted: 'the real infrastructure differs from the code (drift); nothing applied',
  'in-sync': 'no drift, the real infrastructure matches the code',
}

export function heading(report: Report): string {
  return `### ${report.product} ${report.mode}: \`${report.directory}\` (workspace \`${report.workspace}\`)`
}

/** The report as Markdown within the limits: the plan text is cut first, then the resource table. */
export function renderReport(report: Report, limits: RenderLimits, prefix = '', suffix = ''): string {
  const parts = [...(prefix ? [prefix] : []), heading(report), '', statusLine(report)]
  if (report.note) parts.push('', report.note)
  const repair = repairLine(report)
  if (repair) parts.push('', repair)
  if (report.failure) parts.push('', `**${report.failure.reason}**: ${report.failure.message}`)
  if (report.plan) {
    parts.push('', markdownTable(['to add', 'to change', 'to destroy'], [[report.plan.add, report.plan.change, report.plan.destroy]]))
    const rows = report.plan.resources.slice(0, limits.maxRows).map((resource) => [resource.action, `\`${resource.address}\``])
    if (rows.length > 0) {
      const more = report.plan.resources.length - rows.length
      parts.push('', markdownTable(['action', 'resource'], rows))
      if (more > 0) parts.push('', `…and ${more} more; the plan below lists them all.`)
    }
    if (report.plan.outputs.length > 0)
      parts.push('', `Outputs that change: ${report.plan.outputs.map((name) => `\`${name}\``).join(', ')}`)
  }
  const head = parts.join('\n')
  const tail = suffix ? `\n\n${suffix}` : ''
  if (!report.planText) return withinBudget(`${head}${tail}`, limits)

  const wrap = (text: string, notice: string) => `${head}\n\n${details('Plan', `${codeBlock(text)}${notice}`)}${tail}`
  const whole = wrap(report.planText, '')
  if (limits.measure(whole) <= limits.budget) return whole
  const notice = limits.fullPlanLink
    ? `\n\nThe plan was cut to fit; the whole plan is in the [job summary and log](${limits.fullPlanLink}).`
    : "\n\nThe plan was cut to fit; the whole plan is in this step's log."
  // Backticks in the plan lengthen both fences; leave room for the longest they can be.
  const fenceGrowth = 2 * (codeBlock(report.planText).indexOf('\n') - codeBlock('').indexOf('\n'))
  const room = limits.budget - limits.measure(wrap('', notice)) - fenceGrowth
  return withinBudget(wrap(cutToFit(report.planText, room, limits.measure), notice), limits)
}

/** A targeted or forced-replacement plan is not the whole configuration: the reader must see that first. */
function repairLine(report: Report): string | undefined {
  const list = (addresses: readonly string[]) => addresses.map((address) => `\`${address}\``).join(', ')
  const parts: string[] = []
  if (report.targets?.length) parts.push(`**Only these targets** (-target): ${list(report.targets)}.`)
  if (report.replace?.length) parts.push(`**Replaced on purpose** (-replace): ${list(report.replace)}.`)
  return parts.length > 0 ? parts.join(' ') : undefined
}

function statusLine(report: Report): string {
  const counts = report.plan ? `**Plan:** ${describeCounts(report.plan)}. ` : ''
  return `${counts}**Result:** ${OUTCOME_TEXT[report.outcome]}.`
}

// The last resort when even the text around the plan is too long (a resource table of thousands of rows).
function withinBudget(markdown: string, limits: RenderLimits): string {
  return limits.measure(markdown) <= limits.budget ? markdown : cutToFit(markdown, limits.budget, limits.measure)
}
