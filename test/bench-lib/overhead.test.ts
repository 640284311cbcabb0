import { describe, expect, it } from 'vitest'
import { pipelineOverhead } from '../../bench/lib/overhead'
import { RehearsalReader } from '../../bench/lib/rehearsal-log'

/** One sample every 100 ms from `fromMs` to `toMs`, with the tools given. */
const samples = (fromMs: number, toMs: number, tools: string[] = []) =>
  Array.from({ length: (toMs - fromMs) / 100 }, (_, index) => ({ atMs: fromMs + 100 * index, tools }))

describe("the pipeline's overhead, deliberate waits left out", () => {
  const run = { startMs: 0, endMs: 10_000 }

  it.each([
    {
      name: 'no wait: the idle share of the run',
      taken: [...samples(0, 5_000, ['terraform']), ...samples(5_000, 10_000)],
      waits: [],
      percent: 50,
      waited: {},
    },
    {
      name: 'an idle wait leaves both the overhead and the time it is a share of',
      taken: [...samples(0, 5_000, ['terraform']), ...samples(5_000, 10_000)],
      waits: [{ what: 'the cluster comes later', startMs: 5_000, endMs: 9_000 - 1 }],
      // 40 idle samples are the wait's: 10 idle of 60 left.
      percent: (100 * 10) / 60,
      waited: { 'the cluster comes later': 40 },
    },
    {
      name: 'a tool at work during a wait stays work',
      taken: [...samples(0, 5_000, ['helm']), ...samples(5_000, 10_000)],
      waits: [{ what: 'load balancers come later', startMs: 0, endMs: 4_999 }],
      percent: 50,
      waited: { 'load balancers come later': 0 },
    },
    {
      name: 'samples outside every run are not counted',
      taken: [...samples(-5_000, 0), ...samples(0, 10_000, ['terraform'])],
      waits: [{ what: 'before the run', startMs: -5_000, endMs: -1 }],
      percent: 0,
      waited: { 'before the run': 0 },
    },
  ])('$name', ({ taken, waits, percent, waited }) => {
    const overhead = pipelineOverhead(taken, [run], waits)
    expect(overhead.percent).toBeCloseTo(percent, 10)
    expect(Object.fromEntries(overhead.waited)).toEqual(waited)
  })

  it('an idle sample in two overlapping waits is charged once, to the first named', () => {
    const overhead = pipelineOverhead(
      samples(0, 1_000),
      [run],
      [
        { what: 'first', startMs: 0, endMs: 999 },
        { what: 'second', startMs: 500, endMs: 999 },
      ],
    )
    expect(Object.fromEntries(overhead.waited)).toEqual({ first: 10, second: 0 })
    expect(overhead).toMatchObject({ inRun: 10, idle: 10, percent: 0 })
  })
})

describe("the rehearsal's deliberate waits, as it prints them", () => {
  it('takes each wait with its length, ending when its line arrived', () => {
    const reader = new RehearsalReader()
    reader.line(
      '[  12.0 s]   (the cluster rehearsal now exists in moto in eu-west-1, with access entries for the apply and deploy roles)',
      20_000,
    )
    reader.line('[  12.0 s]   (waited on purpose 8012 ms: the cluster comes into existence while the deploy job waits for it)', 20_050)
    reader.line(
      "[  40.0 s]   (waited on purpose 10000 ms: a running create holds the state lock while the pull request's plan waits for it)",
      50_000,
    )
    reader.line('[  41.0 s]   (waited on purpose soon: not a length)', 51_000)
    expect(reader.log.waits).toEqual([
      { what: 'the cluster comes into existence while the deploy job waits for it', startMs: 12_038, endMs: 20_050 },
      { what: "a running create holds the state lock while the pull request's plan waits for it", startMs: 40_000, endMs: 50_000 },
    ])
  })
})
