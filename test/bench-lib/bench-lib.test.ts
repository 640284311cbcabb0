import { describe, expect, it } from 'vitest'
import { formatBytes, formatNumber, formatRatio, formatStat, renderResults, renderSuite } from '../../bench/lib/format'
import { KINDS, manifest, standalone } from '../../bench/lib/manifests'
import { seededRandom } from '../../bench/lib/random'
import { measureCommand, parseTimeVerbose } from '../../bench/lib/resource-meter'
import { type BenchResults, checkGoal, compared, measuredSuite, notMeasured, type SuiteResult } from '../../bench/lib/results'
import { interleave, median, ratio, ratioOfMedians, ratioToFigure, SampleSet, summarize } from '../../bench/lib/stats'
import { node24 } from '../harness/runner'

describe('bench statistics', () => {
  it.each([
    { name: 'odd count takes the middle sample', values: [5, 1, 3], expected: 3 },
    { name: 'even count averages the two middle samples', values: [4, 1, 3, 2], expected: 2.5 },
    { name: 'one sample is its own median', values: [7], expected: 7 },
    { name: 'order of input does not matter', values: [0.2, 0.1, 0.9, 0.3, 0.25], expected: 0.25 },
  ])('median: $name', ({ values, expected }) => {
    expect(median(values)).toBe(expected)
  })

  it('summarize keeps every sample with the median and the range', () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, median: 2, min: 1, max: 3, samples: [3, 1, 2] })
  })

  it.each([
    { name: 'no samples', samples: [] as number[], message: 'no samples' },
    { name: 'a NaN sample', samples: [1, Number.NaN], message: 'not a finite sample' },
    { name: 'an infinite sample', samples: [Number.POSITIVE_INFINITY], message: 'not a finite sample' },
  ])('summarize rejects $name', ({ samples, message }) => {
    expect(() => summarize(samples)).toThrow(message)
  })

  it('median of nothing is an error, not NaN', () => {
    expect(() => median([])).toThrow('median of no values')
  })

  it('paired runs: headline is the ratio of medians, range that of the per-run ratios', () => {
    const subject = summarize([2, 3, 10])
    const baseline = summarize([1, 2, 4])
    expect(ratio(subject, baseline)).toEqual({ median: 1.5, min: 1.5, max: 2.5, paired: true })
  })

  it('unpaired runs: range is the widest the extremes allow', () => {
    const subject = summarize([2, 4, 6])
    const baseline = summarize([1, 2])
    expect(ratio(subject, baseline)).toEqual({ median: 4 / 1.5, min: 1, max: 6, paired: false })
  })

  it('a zero baseline has no ratio', () => {
    expect(() => ratio(summarize([1]), summarize([0]))).toThrow('baseline of zero')
    expect(() => ratioToFigure(summarize([1]), 0)).toThrow('figure of zero')
  })

  it('ratio of medians alone tolerates a zero sample in the baseline', () => {
    expect(ratioOfMedians(summarize([2, 4, 6]), summarize([0, 2, 8]))).toEqual({ median: 2, min: 2, max: 2, paired: false })
    expect(() => ratioOfMedians(summarize([1]), summarize([0, 0, 1]))).toThrow('baseline of zero')
  })

  it('ratio to a fixed figure scales the whole range', () => {
    expect(ratioToFigure(summarize([1, 2, 4]), 2)).toEqual({ median: 1, min: 0.5, max: 2, paired: false })
  })

  it('interleave runs every step once per iteration, alternating their order', async () => {
    const calls: string[] = []
    const result = await interleave(3, {
      a: async () => {
        calls.push('a')
        return calls.length
      },
      b: async () => {
        calls.push('b')
        return calls.length
      },
    })
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'a', 'b'])
    expect(result).toEqual({ a: [1, 4, 5], b: [2, 3, 6] })
  })

  it('a sample set summarizes each name apart and refuses an unknown one', () => {
    const set = new SampleSet()
    set.add('a', 2)
    set.add('b', 9)
    set.add('a', 4)
    expect(set.stat('a')).toMatchObject({ n: 2, median: 3 })
    expect(set.stat('b')).toMatchObject({ n: 1, median: 9 })
    expect(() => set.stat('c')).toThrow('no samples named c')
  })

  it.each([0, -1, 2.5])('interleave refuses a run count of %s', async (count) => {
    await expect(interleave(count, { a: async () => 1 })).rejects.toThrow('positive integer')
  })
})

describe('goals', () => {
  const value = summarize([1.1, 1.2, 1.3])
  it.each([
    { name: 'inclusive limit met at equality', goal: { text: '≤ 1.2 ×', on: 'value', limit: 1.2, inclusive: true }, met: true },
    { name: 'strict limit missed at equality', goal: { text: '< 1.2', on: 'value', limit: 1.2, inclusive: false }, met: false },
    { name: 'on the ratio, not the value', goal: { text: '≤ 0.5 ×', on: 'ratio', limit: 0.5, inclusive: true }, met: true },
  ] as const)('$name', ({ goal, met }) => {
    const against = ratio(value, summarize([3, 3, 3]))
    expect(checkGoal(goal, value, against).met).toBe(met)
  })

  it('a goal on a ratio needs one', () => {
    expect(() => checkGoal({ text: '≤ 1 ×', on: 'ratio', limit: 1, inclusive: true }, value)).toThrow('has none')
  })

  it('a compared row carries the ratio to its baseline and checks its goal on it', () => {
    const baseline = { label: 'bare', value: summarize([2, 2, 2]) }
    const row = compared('wall', 's', value, baseline, { goal: { text: '≤ 0.5 ×', on: 'ratio', limit: 0.5, inclusive: true }, quoted: 'q' })
    expect(row).toEqual({
      subject: 'wall',
      unit: 's',
      value,
      baseline,
      ratio: ratio(value, baseline.value),
      goal: { text: '≤ 0.5 ×', on: 'ratio', limit: 0.5, inclusive: true, met: false },
      quoted: 'q',
    })
    expect(compared('rss', 'MiB', value, baseline)).not.toHaveProperty('goal')
  })
})

describe('a measured suite', () => {
  const info = { id: 'x', title: 'X', method: 'how' }
  const rows = [{ subject: 'wall', unit: 's' as const, value: summarize([1]) }]

  it('states who it is, that it measured, its rows and notes, and nothing it was not given', () => {
    expect(measuredSuite(info, { rows, notes: ['n'] })).toEqual({ ...info, status: 'measured', rows, notes: ['n'] })
  })

  it('carries curves and what it could not measure when there are some', () => {
    const unmeasured = [{ what: '8 images', reason: 'why' }]
    expect(measuredSuite(info, { rows, notes: [], curves: [], unmeasured })).toMatchObject({ curves: [], unmeasured })
    expect(measuredSuite(info, { rows, notes: [], unmeasured: [] })).not.toHaveProperty('unmeasured')
  })
})

describe('GNU time report', () => {
  const report = [
    '\tCommand being timed: "node -e 0"',
    '\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:00.05',
    '\tMaximum resident set size (kbytes): 42572',
    '\tExit status: 0',
  ].join('\n')

  it('reads peak memory and exit status', () => {
    expect(parseTimeVerbose(report)).toEqual({ maxRssKiB: 42572, exitStatus: 0 })
  })

  it('reads the signal of a killed command', () => {
    const killed = `Command terminated by signal 9\n${report.replace('Exit status: 0', 'Exit status: 0')}`
    expect(parseTimeVerbose(killed)).toMatchObject({ signal: 9 })
  })

  it('fails loudly on a report without peak memory', () => {
    expect(() => parseTimeVerbose('time: cannot run foo: No such file or directory')).toThrow('Maximum resident set size')
  })
})

describe('formatting', () => {
  it.each([
    { value: 0.0523, unit: 's', text: '0.052 s' },
    { value: 125.25, unit: 's', text: '125.3 s' },
    { value: 12.34, unit: 'ms', text: '12.3 ms' },
    { value: 1234.5, unit: 'ms', text: '1235 ms' },
    { value: 39.04, unit: 'MiB', text: '39.0 MiB' },
    { value: 3_090_000, unit: 'bytes', text: '3.09 MB' },
    { value: 812_345, unit: 'bytes', text: '812.3 KB' },
    { value: 999, unit: 'bytes', text: '999 B' },
    { value: 12, unit: 'calls', text: '12 calls' },
    { value: 0.456, unit: 'calls/10 s', text: '0.46 calls/10 s' },
  ] as const)('$value $unit → $text', ({ value, unit, text }) => {
    expect(formatNumber(value, unit)).toBe(text)
  })

  it('formatBytes uses decimal units as the quoted figures do', () => {
    expect(formatBytes(800_000)).toBe('800.0 KB')
  })

  it('a stat shows median and range, or one figure when every run agrees', () => {
    expect(formatStat(summarize([0.05, 0.04, 0.07]), 's')).toBe('0.050 s (0.040–0.070, n=3)')
    expect(formatStat(summarize([6, 5, 7]), 'calls/10 s')).toBe('6 calls/10 s (5–7, n=3)')
    expect(formatStat(summarize([999, 1200, 1000]), 'bytes')).toBe('1.0 KB (999 B–1.2 KB, n=3)')
    expect(formatStat(summarize([5, 5, 5]), 'calls')).toBe('5 calls (all 3 runs)')
    expect(formatStat(summarize([491_234]), 'bytes')).toBe('491.2 KB')
  })

  it('a ratio shows its range, with more digits when small', () => {
    expect(formatRatio({ median: 1.234, min: 1.1, max: 1.5, paired: true })).toBe('1.23 × (1.10–1.50)')
    expect(formatRatio({ median: 0.0456, min: 0.0456, max: 0.0456, paired: false })).toBe('0.046 ×')
  })

  const measured: SuiteResult = {
    id: 'startup',
    title: 'Start-up',
    method: 'How it was measured.',
    status: 'measured',
    rows: [
      {
        subject: 'oidc-auth: wall',
        unit: 's',
        value: summarize([0.06, 0.05, 0.07]),
        baseline: { label: 'node -e 0', value: summarize([0.05, 0.05, 0.05]) },
        ratio: ratio(summarize([0.06, 0.05, 0.07]), summarize([0.05, 0.05, 0.05])),
        goal: { text: '≤ 1.26 ×', on: 'ratio', limit: 1.26, inclusive: true, met: true },
        quoted: 'configure-aws-credentials: 0.123 s',
      },
      {
        subject: 'a | piped name',
        unit: 'calls',
        value: summarize([3]),
        note: 'one run',
        goal: { text: '< 2', on: 'value', limit: 2, inclusive: false, met: false },
      },
    ],
    notes: ['A note.'],
  }

  it('renders a measured suite as a table with the quoted column only when a row quotes', () => {
    const text = renderSuite(measured)
    expect(text).toContain(
      '| what | ours: median (min–max) | baseline (same run) | ratio to baseline | goal | quoted from the handbook, not measured here |',
    )
    expect(text).toContain(
      '| oidc-auth: wall | 0.060 s (0.050–0.070, n=3) | node -e 0: 0.050 s (all 3 runs) | 1.20 × (1.00–1.40) | ≤ 1.26 ×: met | configure-aws-credentials: 0.123 s |',
    )
    expect(text).toContain('| a \\| piped name (one run) | 3 calls |  |  | < 2: **not met** |  |')
    expect(text).toContain('- A note.')
    expect(renderSuite({ ...measured, rows: measured.rows.map(({ quoted: _, ...row }) => row) })).not.toContain('quoted from')
  })

  it('renders a suite that measured nothing with its reason, and no numbers', () => {
    const text = renderSuite(notMeasured('ecr', 'ecr-build-push', 'Rerun against first run.', 'action not merged'))
    expect(text).toContain('**Not measured: action not merged.**')
    expect(text).not.toContain('|')
  })

  it('renders the whole file with the machine, the date and the goals met', () => {
    const results: BenchResults = {
      date: '2026-01-02T03:04:05.000Z',
      commit: 'abc1234',
      durationSeconds: 321.4,
      machine: {
        cpuModel: 'AMD EPYC',
        cores: 2,
        memoryGiB: 23.5,
        os: 'Debian GNU/Linux 12 (bookworm)',
        kernel: '6.1.0',
        node: 'v24.21.0',
        hostNode: 'v20.1.0',
        loadBefore: 3.5,
      },
      suites: [measured, notMeasured('ecr', 'ecr-build-push', 'Rerun.', 'action not merged')],
    }
    const text = renderResults(results)
    expect(text).toContain('- date: 2026-01-02T03:04:05.000Z (the run took 321 s)')
    expect(text).toContain('- machine: AMD EPYC, 2 cores, 23.5 GiB memory')
    expect(text).toContain('- node: v24.21.0 (the Node 24 the actions run on); the bench itself and its in-process measurements: v20.1.0')
    expect(text).toContain('3.50 before, ? after')
    expect(text).toContain('- goals: 1 of 2 met; not measured: ecr')
    expect(text).toContain('- commit measured: abc1234')
    expect(text).toContain('| Start-up | oidc-auth: wall | 1.20 × (against node -e 0) | ≤ 1.26 × | yes |')
    expect(text).toContain('| Start-up | a \\| piped name | 3 calls | < 2 | **no** |')
    expect(text).toContain('| ecr-build-push | | not measured: action not merged | | |')
    expect(renderResults({ ...results, machine: { ...results.machine, loadAfter: 1 }, suites: [measured] })).toContain(
      '- goals: 1 of 2 met\n',
    )
  })
})

describe('seeded random', () => {
  it('repeats for a seed, differs between seeds, stays in [0, 1)', () => {
    const first = Array.from({ length: 1000 }, seededRandom(7))
    expect(Array.from({ length: 1000 }, seededRandom(7))).toEqual(first)
    expect(Array.from({ length: 1000 }, seededRandom(8))).not.toEqual(first)
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true)
    // Not a quality test, only a sanity check that it spreads over the interval.
    expect(first.filter((value) => value < 0.5).length).toBeGreaterThan(400)
    expect(first.filter((value) => value < 0.5).length).toBeLessThan(600)
  })
})

describe('generated manifests and standalone schemas', () => {
  it('every kind renders a document with its apiVersion, kind and a unique name', () => {
    const documents = KINDS.map((kind, index) => manifest(kind, index))
    for (const [index, kind] of KINDS.entries()) {
      expect(documents[index]).toContain(`apiVersion: ${kind.apiVersion}\nkind: ${kind.kind}\n`)
      expect(documents[index]).toContain(`name: ${kind.kind.toLowerCase()}-${index}\n`)
    }
  })

  it('standalone copies what a schema reaches, transitively, and points its references inside', () => {
    const definitions = {
      Spec: { properties: { meta: { $ref: '#/$defs/Meta' } } },
      Meta: { type: 'object' },
      Unused: { type: 'string' },
    }
    const schema = { $id: 'https://kubernetes.io/api/thing', properties: { spec: { $ref: '/api/_definitions.json#/$defs/Spec' } } }
    expect(standalone(schema, definitions)).toEqual({
      properties: { spec: { $ref: '#/$defs/Spec' } },
      $defs: { Spec: { properties: { meta: { $ref: '#/$defs/Meta' } } }, Meta: { type: 'object' } },
    })
  })

  it.each([
    { name: 'a reference elsewhere', ref: 'https://example.com/other.json', message: 'unexpected $ref' },
    { name: 'a definition that does not exist', ref: '#/$defs/Missing', message: 'does not exist: Missing' },
  ])('standalone refuses $name', ({ ref, message }) => {
    expect(() => standalone({ properties: { a: { $ref: ref } } }, {})).toThrow(message)
  })
})

describe('metering a process with GNU time', () => {
  it.each([
    { name: 'a process that succeeds', code: 'console.log("out")', exitCode: 0, stdout: 'out\n' },
    { name: 'a process that fails', code: 'process.exit(3)', exitCode: 3, stdout: '' },
  ])('reports wall time, peak memory and the exit code of $name', async ({ code, exitCode, stdout }) => {
    const measured = await measureCommand(node24(), ['-e', code])
    expect(measured).toMatchObject({ exitCode, stdout })
    expect(measured.wallMs).toBeGreaterThan(0)
    // Any Node process holds more than 10 MiB resident; zero would mean the report was not read.
    expect(measured.peakRssMiB).toBeGreaterThan(10)
  })
})
