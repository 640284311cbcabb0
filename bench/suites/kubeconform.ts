import { mkdir, rm, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { serveFolder } from '../../test/bench/file-server'
import { KINDS, writeManifests, writeStandaloneSchemas } from '../lib/manifests'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { checkGoal, compared, notMeasured, type Row } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, type Suite } from '../lib/suite'

const FILES = 250
const PER_FILE = 20
const KUBERNETES = '1.33.0'
const TEMPLATE = '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'
const GOAL = { text: '≤ 1.15 ×', on: 'ratio', limit: 1.15, inclusive: true } as const
const ID = 'kubeconform'
const TITLE = 'kubeconform-validate: 5,000 resources, cold and warm schema cache'
const METHOD = `${FILES * PER_FILE} generated resources (${KINDS.length} common kinds) in ${FILES} files of ${PER_FILE} documents, validated strictly against Kubernetes ${KUBERNETES} schemas served by a local HTTP schema host: the action (cache cold, then warm) against bare \`kubeconform -strict -summary\` on the same folder and the same schema location.`

export const kubeconform: Suite = {
  id: ID,
  title: TITLE,
  async run(context) {
    if (!actionMerged('kubeconform-validate')) return notMeasured(ID, TITLE, METHOD, NOT_MERGED)
    return withScratch('bench-kubeconform-', async (root) => {
      const manifests = join(root, 'manifests')
      await writeManifests(manifests, FILES, PER_FILE)
      // kubernetes-validate's schemas made standalone, as kubeconform's published ones are, so both validators read the same files.
      const source = join(toolPaths().schemas, `v${KUBERNETES}-local-strict`)
      await writeStandaloneSchemas(source, KINDS, join(root, 'schemas', `v${KUBERNETES}-standalone-strict`))
      const host = await serveFolder(join(root, 'schemas'))
      // A tool cache of the bench's own: kubeconform itself from the shared cache, schemas in a folder this suite empties.
      const toolCache = join(root, 'tool-cache')
      await mkdir(toolCache)
      await symlink(dirname(toolPaths().kubeconform), join(toolCache, `kubeconform-${VERSIONS.kubeconform}`))
      const location = `${host.url}/${TEMPLATE}`
      const samples = new SampleSet()
      const outcomes: string[] = []
      try {
        const bare = async () => {
          host.reset()
          const measured = await measureCommand(
            toolPaths().kubeconform,
            ['-strict', '-summary', '-kubernetes-version', KUBERNETES, '-schema-location', location, manifests],
            { cwd: root },
          )
          if (measured.exitCode !== 0 || !measured.stdout.includes(`Valid: ${FILES * PER_FILE},`)) {
            throw new Error(
              `bare kubeconform did not find every resource valid (exit ${measured.exitCode}): ${measured.stdout.slice(-400)}`,
            )
          }
          samples.add('bare wall', measured.wallMs / 1000)
          samples.add('bare rss', measured.peakRssMiB)
          samples.add('bare requests', host.requests.length)
          return measured.wallMs
        }
        const action = async (temperature: 'cold' | 'warm') => {
          if (temperature === 'cold') await rm(join(toolCache, 'kubeconform-schemas'), { recursive: true, force: true })
          host.reset()
          const measured = await runMetered('kubeconform-validate', {
            cwd: root,
            inputs: { paths: 'manifests', 'kubernetes-version': KUBERNETES, 'schema-locations': location, cache: 'true' },
            env: { PIPELINE_ACTIONS_TOOL_CACHE: toolCache },
            timeoutMs: 300_000,
          })
          if (measured.run.exitCode !== 0 || measured.run.outputs.valid !== String(FILES * PER_FILE)) {
            throw new Error(
              `the action did not find every resource valid: ${outcome(measured.run)}; outputs ${JSON.stringify(measured.run.outputs).slice(0, 300)}`,
            )
          }
          outcomes.push(`${temperature}: ${host.requests.length} schema requests`)
          samples.add(`${temperature} wall`, measured.wallMs / 1000)
          samples.add(`${temperature} rss`, measured.peakRssMiB)
          samples.add(`${temperature} requests`, host.requests.length)
          return measured.wallMs
        }
        context.log(`kubeconform: ${context.slowRuns} interleaved runs of bare kubeconform and the action (cold, then warm)`)
        // Cold and warm run back to back inside one step: warm needs the cache cold just filled.
        await interleave(context.slowRuns, { bare, action: async () => (await action('cold')) + (await action('warm')) })
      } finally {
        await host.stop()
      }

      const bareWall = samples.stat('bare wall')
      const bareRss = samples.stat('bare rss')
      const cold = samples.stat('cold wall')
      const warm = samples.stat('warm wall')
      const bare = { label: 'bare kubeconform', value: bareWall }
      const bareMemory = { label: 'bare kubeconform', value: bareRss }
      const rows: Row[] = [
        compared('action, schema cache cold: wall', 's', cold, bare, {
          goal: GOAL,
          quoted: 'kubeconform README: 6.7 s (kubeconform) vs 35.3 s (kubeval) on 50,714 resources',
        }),
        compared('action, schema cache warm: wall', 's', warm, bare, { goal: GOAL }),
        compared('action warm against action cold: wall', 's', warm, { label: 'cold', value: cold }),
        compared('action, schema cache cold: peak RSS', 'MiB', samples.stat('cold rss'), bareMemory),
        compared('action, schema cache warm: peak RSS', 'MiB', samples.stat('warm rss'), bareMemory),
        {
          subject: 'schema requests, cache cold',
          unit: 'requests',
          value: samples.stat('cold requests'),
          baseline: { label: 'bare kubeconform', value: samples.stat('bare requests') },
        },
        {
          subject: 'schema requests, cache warm',
          unit: 'requests',
          value: samples.stat('warm requests'),
          baseline: { label: 'bare kubeconform', value: samples.stat('bare requests') },
          goal: checkGoal({ text: 'no downloads', on: 'value', limit: 0, inclusive: true }, samples.stat('warm requests')),
        },
      ]
      return {
        id: ID,
        title: TITLE,
        method: METHOD,
        status: 'measured',
        rows,
        notes: [
          `${context.slowRuns} iterations, each: bare kubeconform, then the action with its schema cache emptied (cold), then again with the cache it just filled (warm); the order of bare and action alternates between iterations.`,
          'Schema requests are every request the local schema host served during that run. Bare kubeconform keeps schemas in memory only, so it downloads on every run.',
          "The schemas are kubernetes-validate's, made standalone (the definitions each kind refers to copied into it), as kubeconform's published schemas are. Peak RSS is the largest process of the run (the kernel reports the largest of the process and its children, not a sum).",
          `Action runs: ${[...new Set(outcomes)].join('; ')}.`,
        ],
      }
    })
  },
}
