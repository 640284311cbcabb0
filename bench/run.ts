// `npm run bench`: every benchmark in one run on this machine, written to
// bench/results.json and bench/RESULTS.md. Benchmarks measure; tests (npm test)
// check behaviour, so nothing here runs under vitest.
//
//   npm run bench                      the full run; rewrites both results files
//   npm run bench -- --only startup    chosen suites (comma-separated ids); prints, writes nothing
//   npm run bench -- --runs 3          fewer iterations (odd), e.g. while developing
//   npm run bench -- --small           the size curves at small sizes only; prints, writes nothing
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { node24 } from '../test/harness/runner'
import { CURVES_SVG, renderResults, renderSuite } from './lib/format'
import { currentLoad, describeMachine } from './lib/machine'
import { requireGnuTime } from './lib/resource-meter'
import { type BenchResults, notMeasured, type SuiteResult } from './lib/results'
import type { BenchContext, Suite } from './lib/suite'
import { repoRoot } from './lib/suite'
import { renderCurvesSvg } from './lib/svg'
import { bundleSize } from './suites/bundle-size'
import { ecrBuildPushSuite } from './suites/ecr-build-push'
import { eksWaitAndHelmSuite } from './suites/eks-wait-and-helm'
import { kubeconformSuite } from './suites/kubeconform'
import { oidcAuth } from './suites/oidc-auth'
import { pipeline } from './suites/pipeline'
import { startup } from './suites/startup'
import { tfApplyToggleSuite } from './suites/tf-apply-toggle'

/** Every suite, the size curves at the sizes or (`--small`) at sizes that take seconds. */
function suites(small: boolean): Suite[] {
  return [
    bundleSize,
    startup,
    oidcAuth,
    tfApplyToggleSuite(small ? [5, 20, 80] : undefined),
    ecrBuildPushSuite(small ? [1, 2, 3] : undefined),
    eksWaitAndHelmSuite(small ? [1, 2, 4] : undefined),
    kubeconformSuite(small ? [100, 400, 1_600] : undefined),
    pipeline,
  ]
}
const SUITES = suites(false)

interface Options {
  only?: string[]
  small: boolean
  runs: number
  slowRuns: number
}

function parseOptions(args: string[]): Options {
  const options: Options = { runs: 5, slowRuns: 3, small: false }
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1]
    const odd = (name: string) => {
      const count = Number(value)
      if (!Number.isInteger(count) || count < 1 || count % 2 === 0) throw new Error(`${name} takes an odd positive count, got ${value}`)
      i++
      return count
    }
    if (args[i] === '--only') {
      options.only = (value ?? '').split(',').filter(Boolean)
      i++
    } else if (args[i] === '--small') options.small = true
    else if (args[i] === '--runs') options.runs = odd('--runs')
    else if (args[i] === '--slow-runs') options.slowRuns = odd('--slow-runs')
    else throw new Error(`unknown argument ${args[i]}; see the top of bench/run.ts`)
  }
  const unknown = options.only?.filter((id) => !SUITES.some((suite) => suite.id === id)) ?? []
  if (unknown.length > 0) throw new Error(`no suite ${unknown.join(', ')}; suites: ${SUITES.map((suite) => suite.id).join(', ')}`)
  return options
}

function measuredCommit(): string {
  const git = (args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim()
  try {
    return `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain']) ? ' + uncommitted changes' : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  requireGnuTime()
  const started = Date.now()
  const machine = describeMachine(node24())
  const context: BenchContext = {
    runs: options.runs,
    slowRuns: options.slowRuns,
    log: (message) => console.log(`bench: ${message}`),
  }
  const measured: SuiteResult[] = []
  const suiteLoads: { suite: string; start: number; end: number }[] = []
  const failed: string[] = []
  for (const suite of suites(options.small).filter((candidate) => !options.only || options.only.includes(candidate.id))) {
    context.log(`${suite.id}: starting`)
    const suiteStarted = Date.now()
    const loadAtStart = currentLoad()
    // A suite that breaks is reported with its reason and fails the run at the end, after the others have measured:
    // a long run should not lose twenty minutes of figures to one broken benchmark.
    const result = await suite.run(context).catch((error: unknown): SuiteResult => {
      const message = error instanceof Error ? error.message : String(error)
      console.error(`bench: ${suite.id} failed: ${error instanceof Error ? (error.stack ?? message) : message}`)
      failed.push(suite.id)
      return notMeasured(suite.id, suite.title, 'The benchmark failed before it measured.', `failed: ${message.split('\n')[0]}`)
    })
    suiteLoads.push({ suite: suite.id, start: loadAtStart, end: currentLoad() })
    measured.push(result)
    context.log(`${suite.id}: ${result.status} in ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`)
    console.log(`\n${renderSuite(result)}`)
  }
  const results: BenchResults = {
    date: new Date().toISOString(),
    commit: measuredCommit(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: { ...machine, loadAfter: currentLoad(), suiteLoads },
    suites: measured,
  }
  if (options.only || options.small) {
    context.log(`${options.only ? '--only' : '--small'}: results files left unchanged`)
    if (failed.length > 0) throw new Error(`these benchmarks failed: ${failed.join(', ')}`)
    return
  }
  await writeFile(join(repoRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(join(repoRoot, 'bench', 'RESULTS.md'), `${renderResults(results)}\n`)
  const curves = measured.flatMap((suite) => suite.curves ?? [])
  await writeFile(
    join(repoRoot, 'bench', CURVES_SVG),
    renderCurvesSvg(curves, `npm run bench, ${results.date.slice(0, 10)}, commit ${results.commit}: each figure against its size`),
  )
  context.log(`wrote bench/results.json, bench/RESULTS.md and bench/${CURVES_SVG}`)
  if (failed.length > 0) throw new Error(`these benchmarks failed (see above; RESULTS.md names them): ${failed.join(', ')}`)
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exit(1)
})
