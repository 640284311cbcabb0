import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { busyMs, onPath, parseCommandLog, timedCommand } from '../../bench/lib/command-log'
import { curveExponent, curvePoints, growthExponent, largest, sizeCurve } from '../../bench/lib/curve'
import { renderCurve, renderGoals, renderResults } from '../../bench/lib/format'
import { descendantNames, parseStat, sampleTools } from '../../bench/lib/process-sampler'
import { RehearsalReader, unionMs } from '../../bench/lib/rehearsal-log'
import { measureCommand } from '../../bench/lib/resource-meter'
import type { BenchResults, SuiteResult } from '../../bench/lib/results'
import { summarize } from '../../bench/lib/stats'
import type { BenchContext } from '../../bench/lib/suite'
import { logTicks, renderCurvesSvg } from '../../bench/lib/svg'
import { ecrBuildPushSuite } from '../../bench/suites/ecr-build-push'
import { flagsOf, kubeconformSuite } from '../../bench/suites/kubeconform'
import { classifyProcess, toolOf } from '../../bench/suites/pipeline'
import { tfApplyToggleSuite } from '../../bench/suites/tf-apply-toggle'

const stat = (...values: number[]) => summarize(values)

describe('growth exponent', () => {
  it.each([
    { name: 'linear work', f: (n: number) => 0.002 * n, expected: 1 },
    { name: 'quadratic work', f: (n: number) => 1e-6 * n * n, expected: 2 },
    { name: 'constant work', f: () => 3, expected: 0 },
    { name: 'square-root work', f: (n: number) => Math.sqrt(n), expected: 0.5 },
  ])('reads $name as $expected', ({ f, expected }) => {
    const points = [500, 5_000, 50_000].map((size) => ({ size, value: f(size) }))
    expect(growthExponent(points)).toBeCloseTo(expected, 10)
  })

  it('a fixed cost on top of linear work reads below 1, never above', () => {
    const exponent = growthExponent([500, 5_000, 50_000].map((size) => ({ size, value: 0.5 + 0.0001 * size })))
    expect(exponent).toBeGreaterThan(0.3)
    expect(exponent).toBeLessThan(1)
  })

  it.each([
    { name: 'one size', points: [{ size: 10, value: 1 }] },
    {
      name: 'a zero value',
      points: [
        { size: 10, value: 0 },
        { size: 100, value: 1 },
      ],
    },
    {
      name: 'one size twice',
      points: [
        { size: 10, value: 1 },
        { size: 10, value: 2 },
      ],
    },
  ])('has no answer for $name', ({ points }) => {
    expect(growthExponent(points)).toBeUndefined()
  })
})

describe('curves', () => {
  it('sorts points by size and gives each its ratio to the baseline of the same size', () => {
    const points = curvePoints([
      { size: 100, value: stat(4, 6), baseline: stat(2, 3) },
      { size: 10, value: stat(1, 1) },
    ])
    expect(points.map((point) => point.size)).toEqual([10, 100])
    expect(points[0]).not.toHaveProperty('ratio')
    expect(points[1]?.ratio).toEqual({ median: 2, min: 2, max: 2, paired: true })
    expect(largest({ points }).size).toBe(100)
    expect(curveExponent({ points })).toBeCloseTo(Math.log10(5), 10)
  })

  it('a size curve reads each point, and its baseline when it has one, by size', () => {
    const meta = { id: 'c', title: 'C', sizeLabel: 'images', unit: 's' as const, subjectLabel: 'ours' }
    const figures: Record<number, number> = { 1: 2, 4: 4 }
    const curve = sizeCurve(
      { ...meta, baselineLabel: 'bare' },
      [4, 1],
      (size) => stat(figures[size] ?? 0),
      (size) => stat(size),
    )
    expect(curve).toMatchObject({ ...meta, baselineLabel: 'bare' })
    expect(curve.points.map((point) => [point.size, point.value.median, point.baseline?.median, point.ratio?.median])).toEqual([
      [1, 2, 1, 2],
      [4, 4, 4, 1],
    ])
    const alone = sizeCurve(meta, [1, 4], (size) => stat(figures[size] ?? 0))
    expect(alone).not.toHaveProperty('baselineLabel')
    expect(alone.points.every((point) => !('baseline' in point) && !('ratio' in point))).toBe(true)
  })

  it('refuses two points of one size, and a curve without points has no largest', () => {
    expect(() =>
      curvePoints([
        { size: 5, value: stat(1) },
        { size: 5, value: stat(2) },
      ]),
    ).toThrow('two points of one size')
    expect(() => largest({ points: [] })).toThrow('without points')
  })

  const curve = {
    id: 'c',
    title: 'tool <a> & b',
    sizeLabel: 'resources',
    unit: 's' as const,
    subjectLabel: 'action',
    baselineLabel: 'bare',
    points: curvePoints([
      { size: 500, value: stat(1, 1.2, 1.1), baseline: stat(1, 1, 1) },
      { size: 5_000, value: stat(10, 12, 11), baseline: stat(10, 10, 10) },
    ]),
  }

  it('renders a curve as a table with both exponents', () => {
    const text = renderCurve(curve)
    expect(text).toContain('| resources | action: median (min–max) | bare (same run) | ratio |')
    expect(text).toContain('| 5,000 | 11.0 s (10.0–12.0, n=3) | 10.0 s (all 3 runs) | 1.10 × (1.00–1.20) |')
    expect(text).toContain('1 is linear, 2 quadratic): action 1.00, bare 1.00.')
  })

  it('draws one panel per curve, with both lines, escaped labels and log ticks', () => {
    const svg = renderCurvesSvg(
      [curve, { ...curve, id: 'd', baselineLabel: undefined, points: curve.points.map(({ baseline: _, ratio: __, ...point }) => point) }],
      'caption',
    )
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<polyline/g)).toHaveLength(3)
    expect(svg.match(/stroke-dasharray="6 4" points=/g)).toHaveLength(1)
    expect(svg).toContain('tool &lt;a&gt; &amp; b')
    expect(svg).not.toContain('NaN')
    // Every opened group is closed: the file parses as XML as far as nesting goes.
    expect(svg.match(/<g /g)?.length).toBe(svg.match(/<\/g>/g)?.length)
  })

  it.each([
    { low: 0.5, high: 20, ticks: [0.5, 1, 2, 5, 10, 20] },
    { low: 0.05, high: 100, ticks: [0.1, 1, 10, 100] },
    { low: 1.5, high: 9, ticks: [2, 5] },
    { low: 40, high: 120, ticks: [50, 100] },
  ])('log ticks in [$low, $high]', ({ low, high, ticks }) => {
    expect(logTicks(low, high)).toEqual(ticks)
  })
})

describe('goals and what was not measured', () => {
  const suite: SuiteResult = {
    id: 'ecr',
    title: 'ecr-build-push',
    method: 'm',
    status: 'measured',
    rows: [
      {
        subject: 'first run',
        unit: 's',
        value: stat(2),
        goal: { text: '≤ 1.10 ×', on: 'value', limit: 1, inclusive: true, met: false },
        whyMissed: 'docker build is slower',
      },
      {
        subject: 'rerun',
        unit: 's',
        value: stat(0.1),
        goal: { text: '≤ 1', on: 'value', limit: 1, inclusive: true, met: true },
        whyMissed: 'unused',
      },
    ],
    unmeasured: [{ what: '4 images', reason: 'needs the multi-image work' }],
    notes: [],
  }

  it('gives the reason of every miss, and only of misses, and lists what was not measured', () => {
    const text = renderGoals([suite])
    expect(text).toContain('| ecr-build-push | first run | 2.000 s | ≤ 1.10 × | **no** | docker build is slower |')
    expect(text).toContain('| ecr-build-push | rerun | 0.100 s | ≤ 1 | yes |  |')
    expect(text).toContain('| ecr-build-push | 4 images | not measured | | | needs the multi-image work |')
  })

  it('links the plot when a suite has curves, and says how busy the machine was', () => {
    const results: BenchResults = {
      date: '2026-01-02T03:04:05.000Z',
      commit: 'abc1234',
      durationSeconds: 10,
      machine: {
        cpuModel: 'x',
        cores: 2,
        memoryGiB: 1,
        os: 'y',
        kernel: 'z',
        node: 'v24',
        hostNode: 'v24',
        loadBefore: 0.2,
        loadAfter: 0.4,
      },
      suites: [{ ...suite, curves: [] }],
    }
    expect(renderResults(results)).not.toContain('curves.svg')
    expect(renderResults(results)).toContain(
      '0.20 before, 0.40 after (2 cores: above 2, programs were waiting for a core; a quiet machine)',
    )
    const curve = {
      id: 'c',
      title: 't',
      sizeLabel: 'n',
      unit: 's' as const,
      subjectLabel: 's',
      points: curvePoints([{ size: 1, value: stat(1) }]),
    }
    const busy = renderResults({ ...results, machine: { ...results.machine, loadAfter: 8.5 }, suites: [{ ...suite, curves: [curve] }] })
    expect(busy).toContain('![size curves](curves.svg)')
    expect(busy).toContain('the machine was busy with other work, so read the ratios, not the seconds')
  })
})

describe('timing a tool from outside the action', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-shim-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('the stand-in passes arguments, input, output and the exit code through, and logs each run', async () => {
    const node = await timedCommand(dir, 'node', process.execPath)
    const ok = await measureCommand(node.path, ['-e', 'process.stdin.pipe(process.stdout)', 'it is'], { input: 'piped through' })
    const failed = await measureCommand(node.path, ['--no-warnings', '-e', 'process.exit(3)'])
    expect([ok.exitCode, ok.stdout, failed.exitCode]).toEqual([0, 'piped through', 3])
    const times = await node.read()
    expect(times.map((time) => time.command)).toEqual(['process.stdin.pipe(process.stdout)', 'process.exit(3)'])
    for (const time of times) expect(time.endMs - time.startMs).toBeGreaterThan(5)
    await node.clear()
    expect(await node.read()).toEqual([])
  })

  it('reads the log in either decimal mark, refuses a garbled line, and counts overlaps once', () => {
    expect(parseCommandLog('1.5 2.5 plan -out x\n3,25 4,0 -chdir=a show -json\n')).toEqual([
      { command: 'plan', args: 'plan -out x', startMs: 1500, endMs: 2500 },
      { command: 'show', args: '-chdir=a show -json', startMs: 3250, endMs: 4000 },
    ])
    expect(() => parseCommandLog('2 1 plan')).toThrow('not a command time')
    const time = (startMs: number, endMs: number) => ({ command: 'x', args: 'x', startMs, endMs })
    expect(busyMs([time(0, 10), time(5, 20), time(30, 31)])).toBe(21)
    expect(onPath('sh')).toMatch(/\/sh$/)
    expect(() => onPath('no-such-program-here', '/nowhere')).toThrow('not on PATH')
  })
})

describe('sampling which tools run under a process', () => {
  it('reads /proc stat lines whose command names hold spaces and parentheses', () => {
    expect(parseStat('123 (tmux: server) S 45 123 123 0')).toEqual({ pid: 123, ppid: 45, comm: 'tmux: server' })
    expect(parseStat('7 (a) b)) R 1 7')).toEqual({ pid: 7, ppid: 1, comm: 'a) b)' })
    expect(parseStat('garbage')).toBeUndefined()
  })

  it('counts only descendants of the root', () => {
    const table = [
      { pid: 1, ppid: 0, comm: 'init' },
      { pid: 10, ppid: 1, comm: 'rehearsal' },
      { pid: 11, ppid: 10, comm: 'act' },
      { pid: 12, ppid: 11, comm: 'terraform' },
      { pid: 13, ppid: 12, comm: 'terraform-provi' },
      { pid: 20, ppid: 1, comm: 'terraform' },
    ]
    expect(descendantNames(table, 10).sort()).toEqual(['act', 'terraform', 'terraform-provi'])
    expect(descendantNames(table, 10).map(toolOf).filter(Boolean)).toEqual(['terraform', 'terraform'])
    expect(['dockerd', 'node', 'moto_server', 'kube-apiserver'].map(toolOf)).toEqual([undefined, undefined, undefined, undefined])
    expect(['helm', 'docker', 'kubeconform', 'aws', 'kustomize'].map(toolOf)).toEqual(['helm', 'docker', 'kubeconform', 'aws', 'kubectl'])
  })

  it('sees a real child process while it runs, and nothing after', async () => {
    const child = spawn('sh', ['-c', 'sleep 0.6 | cat'])
    const sampler = sampleTools(
      child.pid as number,
      (comm) => (comm === 'sleep' ? { tool: 'sleep' } : comm === 'cat' ? { other: 'cat' } : undefined),
      50,
    )
    await new Promise((resolve) => child.once('close', resolve))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const samples = sampler.stop()
    expect(samples.filter((sample) => sample.tools.includes('sleep')).length).toBeGreaterThan(3)
    expect(samples.filter((sample) => sample.others.includes('cat')).length).toBeGreaterThan(3)
    expect(samples.at(-1)).toMatchObject({ tools: [], others: [] })
  })

  it.each([
    { comm: 'terraform-provi', line: '', expected: { tool: 'terraform' } },
    {
      comm: 'node',
      line: '/opt/node /home/r/_actions/o/pipeline-actions/v1/actions/tf-apply-toggle/dist/index.js',
      expected: { other: 'our action tf-apply-toggle' },
    },
    { comm: 'node', line: '/opt/node act-helper.js', expected: undefined },
    {
      comm: 'node',
      line: 'node /tmp/x/cache/5/act/actions/actions-checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8/checkout.mjs',
      expected: { other: "a third-party action's stand-in (actions-checkout)" },
    },
    { comm: 'python3', line: 'python3 -m moto.server -H 127.0.0.1 -p 5000', expected: undefined },
    { comm: 'python3', line: 'python3 -m pip install apache-airflow', expected: { tool: 'pip' } },
    {
      comm: 'python3',
      line: 'python3 .github/scripts/check_inputs.py',
      expected: { other: 'Python (the workflows’ scripts, the DAG import)' },
    },
    { comm: 'dockerd', line: '', expected: undefined },
  ])('classifies $comm $line', ({ comm, line, expected }) => {
    expect(classifyProcess(comm, () => line)).toEqual(expected)
  })
})

describe("reading the rehearsal's output", () => {
  it('takes runs, steps and the job table; overlapping runs count once', () => {
    const reader = new RehearsalReader()
    const lines = [
      "[   0.0 s] rehearsal: examples/airflow-data-lake's workflows through act, against the local bench",
      '[   5.0 s] ▶ create',
      '[   9.1 s]   · infrastructure: Terraform apply: create (3.5 s) success',
      '[   9.2 s]   - image: Build: x (0.0 s) skipped',
      '[   9.3 s]   ● job infrastructure: success',
      '[  20.0 s] ✔ create: exit 0 in 15.0 s',
      '',
      'run     job             time  result',
      '------  --------------  --------  ------',
      'create  infrastructure     9.0 s  success',
      'total                    25.0 s  12 checks passed',
      '',
      'rehearsal: the example repository created',
    ]
    for (const [index, line] of lines.entries()) reader.line(line, 1000 * index)
    expect(reader.log.runs).toEqual([{ label: 'create', startMs: 1000, endMs: 5000, seconds: 15, exitCode: 0 }])
    expect(reader.log.steps).toEqual([
      { run: 'create', job: 'infrastructure', step: 'Terraform apply: create', seconds: 3.5, result: 'success' },
      { run: 'create', job: 'image', step: 'Build: x', seconds: 0, result: 'skipped' },
    ])
    expect(reader.log.jobs).toEqual([{ run: 'create', job: 'infrastructure', seconds: 9, result: 'success' }])
    expect(reader.log).toMatchObject({ passed: true, checks: 12 })
    expect(
      unionMs([
        { startMs: 0, endMs: 10 },
        { startMs: 5, endMs: 8 },
        { startMs: 20, endMs: 25 },
      ]),
    ).toBe(15)
  })

  it('a failed rehearsal is not read as passed', () => {
    const reader = new RehearsalReader()
    reader.line('rehearsal: FAILED', 0)
    expect(reader.log.passed).toBe(false)
  })
})

it("a kubeconform command line's options, with its folders as placeholders and its files counted", () => {
  expect(
    flagsOf(
      '-output json -strict -schema-location /tmp/a/b/{{ .Group }}/{{ .ResourceKind }}.json -schema-location /c/{{ .X }} -- m/a.yaml m/b.yaml',
    ),
  ).toBe(
    '-output json -strict -schema-location <folder>/{{ .Group }}/{{ .ResourceKind }}.json -schema-location <folder>/{{ .X }} -- <2 files>',
  )
  expect(flagsOf('-strict -summary m')).toBe('-strict -summary m')
})

describe('the size suites at small sizes', () => {
  const logs: string[] = []
  const context: BenchContext = { runs: 1, slowRuns: 1, log: (message) => logs.push(message) }

  it('kubeconform-validate: one curve point per size, the line mapping checked, the goals decided', async () => {
    const result = await kubeconformSuite([40, 120, 360]).run(context)
    expect(result.status).toBe('measured')
    expect(result.curves?.map((curve) => curve.points.map((point) => point.size))).toEqual([
      [40, 120, 360],
      [40, 120, 360],
      [40, 120, 360],
      [40, 120, 360],
    ])
    expect(result.curves?.[0]?.points.every((point) => point.ratio && point.ratio.median > 0)).toBe(true)
    expect(result.rows.filter((row) => row.goal).map((row) => row.subject)).toEqual([
      '360 resources, cache warm: wall',
      'peak RSS growth exponent, cache warm',
      "the action's own time: growth exponent (reading files, mapping results to lines)",
    ])
    // One resource in 100 is invalid: 0, 1 and 3 of them, each annotation checked against its file's lines.
    expect(result.notes.join('\n')).toContain('(0 at 40, 1 at 120, 3 at 360)')
  }, 300_000)

  it('tf-apply-toggle: both runs at each size, the comment within the limit, Terraform timed from outside', async () => {
    const result = await tfApplyToggleSuite([1, 3]).run(context)
    expect(result.status).toBe('measured')
    expect(result.curves?.map((curve) => curve.id)).toEqual([
      'tf-no-change-wall',
      'tf-changing-wall',
      'tf-changing-rss',
      'tf-after-terraform',
      'tf-own',
      'tf-own-no-change',
    ])
    expect(result.rows.filter((row) => row.goal).map((row) => row.subject)).toEqual([
      '1 resources, no-change run: wall',
      '3 resources, no-change run: wall',
      "3 resources: PR comment length (GitHub's limit 65,536)",
    ])
    const notes = result.notes.join('\n')
    expect(notes).toContain('no change: init, plan, output; all-changing plan: init, plan, show, show.')
    expect(result.rows.find((row) => row.subject.includes('PR comment'))).toMatchObject({ unit: 'characters', goal: { met: true } })
    expect(notes).toMatch(
      /3 resources: the action's init [\d.]+, plan [\d.]+, output [\d.]+, the rest [\d.]+; bare init [\d.]+, plan [\d.]+/,
    )
    const miss = result.rows.find((row) => row.subject === '3 resources, no-change run: wall')
    expect(miss?.whyMissed).toMatch(/^the action runs init, plan, output one after another .*: output [\d.]+ s, its init and plan/)
  }, 300_000)

  it('ecr-build-push: the legs build at once, every rerun skips, the buildx commands seen from outside', async () => {
    const result = await ecrBuildPushSuite([1, 2]).run(context)
    expect(result.status).toBe('measured')
    expect(result.curves?.map((curve) => [curve.id, curve.points.map((point) => point.size)])).toEqual([
      ['ecr-wall', [1, 2]],
      ['ecr-rerun', [1, 2]],
      ['ecr-rss', [1, 2]],
      ['ecr-own', [1, 2]],
    ])
    expect(result.rows.filter((row) => row.goal).map((row) => row.subject)).toEqual([
      '1 image at once, first run (build and push): wall',
      '2 images at once, first run (build and push): wall',
      '1 image at once, unchanged rerun (skipped): wall',
      '2 images at once, unchanged rerun (skipped): wall',
    ])
    // Two legs hold two runs' processes at once: their summed peak is above one run's.
    const memory = result.curves?.find((curve) => curve.id === 'ecr-rss')?.points ?? []
    expect(memory[1]?.value.median).toBeGreaterThan(memory[0]?.value.median ?? Number.POSITIVE_INFINITY)
    expect(result.notes.join('\n')).toContain(
      '1: docker buildx version, docker buildx build; 2: docker buildx version, docker buildx build.',
    )
  }, 300_000)
})
