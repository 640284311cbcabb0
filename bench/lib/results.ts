import type { Curve } from './curve'
import { type Ratio, ratio, type Stat } from './stats'

/** What one benchmark suite hands back to the runner: measured rows, or why it measured nothing. */

export type Unit = 's' | 'ms' | 'MiB' | 'bytes' | 'calls' | 'calls/10 s' | 'requests' | 'resources' | 'characters' | '%' | 'exponent'

export interface Goal {
  /** How the issue words it, e.g. "≤ 1.2 ×" or "< 800 KB". */
  text: string
  /** What the goal is checked on: the ratio's median, or the value's median. */
  on: 'ratio' | 'value'
  /** The limit the median must stay under (or at, when `inclusive`). */
  limit: number
  inclusive: boolean
}

export interface Row {
  /** What was measured, e.g. "oidc-auth: wall time". */
  subject: string
  unit: Unit
  value: Stat
  /** What it is compared with, measured in the same run. */
  baseline?: { label: string; value: Stat }
  ratio?: Ratio
  goal?: Goal & { met: boolean }
  /** A figure quoted from the handbook (not measured here), to read next to ours. */
  quoted?: string
  note?: string
  /** Why a goal was missed, in a reader's words: what costs the time, and whether it is ours or the tool's. */
  whyMissed?: string
}

/** Something the issue asks for that this run could not measure, and why (never an estimate). */
export interface Unmeasured {
  what: string
  reason: string
}

export interface SuiteResult {
  id: string
  title: string
  /** How it was measured: commands, inputs, run counts. */
  method: string
  status: 'measured' | 'not measured'
  /** Why nothing was measured, e.g. "action not merged". */
  reason?: string
  rows: Row[]
  /** Size curves: tables in RESULTS.md and panels of the SVG plot beside it. */
  curves?: Curve[]
  unmeasured?: Unmeasured[]
  notes: string[]
}

export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  os: string
  kernel: string
  node: string
  /** The Node running the bench itself: in-process measurements (a login, a simulated wait) run on it. */
  hostNode: string
  /** 1-minute load average before and after the run: how busy the shared machine was. */
  loadBefore: number
  loadAfter?: number
  /** The 1-minute load average as each suite started and ended. */
  suiteLoads?: { suite: string; start: number; end: number }[]
}

export interface BenchResults {
  date: string
  /** The commit measured (with "+ changes" when the tree was not clean). */
  commit: string
  durationSeconds: number
  machine: Machine
  suites: SuiteResult[]
}

export function checkGoal(goal: Goal, value: Stat, ratio?: Ratio): Goal & { met: boolean } {
  const measured = goal.on === 'ratio' ? ratio?.median : value.median
  if (measured === undefined) throw new Error(`goal "${goal.text}" is on a ratio but the row has none`)
  return { ...goal, met: goal.inclusive ? measured <= goal.limit : measured < goal.limit }
}

export function notMeasured(id: string, title: string, method: string, reason: string): SuiteResult {
  return { id, title, method, status: 'not measured', reason, rows: [], notes: [] }
}

/** Who a suite is and how it measures: the part of its result every suite states the same way. */
export interface SuiteInfo {
  id: string
  title: string
  method: string
}

/** A suite's result once it has measured: its rows and notes, with its curves and what it could not measure when it has them. */
export function measuredSuite(
  info: SuiteInfo,
  parts: Pick<SuiteResult, 'rows' | 'notes'> & Pick<Partial<SuiteResult>, 'curves' | 'unmeasured'>,
): SuiteResult {
  const { rows, notes, curves, unmeasured } = parts
  return {
    ...info,
    status: 'measured',
    rows,
    ...(curves ? { curves } : {}),
    ...(unmeasured && unmeasured.length > 0 ? { unmeasured } : {}),
    notes,
  }
}

/**
 * A row measured against a baseline of the same run: the ratio of the two,
 * and the goal checked on that ratio (or on the value) when there is one.
 */
export function compared(
  subject: string,
  unit: Unit,
  value: Stat,
  baseline: { label: string; value: Stat },
  extra: { goal?: Goal; quoted?: string; note?: string; whyMissed?: string } = {},
): Row {
  const against = ratio(value, baseline.value)
  const { goal, quoted, note, whyMissed } = extra
  return {
    subject,
    unit,
    value,
    baseline,
    ratio: against,
    ...(goal ? { goal: checkGoal(goal, value, against) } : {}),
    ...(quoted ? { quoted } : {}),
    ...(note ? { note } : {}),
    ...(whyMissed ? { whyMissed } : {}),
  }
}
