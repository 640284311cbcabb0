import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { serveFolder } from '../../test/bench/file-server'
import type { Annotation } from '../../test/harness/commands'
import { busyMs, timedCommand } from '../lib/command-log'
import { type Curve, curveExponent, curvePoints, largest } from '../lib/curve'
import { INVALID_FIELD, KINDS, writeManifests, writeStandaloneSchemas } from '../lib/manifests'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { checkGoal, compared, measuredSuite, notMeasured, type Row, type SuiteResult } from '../lib/results'
import { interleave, SampleSet, summarize } from '../lib/stats'
import { actionMerged, NOT_MERGED, type Suite } from '../lib/suite'

/** The issue's sizes: 50,000 is about kubeconform's own published benchmark (50,714 resources). */
export const KUBECONFORM_SIZES = [500, 5_000, 50_000]
const PER_FILE = 20
/** One resource in this many is invalid, so the action maps failures to lines at every size. */
const INVALID_EVERY = 100
const KUBERNETES = '1.33.0'
const TEMPLATE = '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'
const WALL_GOAL = { text: '≤ 1.10 × bare kubeconform at the largest size, cache warm', on: 'ratio', limit: 1.1, inclusive: true } as const
// Least squares over two decades of sizes: linear work reads about 1, quadratic about 2; the margin absorbs noise.
const MEMORY_GOAL = { text: 'exponent ≤ 1 (memory grows no faster than the input)', on: 'value', limit: 1, inclusive: true } as const
const MAPPING_GOAL = { text: 'exponent ≤ 1.2 (not quadratic)', on: 'value', limit: 1.2, inclusive: true } as const
const ID = 'kubeconform'
const TITLE = 'kubeconform-validate: cost against the number of resources, cold and warm schema cache'
const QUOTED = 'kubeconform README: 6.7 s (kubeconform) vs 35.3 s (kubeval) on 50,714 resources'

const method = (sizes: readonly number[]) =>
  `${sizes.map((size) => size.toLocaleString('en-US')).join(', ')} generated resources (${KINDS.length} common kinds, ${PER_FILE} documents a file, one resource in ${INVALID_EVERY} with a field no schema has), validated strictly against Kubernetes ${KUBERNETES} schemas served by a local HTTP schema host: the committed bundle through the runner-contract harness (\`fail-on: never\`, cache cold, then warm) against bare \`kubeconform -strict -summary\` on the same folder and the same schema location.`

/** The options of a kubeconform command line, its folders as placeholders and its files counted: what to compare with bare kubeconform. */
export function flagsOf(args: string): string {
  const [options = '', files] = args.split(' -- ')
  const general = options.replace(/(^|\s)\/[^\s{]*\/\{\{/g, '$1<folder>/{{')
  return files === undefined ? general : `${general} -- <${files.split(' ').filter(Boolean).length} files>`
}

/** The resource index a generated name ends with (`deployment-199` → 199). */
function indexOfName(line: string): number | undefined {
  const match = /^ {2}name: [a-z]+-(\d+)$/.exec(line)
  return match ? Number(match[1]) : undefined
}

/**
 * Checks that every annotation with a line points at the first line of an
 * invalid resource's unknown field: the line mapping is right, not only fast.
 */
async function checkLines(root: string, annotations: readonly Annotation[]): Promise<number> {
  const files = new Map<string, string[]>()
  let checked = 0
  for (const annotation of annotations) {
    if (!annotation.file || annotation.line === undefined) continue
    let lines = files.get(annotation.file)
    if (!lines) {
      lines = (await readFile(join(root, annotation.file), 'utf8')).split('\n')
      files.set(annotation.file, lines)
    }
    const first = lines[annotation.line - 1] ?? ''
    // The annotation is on the offending field; the resource's name is above it, in its own document.
    let index: number | undefined
    for (let at = annotation.line - 2; at >= 0 && index === undefined && !(lines[at] ?? '').startsWith('---'); at--) {
      index = indexOfName(lines[at] ?? '')
    }
    if (first !== `${INVALID_FIELD}: true` || index === undefined || (index + 1) % INVALID_EVERY !== 0) {
      throw new Error(
        `an annotation points at ${annotation.file}:${annotation.line} ("${first}"), not at an invalid resource's unknown field`,
      )
    }
    checked++
  }
  return checked
}

export function kubeconformSuite(sizes: readonly number[] = KUBECONFORM_SIZES): Suite {
  return {
    id: ID,
    title: TITLE,
    async run(context): Promise<SuiteResult> {
      if (!actionMerged('kubeconform-validate')) return notMeasured(ID, TITLE, method(sizes), NOT_MERGED)
      return withScratch('bench-kubeconform-', async (root) => {
        // kubernetes-validate's schemas made standalone, as kubeconform's published ones are, so both validators read the same files.
        const source = join(toolPaths().schemas, `v${KUBERNETES}-local-strict`)
        await writeStandaloneSchemas(source, KINDS, join(root, 'schemas', `v${KUBERNETES}-standalone-strict`))
        const host = await serveFolder(join(root, 'schemas'))
        // A tool cache of the bench's own, schemas in a folder this suite empties. In kubeconform's place a timing
        // stand-in that runs the real one (the action takes a cached binary as it finds it): kubeconform's own time
        // inside the action is then measured, not guessed. Bare kubeconform runs through the same stand-in.
        const toolCache = join(root, 'tool-cache')
        const kubeconformDir = join(toolCache, `kubeconform-${VERSIONS.kubeconform}`)
        await mkdir(kubeconformDir, { recursive: true })
        const validator = await timedCommand(kubeconformDir, 'kubeconform', toolPaths().kubeconform)
        const actionArgs = new Map<number, Set<string>>()
        const location = `${host.url}/${TEMPLATE}`
        const samples = new SampleSet()
        const checkedLines = new Map<number, number>()
        try {
          for (const size of sizes) {
            const folder = `manifests-${size}`
            const files = Math.ceil(size / PER_FILE)
            await writeManifests(join(root, folder), files, PER_FILE, INVALID_EVERY)
            const total = files * PER_FILE
            const invalid = Math.floor(total / INVALID_EVERY)
            const bare = async () => {
              host.reset()
              const measured = await measureCommand(
                validator.path,
                ['-strict', '-summary', '-kubernetes-version', KUBERNETES, '-schema-location', location, folder],
                { cwd: root, timeoutMs: 900_000 },
              )
              // Exit 1: the invalid resources were found, as they should be.
              if (
                measured.exitCode !== (invalid > 0 ? 1 : 0) ||
                !measured.stdout.includes(`Valid: ${total - invalid}, Invalid: ${invalid}, Errors: 0`)
              ) {
                throw new Error(`bare kubeconform at ${size}: exit ${measured.exitCode}, ${measured.stdout.slice(-300)}`)
              }
              samples.add(`${size} bare wall`, measured.wallMs / 1000)
              samples.add(`${size} bare rss`, measured.peakRssMiB)
              return measured.wallMs
            }
            const action = async (temperature: 'cold' | 'warm') => {
              if (temperature === 'cold') await rm(join(toolCache, 'kubeconform-schemas'), { recursive: true, force: true })
              host.reset()
              await validator.clear()
              const measured = await runMetered('kubeconform-validate', {
                cwd: root,
                inputs: {
                  paths: folder,
                  'kubernetes-version': KUBERNETES,
                  'schema-locations': location,
                  cache: 'true',
                  'fail-on': 'never',
                },
                env: { PIPELINE_ACTIONS_TOOL_CACHE: toolCache },
                timeoutMs: 900_000,
              })
              const { outputs } = measured.run
              if (measured.run.exitCode !== 0 || outputs.valid !== String(total - invalid) || outputs.invalid !== String(invalid)) {
                throw new Error(
                  `the action at ${size} resources: ${outcome(measured.run)}; outputs valid=${outputs.valid} invalid=${outputs.invalid}, expected ${total - invalid} and ${invalid}`,
                )
              }
              if (temperature === 'warm' && host.requests.length > 0)
                throw new Error(`the warm run downloaded ${host.requests.length} schemas`)
              checkedLines.set(size, await checkLines(root, measured.run.annotations))
              const times = await validator.read()
              const flags = actionArgs.get(size) ?? new Set<string>()
              for (const time of times) flags.add(flagsOf(time.args))
              actionArgs.set(size, flags)
              samples.add(`${size} ${temperature} kubeconform`, busyMs(times) / 1000)
              samples.add(`${size} ${temperature} own`, Math.max(0.001, measured.wallMs - busyMs(times)) / 1000)
              samples.add(`${size} ${temperature} wall`, measured.wallMs / 1000)
              samples.add(`${size} ${temperature} rss`, measured.peakRssMiB)
              return measured.wallMs
            }
            context.log(
              `kubeconform: ${size} resources, ${context.slowRuns} interleaved runs of bare kubeconform and the action (cold, then warm)`,
            )
            // Cold and warm run back to back inside one step: warm needs the cache cold just filled.
            await interleave(context.slowRuns, { bare, action: async () => (await action('cold')) + (await action('warm')) })
            await rm(join(root, folder), { recursive: true, force: true })
          }
        } finally {
          await host.stop()
        }

        const at = (size: number, what: string) => samples.stat(`${size} ${what}`)
        const curve = (id: string, title: string, what: string, unit: 's' | 'MiB', subjectLabel: string): Curve => ({
          id,
          title,
          sizeLabel: 'resources',
          unit,
          subjectLabel,
          baselineLabel: 'bare kubeconform',
          points: curvePoints(
            sizes.map((size) => ({ size, value: at(size, what), baseline: at(size, unit === 's' ? 'bare wall' : 'bare rss') })),
          ),
        })
        const warm = curve('kubeconform-warm-wall', 'kubeconform-validate: wall, schema cache warm', 'warm wall', 's', 'action, cache warm')
        const cold = curve('kubeconform-cold-wall', 'kubeconform-validate: wall, schema cache cold', 'cold wall', 's', 'action, cache cold')
        const memory = curve('kubeconform-warm-rss', 'kubeconform-validate: peak RSS, cache warm', 'warm rss', 'MiB', 'action, cache warm')
        const own: Curve = {
          id: 'kubeconform-own',
          title: 'kubeconform-validate: the action less its kubeconform run, cache warm',
          sizeLabel: 'resources',
          unit: 's',
          subjectLabel: 'action less kubeconform',
          // Floored at 1 ms, below which it is noise, so the logarithm is defined.
          points: curvePoints(sizes.map((size) => ({ size, value: at(size, 'warm own') }))),
        }
        const top = largest(warm)
        const topSize = top.size.toLocaleString('en-US')
        const memoryExponent = curveExponent(memory)
        const ownExponent = curveExponent(own)
        const exponentRow = (
          subject: string,
          value: number | undefined,
          goal: typeof MEMORY_GOAL | typeof MAPPING_GOAL,
          whyMissed: string,
        ): Row[] =>
          value === undefined
            ? []
            : [{ subject, unit: 'exponent', value: summarize([value]), goal: checkGoal(goal, summarize([value])), whyMissed }]
        const rows: Row[] = [
          compared(
            `${topSize} resources, cache warm: wall`,
            's',
            top.value,
            { label: 'bare kubeconform', value: top.baseline ?? top.value },
            {
              goal: WALL_GOAL,
              quoted: QUOTED,
              whyMissed: `kubeconform itself ran ${at(top.size, 'warm kubeconform').median.toFixed(1)} s inside the action against ${at(top.size, 'bare wall').median.toFixed(1)} s bare (the action runs it as: ${[...(actionArgs.get(top.size) ?? [])].join(' | ')}), and the action's own work took ${at(top.size, 'warm own').median.toFixed(1)} s: reading and parsing every file to put failures on lines, reading kubeconform's JSON, annotations and the summary`,
            },
          ),
          compared(`${topSize} resources, cache cold: wall`, 's', largest(cold).value, {
            label: 'bare kubeconform',
            value: largest(cold).baseline ?? largest(cold).value,
          }),
          compared(`${topSize} resources, cache warm: peak RSS`, 'MiB', largest(memory).value, {
            label: 'bare kubeconform',
            value: largest(memory).baseline ?? largest(memory).value,
          }),
          ...exponentRow(
            'peak RSS growth exponent, cache warm',
            memoryExponent,
            MEMORY_GOAL,
            "the action holds every file's resources and kubeconform's results in memory at once",
          ),
          ...exponentRow(
            "the action's own time: growth exponent (reading files, mapping results to lines)",
            ownExponent,
            MAPPING_GOAL,
            'the work of mapping results to lines grows faster than the number of resources',
          ),
        ]
        return measuredSuite(
          { id: ID, title: TITLE, method: method(sizes) },
          {
            rows,
            curves: [warm, cold, memory, own],
            notes: [
              `${context.slowRuns} iterations at each size, each: bare kubeconform, then the action with its schema cache emptied (cold), then again with the cache it just filled (warm); the order of bare and action alternates between iterations. Every run was checked: the action's valid and invalid outputs, and bare kubeconform's summary, count exactly the generated resources; a warm run downloaded no schema.`,
              `Line mapping checked, not only timed: every annotation with a line pointed at the unknown field of an invalid resource (${sizes.map((size) => `${checkedLines.get(size) ?? 0} at ${size.toLocaleString('en-US')}`).join(', ')}).`,
              `"The action less its kubeconform run" is the action's wall less the time its kubeconform ran, timed by a stand-in in kubeconform's place in the action's tool cache (bare kubeconform runs through the same stand-in): Node's start, reading and parsing every file to find where each resource starts, reading kubeconform's JSON, matching results to resources, annotations and the job summary. A quadratic matching would show an exponent near 2. kubeconform inside the action, cache warm (median): ${sizes.map((size) => `${at(size, 'warm kubeconform').median.toFixed(2)} s at ${size.toLocaleString('en-US')}`).join(', ')}; the action runs it at ${largest(warm).size.toLocaleString('en-US')} as: ${[...(actionArgs.get(largest(warm).size) ?? [])].join(' | ')}; bare: \`kubeconform -strict -summary -kubernetes-version ${KUBERNETES} -schema-location <the same location> <folder>\`.`,
              "The schemas are kubernetes-validate's, made standalone (the definitions each kind refers to copied into it), as kubeconform's published schemas are. Peak RSS is the largest process of the run (the kernel reports the largest of the process and its children, not a sum); bare kubeconform keeps schemas in memory only, so it downloads them on every run.",
            ],
          },
        )
      })
    },
  }
}

export const kubeconform = kubeconformSuite()
