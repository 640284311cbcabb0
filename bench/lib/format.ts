import { type Curve, curveExponent } from './curve'
import type { BenchResults, Row, SuiteResult, Unit } from './results'
import type { Ratio, Stat } from './stats'

/** Renders bench results as the Markdown committed in bench/RESULTS.md. */

export function formatNumber(value: number, unit: Unit): string {
  if (unit === 'exponent') return numberPart(value, unit)
  return unit === 'bytes' ? formatBytes(value) : `${numberPart(value, unit)} ${unit}`
}

/** The figure without its unit, for the ends of a range. */
function numberPart(value: number, unit: Unit): string {
  switch (unit) {
    case 's':
      return value < 10 ? value.toFixed(3) : value.toFixed(1)
    case 'ms':
      return value < 100 ? value.toFixed(1) : value.toFixed(0)
    case 'MiB':
    case '%':
      return value.toFixed(1)
    case 'bytes':
      return formatBytes(value)
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2)
  }
}

/** Decimal units, as the handbook and the issues quote bundle sizes (3.09 MB, 800 KB). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} KB`
  return `${bytes} B`
}

export function formatStat(stat: Stat, unit: Unit): string {
  if (stat.n === 1 || stat.min === stat.max) return `${formatNumber(stat.median, unit)}${stat.n > 1 ? ` (all ${stat.n} runs)` : ''}`
  // The unit once, after the median; bytes keep theirs on every figure because KB and MB can mix in one range.
  return `${formatNumber(stat.median, unit)} (${numberPart(stat.min, unit)}–${numberPart(stat.max, unit)}, n=${stat.n})`
}

export function formatRatio(ratio: Ratio): string {
  const digits = ratio.median < 0.1 ? 3 : 2
  const headline = `${ratio.median.toFixed(digits)} ×`
  if (ratio.min === ratio.max) return headline
  return `${headline} (${ratio.min.toFixed(digits)}–${ratio.max.toFixed(digits)})`
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function goalCell(row: Row): string {
  if (!row.goal) return ''
  return `${row.goal.text}: ${row.goal.met ? 'met' : '**not met**'}`
}

function exponentText(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(2)
}

/** A curve as a table, one line per size, with the growth exponents under it. */
export function renderCurve(curve: Curve): string {
  const header = [curve.sizeLabel, `${curve.subjectLabel}: median (min–max)`]
  if (curve.baselineLabel) header.push(`${curve.baselineLabel} (same run)`, 'ratio')
  const lines = [`### ${curve.title}`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`]
  for (const point of curve.points) {
    const cells = [point.size.toLocaleString('en-US'), formatStat(point.value, curve.unit)]
    if (curve.baselineLabel)
      cells.push(point.baseline ? formatStat(point.baseline, curve.unit) : '', point.ratio ? formatRatio(point.ratio) : '')
    lines.push(`| ${cells.map(cell).join(' | ')} |`)
  }
  const ours = curveExponent(curve)
  const baselinePoints = curve.points.flatMap((point) => (point.baseline ? [{ ...point, value: point.baseline }] : []))
  const theirs = baselinePoints.length === curve.points.length ? curveExponent({ points: baselinePoints }) : undefined
  lines.push(
    '',
    `Growth exponent (slope of log figure against log ${curve.sizeLabel}; 1 is linear, 2 quadratic): ${curve.subjectLabel} ${exponentText(ours)}${theirs === undefined ? '' : `, ${curve.baselineLabel} ${exponentText(theirs)}`}.`,
    '',
  )
  return lines.join('\n')
}

export function renderSuite(suite: SuiteResult): string {
  const lines = [`## ${suite.title}`, '', suite.method, '']
  if (suite.status === 'not measured') {
    lines.push(`**Not measured: ${suite.reason}.**`, '')
  } else {
    const quoted = suite.rows.some((row) => row.quoted)
    const header = ['what', 'ours: median (min–max)', 'baseline (same run)', 'ratio to baseline', 'goal']
    if (quoted) header.push('quoted from the handbook, not measured here')
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`)
    for (const row of suite.rows) {
      const cells = [
        row.subject + (row.note ? ` (${row.note})` : ''),
        formatStat(row.value, row.unit),
        row.baseline ? `${row.baseline.label}: ${formatStat(row.baseline.value, row.unit)}` : '',
        row.ratio ? formatRatio(row.ratio) : '',
        goalCell(row),
      ]
      if (quoted) cells.push(row.quoted ?? '')
      lines.push(`| ${cells.map(cell).join(' | ')} |`)
    }
    lines.push('')
  }
  for (const curve of suite.curves ?? []) lines.push(renderCurve(curve))
  for (const missing of suite.unmeasured ?? []) lines.push(`- **Not measured: ${missing.what}**: ${missing.reason}.`)
  if ((suite.unmeasured ?? []).length > 0) lines.push('')
  for (const note of suite.notes) lines.push(`- ${note}`)
  if (suite.notes.length > 0) lines.push('')
  return lines.join('\n')
}

/** Every goal of the run in one table, so a reader sees at once what is met. */
export function renderGoals(suites: readonly SuiteResult[]): string {
  const lines = ['## Goals', '', '| benchmark | what | ours (median) | goal | met | why not |', '|---|---|---|---|---|---|']
  for (const suite of suites) {
    if (suite.status === 'not measured') {
      lines.push(`| ${cell(suite.title)} | | not measured: ${cell(suite.reason ?? '')} | | | |`)
      continue
    }
    for (const missing of suite.unmeasured ?? []) {
      lines.push(`| ${cell(suite.title)} | ${cell(missing.what)} | not measured | | | ${cell(missing.reason)} |`)
    }
    for (const row of suite.rows.filter((candidate) => candidate.goal)) {
      const figure = row.goal?.on === 'ratio' && row.ratio ? `${row.ratio.median.toFixed(2)} ×` : formatNumber(row.value.median, row.unit)
      const against = row.goal?.on === 'ratio' && row.baseline ? ` (against ${row.baseline.label})` : ''
      lines.push(
        `| ${cell(suite.title)} | ${cell(row.subject)} | ${figure}${cell(against)} | ${cell(row.goal?.text ?? '')} | ${row.goal?.met ? 'yes' : '**no**'} | ${row.goal?.met ? '' : cell(row.whyMissed ?? '')} |`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}

/** The plot beside RESULTS.md, written by the same run. */
export const CURVES_SVG = 'curves.svg'

/** Busy when, before or after, more than half the cores' worth of work was waiting or running besides the bench. */
function busy(machine: BenchResults['machine']): boolean {
  return Math.max(machine.loadBefore, machine.loadAfter ?? 0) > machine.cores / 2
}

export function renderResults(results: BenchResults): string {
  const { machine } = results
  const load = `${machine.loadBefore.toFixed(2)} before, ${machine.loadAfter === undefined ? '?' : machine.loadAfter.toFixed(2)} after`
  const goals = results.suites.flatMap((suite) => suite.rows.filter((row) => row.goal))
  const met = goals.filter((row) => row.goal?.met).length
  const skipped = results.suites.filter((suite) => suite.status === 'not measured')
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); the same figures, with every sample, are in `bench/results.json`.',
    'Every figure is the median of several runs with the range (min–max); each is also given as a ratio against a',
    'baseline measured in the same run on the same machine, because the machine is shared and its speed drifts.',
    'Where runs were interleaved (subject, baseline, subject, …) the range of a ratio is that of the per-run ratios.',
    '',
    `- date: ${results.date} (the run took ${results.durationSeconds.toFixed(0)} s)`,
    `- commit measured: ${results.commit}`,
    `- machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory`,
    `- OS: ${machine.os}, kernel ${machine.kernel}`,
    `- node: ${machine.node} (the Node 24 the actions run on); the bench itself and its in-process measurements: ${machine.hostNode}`,
    `- 1-minute load average: ${load} (${machine.cores} cores: above ${machine.cores}, programs were waiting for a core; ${busy(machine) ? 'the machine was busy with other work, so read the ratios, not the seconds' : 'a quiet machine'})`,
    ...(machine.suiteLoads && machine.suiteLoads.length > 0
      ? [
          `- load as each suite started → ended: ${machine.suiteLoads.map((load) => `${load.suite} ${load.start.toFixed(1)} → ${load.end.toFixed(1)}`).join(', ')}`,
        ]
      : []),
    `- goals: ${met} of ${goals.length} met${skipped.length > 0 ? `; not measured: ${skipped.map((suite) => suite.id).join(', ')}` : ''}`,
    '',
    ...(results.suites.some((suite) => (suite.curves ?? []).length > 0)
      ? [
          `The size curves, plotted (log-log; solid: ours, dashed: the baseline; bars: min–max): [${CURVES_SVG}](${CURVES_SVG})`,
          '',
          `![size curves](${CURVES_SVG})`,
          '',
        ]
      : []),
    renderGoals(results.suites),
    ...results.suites.map(renderSuite),
  ].join('\n')
}
