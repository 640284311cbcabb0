import { codeBlock, details, markdownTable } from '../../../../lib/summary'
import { cutToFit } from '../../../../lib/text-budget'
import type { EntryReport } from './diff-releases'

export interface DiffLimits {
  budget: number
  measure: (text: string) => number
  /** Where the whole diff can be read when this one had to be cut. */
  fullDiffLink?: string
}

export function countOf(report: EntryReport, action: 'add' | 'change' | 'remove'): number {
  return report.changes.filter((change) => change.action === action).length
}

export function hasChanges(reports: readonly EntryReport[]): boolean {
  return reports.some((report) => report.changes.length > 0)
}

/**
 * The dry run as Markdown within a budget: a table of what each entry would
 * add, change and remove, then one collapsed unified diff of every changed
 * object (Secret values already redacted), cut to fit with a note saying so.
 */
export function renderDiff(reports: readonly EntryReport[], heading: string, limits: DiffLimits, prefix = '', suffix = ''): string {
  const rows = reports.map((report) => [
    report.kind === 'release' ? `release \`${report.name}\`` : `manifests \`${report.name}\``,
    report.namespace,
    report.kind === 'release' ? (report.revision > 0 ? `revision ${report.revision}` : 'not installed') : 'live objects',
    countOf(report, 'add'),
    countOf(report, 'change'),
    countOf(report, 'remove'),
    report.unchanged,
  ])
  const notes = reports.filter((report) => report.note).map((report) => `- \`${report.name}\`: ${report.note}`)
  const verdict = hasChanges(reports)
    ? '**A deploy would change the cluster.** Nothing was changed by this run.'
    : '**No changes.** A deploy would leave the cluster as it is.'
  const head = [
    ...(prefix ? [prefix] : []),
    heading,
    '',
    verdict,
    '',
    markdownTable(['entry', 'namespace', 'compared with', 'to add', 'to change', 'to remove', 'unchanged'], rows),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n')
  const tail = suffix ? `\n\n${suffix}` : ''
  const text = reports
    .filter((report) => report.changes.length > 0)
    .map((report) =>
      [
        `# ${report.kind === 'release' ? 'release' : 'manifests'} ${report.name} (namespace ${report.namespace})`,
        ...report.changes.map((change) => change.diff),
      ].join('\n'),
    )
    .join('\n\n')
  if (text === '') return withinBudget(`${head}${tail}`, limits)
  const wrap = (body: string, notice: string) => `${head}\n\n${details('Diff', `${codeBlock(body, 'diff')}${notice}`)}${tail}`
  const whole = wrap(text, '')
  if (limits.measure(whole) <= limits.budget) return whole
  const notice = limits.fullDiffLink
    ? `\n\nThe diff was cut to fit; the whole diff is in the [job summary](${limits.fullDiffLink}).`
    : '\n\nThe diff was cut to fit.'
  // Backticks in the diff lengthen both fences; leave room for the longest they can be.
  const fenceGrowth = 2 * (codeBlock(text).indexOf('\n') - codeBlock('').indexOf('\n'))
  const room = limits.budget - limits.measure(wrap('', notice)) - fenceGrowth
  return withinBudget(wrap(cutToFit(text, room, limits.measure), notice), limits)
}

function withinBudget(markdown: string, limits: DiffLimits): string {
  return limits.measure(markdown) <= limits.budget ? markdown : cutToFit(markdown, limits.budget, limits.measure)
}
