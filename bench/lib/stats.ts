/**
 * The statistics every benchmark reports: a median with its range over
 * several runs, and a ratio against a baseline measured in the same run, so a
 * figure still means something when the shared machine's speed drifts.
 */

export interface Stat {
  n: number
  median: number
  min: number
  max: number
  samples: number[]
}

export interface Ratio {
  /** median(subject) / median(baseline): the headline figure. */
  median: number
  /** Range of the per-run ratios when runs were paired, else of the extremes. */
  min: number
  max: number
  /** True when subject and baseline ran alternately, one pair per iteration. */
  paired: boolean
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  // An even count has no middle sample; take the mean of the two around it.
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function summarize(samples: readonly number[]): Stat {
  if (samples.length === 0) throw new Error('no samples to summarize')
  for (const sample of samples) if (!Number.isFinite(sample)) throw new Error(`not a finite sample: ${sample}`)
  return { n: samples.length, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] }
}

/**
 * The subject against its baseline. With as many subject runs as baseline runs
 * the runs are taken as interleaved pairs (run i of each measured back to
 * back), whose own ratios give the range; otherwise the range is the widest
 * the extremes allow.
 */
export function ratio(subject: Stat, baseline: Stat): Ratio {
  if (baseline.median === 0 || baseline.min === 0) throw new Error('a baseline of zero has no ratio')
  const headline = subject.median / baseline.median
  if (subject.n === baseline.n && subject.n > 0) {
    const perRun = subject.samples.map((value, index) => value / (baseline.samples[index] as number))
    return { median: headline, min: Math.min(...perRun), max: Math.max(...perRun), paired: true }
  }
  return { median: headline, min: subject.min / baseline.max, max: subject.max / baseline.min, paired: false }
}

/** A value compared with a fixed figure (a quoted anchor or a goal): no range of its own on the other side. */
export function ratioToFigure(subject: Stat, figure: number): Ratio {
  if (figure === 0) throw new Error('a figure of zero has no ratio')
  return { median: subject.median / figure, min: subject.min / figure, max: subject.max / figure, paired: false }
}

/** Runs `count` iterations, each calling every step in order, so slow drift of the machine hits all of them alike. */
export async function interleave<T extends Record<string, () => Promise<number>>>(
  count: number,
  steps: T,
): Promise<{ [K in keyof T]: number[] }> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`run count must be a positive integer, got ${count}`)
  const results = Object.fromEntries(Object.keys(steps).map((key) => [key, [] as number[]])) as { [K in keyof T]: number[] }
  for (let run = 0; run < count; run++) {
    // Alternate the order too, so neither side always runs on a cache the other warmed.
    const keys = Object.keys(steps) as (keyof T)[]
    const order = run % 2 === 0 ? keys : [...keys].reverse()
    for (const key of order) results[key].push(await (steps[key] as () => Promise<number>)())
  }
  return results
}

/** Samples collected under names while a benchmark runs, summarized at the end. */
export class SampleSet {
  private readonly values = new Map<string, number[]>()

  add(name: string, value: number): void {
    const list = this.values.get(name) ?? []
    list.push(value)
    this.values.set(name, list)
  }

  stat(name: string): Stat {
    const list = this.values.get(name)
    if (!list) throw new Error(`no samples named ${name}`)
    return summarize(list)
  }
}

/** Only the headline ratio, for a baseline with a zero sample (a poll that happened to land on the moment): no range. */
export function ratioOfMedians(subject: Stat, baseline: Stat): Ratio {
  if (baseline.median === 0) throw new Error('a baseline of zero has no ratio')
  const headline = subject.median / baseline.median
  return { median: headline, min: headline, max: headline, paired: false }
}
