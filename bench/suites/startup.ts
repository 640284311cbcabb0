import { floorBundle } from '../lib/bundles'
import { bareNode, floorRun, outcome, runMetered, withScratch } from '../lib/metered-action'
import { compared, measuredSuite, type Row } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { ACTIONS, actionMerged, type Suite } from '../lib/suite'

/** Nothing listens on the discard port: any AWS call an action tries fails at once instead of reaching a network. */
const NOWHERE = 'http://127.0.0.1:9'

export const startup: Suite = {
  id: 'startup',
  title: 'Start-up: wall time and peak memory of each bundle with no inputs',
  async run(context) {
    const merged = ACTIONS.filter(actionMerged)
    const pending = ACTIONS.filter((action) => !merged.includes(action))
    await floorBundle()
    // Cheap runs, so more of them than the default: the differences are milliseconds.
    const count = context.runs * 2 + 1
    const outcomes = new Map<string, string>()

    const samples = await withScratch('bench-startup-', async (workspace) => {
      const wall = new SampleSet()
      const memory = new SampleSet()
      const record = (key: string, measured: { wallMs: number; peakRssMiB: number }) => {
        wall.add(key, measured.wallMs / 1000)
        memory.add(key, measured.peakRssMiB)
        return measured.wallMs
      }
      const steps: Record<string, () => Promise<number>> = {
        'node -e 0': async () => record('node -e 0', await bareNode()),
        floor: async () => record('floor', await floorRun(workspace)),
      }
      for (const action of merged) {
        steps[action] = async () => {
          const measured = await runMetered(action, {
            cwd: workspace,
            env: { AWS_ENDPOINT_URL: NOWHERE, AWS_REGION: 'us-east-1' },
            timeoutMs: 60_000,
          })
          outcomes.set(action, outcome(measured.run))
          return record(action, measured)
        }
      }
      context.log(`startup: ${count} interleaved runs of ${Object.keys(steps).join(', ')}`)
      await interleave(count, steps)
      return { wall, memory }
    })

    const bareWall = samples.wall.stat('node -e 0')
    const bareMemory = samples.memory.stat('node -e 0')
    const rows: Row[] = []
    const rowsFor = (key: string, label: string) => {
      const wall = samples.wall.stat(key)
      const memory = samples.memory.stat(key)
      rows.push(
        compared(`${label}: wall`, 's', wall, { label: 'node -e 0', value: bareWall }),
        compared(`${label}: peak RSS`, 'MiB', memory, { label: 'node -e 0', value: bareMemory }),
      )
    }
    rowsFor('floor', 'floor (only lib/core)')
    for (const action of merged) rowsFor(action, action)

    const notes = [
      `Each bundle ran ${count} times through the runner-contract harness (test/harness/runner.ts: INPUT_* with action.yml's defaults, the file commands, an empty workspace), interleaved with \`node -e 0\` and the floor bundle on the same Node 24 binary. Wall time is measured around process start and exit; peak RSS is GNU time's maximum resident set size.`,
      `With no inputs an action validates what it was given and stops, so these figures are the cost of loading the bundle and reading inputs. How the runs ended: ${merged.map((action) => `${action}: ${outcomes.get(action)}`).join('; ')}.`,
    ]
    if (pending.length > 0) notes.push(`Not measured: action not merged: ${pending.join(', ')}.`)
    return measuredSuite(
      {
        id: this.id,
        title: this.title,
        method: `Wall time and peak memory of each committed bundle started with no inputs, against bare \`node -e 0\` (same Node 24 binary) and the floor bundle.`,
      },
      {
        rows,
        notes,
      },
    )
  },
}
