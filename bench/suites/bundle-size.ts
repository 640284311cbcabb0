import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { distSize, floorBundle } from '../lib/bundles'
import { formatBytes } from '../lib/format'
import { compared, measuredSuite, notMeasured, type Row } from '../lib/results'
import { summarize } from '../lib/stats'
import { ACTIONS, type ActionName, actionMerged, repoRoot, type Suite } from '../lib/suite'

/** Anchors' sizes as the handbook quotes them (read from their own dist/, not measured here). */
const QUOTED: Partial<Record<ActionName, string>> = {
  'oidc-auth': 'configure-aws-credentials: 3.09 MB main + 0.81 MB cleanup bundle',
  'ecr-build-push': 'amazon-ecr-login: 2.38 MB + 1.06 MB; docker/build-push-action: 2.54 MB',
}

const OIDC_GOAL = { text: '< 800 KB', on: 'value', limit: 800_000, inclusive: false } as const

/** Bytes of the JavaScript files directly in a folder of dist/ (an entry and its lazily loaded chunks). */
function javascriptIn(folder: string): { entry: number; chunks: number } {
  let chunks = 0
  for (const name of readdirSync(folder)) {
    if (name.endsWith('.js') && name !== 'index.js') chunks += statSync(join(folder, name)).size
  }
  return { entry: statSync(join(folder, 'index.js')).size, chunks }
}

/**
 * Where oidc-auth's JavaScript is, when it is over its goal: the goal was set for the main step alone, and
 * the post step and the refresher are entries of their own, loaded only when used.
 */
function oidcWhyMissed(dist: string): string {
  const main = javascriptIn(dist)
  const post = javascriptIn(join(dist, 'post'))
  const refresher = javascriptIn(join(dist, 'bin', 'refresher'))
  return (
    `the main step loads ${formatBytes(main.entry)} (with ${formatBytes(main.chunks)} of chunks loaded only for the features that need them); ` +
    `the post step, which every run now has, loads ${formatBytes(post.entry)}, and its ${formatBytes(post.chunks)} chunk only after a profile was written; ` +
    `the credentials refresher (${formatBytes(refresher.entry + refresher.chunks)}) runs only with refresh-credentials. ` +
    'Each entry is its own ncc bundle, so @actions/core and the HTTP client are in each: a run without a profile loads the main step and the small post entry'
  )
}

export const bundleSize: Suite = {
  id: 'bundle-size',
  title: 'Bundle size per action',
  async run(context) {
    const floorDist = await floorBundle()
    const floor = distSize(floorDist)
    context.log(`floor bundle: ${formatBytes(floor.main)}`)
    const rows: Row[] = []
    const notes: string[] = []
    const pending: string[] = []
    for (const action of ACTIONS) {
      if (!actionMerged(action)) {
        pending.push(action)
        continue
      }
      const size = distSize(join(repoRoot, 'actions', action, 'dist'))
      const floorMain = summarize([floor.main])
      const main = summarize([size.main])
      const javascript = summarize([size.javascript])
      rows.push(
        compared(`${action}: dist/index.js`, 'bytes', main, { label: 'floor', value: floorMain }, { quoted: QUOTED[action] }),
        compared(
          `${action}: all JavaScript in dist/`,
          'bytes',
          javascript,
          { label: 'floor', value: summarize([floor.javascript]) },
          action === 'oidc-auth' ? { goal: OIDC_GOAL, whyMissed: oidcWhyMissed(join(repoRoot, 'actions', action, 'dist')) } : {},
        ),
      )
      rows.push({
        subject: `${action}: every file in dist/`,
        unit: 'bytes',
        value: summarize([size.all]),
        note: `${size.files} files`,
      })
    }
    if (pending.length > 0) notes.push(`Not measured: action not merged: ${pending.join(', ')}.`)
    notes.push(
      'Sizes are exact byte counts of the committed files, so one run suffices; KB and MB are decimal (1 KB = 1000 bytes), as the handbook quotes them.',
      `The baseline "floor" is bench/floor/index.ts (only lib/core, the runner protocol), bundled in this run with the actions' ncc settings: ${formatBytes(floor.main)}. The ratio says how much each action weighs over the least any action here can weigh.`,
    )
    const info = {
      id: this.id,
      title: this.title,
      method:
        "Bytes of each action's committed `dist/`: `dist/index.js` alone, all JavaScript (main, post, bin entries, lazily loaded chunks), and every file.",
    }
    if (rows.length === 0) return notMeasured(info.id, info.title, info.method, 'action not merged (no action is merged yet)')
    return measuredSuite(info, { rows, notes })
  },
}
