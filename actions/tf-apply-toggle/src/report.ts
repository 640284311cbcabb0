import { codeBlock, details, markdownTable } from '../../../lib/summary'
import type { FailureReason } from './failure'
import type { Mode } from './inputs'
import { describeCounts, type PlanSummary } from './plan-json'
import type { Product } from './product'

export type Outcome = 'applied' | 'no-changes' | 'planned' | 'failed'

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

/** GitHub rejects comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536
/** GitHub keeps at most 1 MiB of summary per step; leave room for other steps' markdown in the same file. */
export const SUMMARY_LIMIT = 1_000_000

const OUTCOME_TEXT: Record<Outcome, string> = {
  applied: 'applied the saved plan',
  'no-changes': 'no changes, apply skipped',
  planned: 'planned only, nothing applied',
  failed: 'failed',
}

export function heading(report: Report): string {
  return `### ${report.product} ${report.mode}: \`${report.directory}\` (workspace \`${report.workspace}\`)`
}

/** The report as Markdown within the limits: the plan text is cut first, then the resource table. */
export function renderReport(report: Report, limits: RenderLimits, prefix = '', suffix = ''): string {
  const parts = [...(prefix ? [prefix] : []), heading(report), '', statusLine(report)]
  if (report.note) parts.push('', report.note)
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

function statusLine(report: Report): string {
  const counts = report.plan ? `**Plan:** ${describeCounts(report.plan)}. ` : ''
  return `${counts}**Result:** ${OUTCOME_TEXT[report.outcome]}.`
}

// The last resort when even the text around the plan is too long (a resource table of thousands of rows).
function withinBudget(markdown: string, limits: RenderLimits): string {
  return limits.measure(markdown) <= limits.budget ? markdown : cutToFit(markdown, limits.budget, limits.measure)
}

/**
 * The longest start of `text` that measures at most `budget`, ended at a line
 * break when one is near, never in the middle of a surrogate pair.
 */
export function cutToFit(text: string, budget: number, measure: (text: string) => number): string {
  if (measure(text) <= budget) return text
  if (budget <= 0) return ''
  let low = 0
  let high = text.length
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (measure(text.slice(0, middle)) <= budget) low = middle
    else high = middle - 1
  }
  let cut = text.slice(0, low)
  const code = cut.charCodeAt(cut.length - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut = cut.slice(0, -1)
  const lineEnd = cut.lastIndexOf('\n')
  return lineEnd > cut.length / 2 ? cut.slice(0, lineEnd) : cut
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8')
export const charLength = (text: string): number => text.length
