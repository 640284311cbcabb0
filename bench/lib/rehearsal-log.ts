/**
 * Reads what `scripts/rehearsal.ts` prints as act reports each step and job
 * (from act's JSON log, through test/workflows/act.ts): the runs, with the
 * moment each line arrived, the steps with their own times, and the table
 * of jobs it ends with.
 */

export interface RehearsalStep {
  run: string
  job: string
  step: string
  seconds: number
  result: string
}

export interface RehearsalRun {
  label: string
  /** When its first and last lines arrived, on the reader's clock (ms). */
  startMs: number
  endMs: number
  /** act's own figure for the run, as the rehearsal printed it. */
  seconds: number
  exitCode: number
}

export interface RehearsalJob {
  run: string
  job: string
  seconds: number
  result: string
}

/** A wait the rehearsal made on purpose (`logDeliberateWait` in scripts/rehearsal.ts), on the reader's clock. */
export interface DeliberateWait {
  what: string
  startMs: number
  endMs: number
}

export interface RehearsalLog {
  runs: RehearsalRun[]
  waits: DeliberateWait[]
  steps: RehearsalStep[]
  jobs: RehearsalJob[]
  passed: boolean
  checks?: number
}

const PREFIX = /^\[\s*[\d.]+ s\] /
const START = /^▶ (.+)$/
const STEP = /^ {2}[·\-✘] ([^:]+): (.+) \(([\d.]+) s\) (\w+)$/
const END = /^[✔✘] (.+): exit (\d+) in ([\d.]+) s$/
const WAIT = /^ {2}\(waited on purpose (\d+) ms: (.+)\)$/
const TOTAL = /^total\s+([\d.]+) s\s+(\d+) checks passed$/

/** Feeds lines as they arrive; `now` is the reader's clock when the line arrived. */
export class RehearsalReader {
  private readonly open = new Map<string, number>()
  private current = ''
  private inTable = false
  readonly log: RehearsalLog = { runs: [], waits: [], steps: [], jobs: [], passed: false }

  line(text: string, now: number): void {
    if (this.inTable) {
      const total = TOTAL.exec(text)
      if (total) {
        this.inTable = false
        this.log.checks = Number(total[2])
        return
      }
      if (text.startsWith('---') || text.trim() === '') return
      const cells = text.trim().split(/\s{2,}/)
      if (cells.length === 4 && /^[\d.]+ s$/.test(cells[2] ?? '')) {
        this.log.jobs.push({
          run: cells[0] as string,
          job: cells[1] as string,
          seconds: Number.parseFloat(cells[2] as string),
          result: cells[3] as string,
        })
      }
      return
    }
    if (/^run\s+job\s+time\s+result$/.test(text.trim())) {
      this.inTable = true
      return
    }
    if (text.startsWith('rehearsal: ') && !text.includes('FAILED') && !text.startsWith('rehearsal: examples/')) this.log.passed = true
    if (!PREFIX.test(text)) return
    const body = text.replace(PREFIX, '')
    const start = START.exec(body)
    if (start) {
      this.current = start[1] as string
      this.open.set(this.current, now)
      return
    }
    const step = STEP.exec(body)
    if (step) {
      this.log.steps.push({
        run: this.current,
        job: step[1] as string,
        step: step[2] as string,
        seconds: Number(step[3]),
        result: step[4] as string,
      })
      return
    }
    const wait = WAIT.exec(body)
    if (wait) {
      this.log.waits.push({ what: wait[2] as string, startMs: now - Number(wait[1]), endMs: now })
      return
    }
    const end = END.exec(body)
    if (end) {
      const label = end[1] as string
      this.log.runs.push({ label, startMs: this.open.get(label) ?? now, endMs: now, seconds: Number(end[3]), exitCode: Number(end[2]) })
    }
  }
}

/** The length of the union of intervals. */
export function unionMs(intervals: readonly { startMs: number; endMs: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs)
  let total = 0
  let end = Number.NEGATIVE_INFINITY
  for (const interval of sorted) {
    if (interval.endMs <= end) continue
    total += interval.endMs - Math.max(interval.startMs, end)
    end = interval.endMs
  }
  return total
}
