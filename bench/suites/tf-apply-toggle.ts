import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startMoto } from '../../test/bench/moto'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { compared, notMeasured, type Row } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, repoRoot, type Suite } from '../lib/suite'

const ID = 'tf-apply-toggle'
const TITLE = 'tf-apply-toggle: no-change run against bare terraform plan, and the plugin cache'
const METHOD =
  'bench/fixtures/terraform (26 `terraform_data` resources, outputs, one sensitive) with its state in the S3 backend on moto (`use_lockfile`), created once; then the action in `create` mode finding nothing to change (init, validate, plan; with no changes it skips show and apply; then output) against bare `terraform plan` in the same initialised folder.'
const GOAL = { text: '≤ 1.2 ×', on: 'ratio', limit: 1.2, inclusive: true } as const
const BUCKET = 'bench-terraform-state'

function backendConfig(endpoint: string, key: string): Record<string, string> {
  return {
    bucket: BUCKET,
    key,
    region: 'us-east-1',
    use_lockfile: 'true',
    use_path_style: 'true',
    skip_credentials_validation: 'true',
    skip_requesting_account_id: 'true',
    skip_metadata_api_check: 'true',
    skip_region_validation: 'true',
    endpoints: `{ s3 = "${endpoint}" }`,
  }
}

export const tfApplyToggle: Suite = {
  id: ID,
  title: TITLE,
  async run(context) {
    if (!actionMerged('tf-apply-toggle')) return notMeasured(ID, TITLE, METHOD, NOT_MERGED)
    const moto = await startMoto()
    try {
      // moto takes an unsigned CreateBucket.
      const created = await fetch(`${moto.endpoint}/${BUCKET}`, { method: 'PUT' })
      if (!created.ok) throw new Error(`CreateBucket on moto: HTTP ${created.status}`)
      return await withScratch('bench-terraform-', async (root) => {
        const env = {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? root,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
        }
        const workspace = join(root, 'workspace')
        const infra = join(workspace, 'infra')
        await cp(join(repoRoot, 'bench/fixtures/terraform'), infra, { recursive: true })
        const settings = backendConfig(moto.endpoint, 'no-change/terraform.tfstate')
        const backendInput = Object.entries(settings)
          .map(([key, value]) => `${key}=${value}`)
          .join('\n')
        const action = (mode: string, cwd: string, extra: Record<string, string> = {}) =>
          runMetered('tf-apply-toggle', {
            cwd,
            inputs: { mode, 'working-directory': 'infra', 'backend-config': backendInput, ...extra },
            env: { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_REGION: env.AWS_REGION },
            timeoutMs: 600_000,
          })

        const first = await action('create', workspace)
        if (first.run.exitCode !== 0 || first.run.outputs.changes !== 'true') {
          throw new Error(`the first create did not apply: ${outcome(first.run)}`)
        }
        context.log('tf-apply-toggle: state created; measuring no-change runs')

        // The same backend settings bare Terraform gets, in a file as the action passes them.
        const backendFile = join(root, 'backend.tfbackend')
        await writeFile(
          backendFile,
          Object.entries(settings)
            .map(([key, value]) => `${key} = ${value.startsWith('{') ? value : JSON.stringify(value)}`)
            .join('\n'),
        )
        const terraform = async (args: string[], okCodes: number[]) => {
          const measured = await measureCommand('terraform', args, { cwd: infra, env })
          if (!okCodes.includes(measured.exitCode ?? -1)) {
            throw new Error(`terraform ${args[0]} exited ${measured.exitCode}: ${measured.stderr.slice(-400)}`)
          }
          return measured
        }
        const samples = new SampleSet()
        const plan = ['plan', '-input=false', '-lock-timeout=5m', '-detailed-exitcode']
        await interleave(context.runs, {
          action: async () => {
            const measured = await action('create', workspace)
            if (measured.run.exitCode !== 0 || measured.run.outputs.changes !== 'false') {
              throw new Error(`the no-change run did not end with changes=false: ${outcome(measured.run)}`)
            }
            samples.add('action wall', measured.wallMs / 1000)
            samples.add('action rss', measured.peakRssMiB)
            return measured.wallMs
          },
          plan: async () => {
            // Exit code 0 with -detailed-exitcode: the plan found nothing to change.
            const measured = await terraform(plan, [0])
            samples.add('plan wall', measured.wallMs / 1000)
            samples.add('plan rss', measured.peakRssMiB)
            return measured.wallMs
          },
          'init and plan': async () => {
            const init = await terraform(['init', '-input=false', `-backend-config=${backendFile}`], [0])
            const planned = await terraform(plan, [0])
            samples.add('init and plan wall', (init.wallMs + planned.wallMs) / 1000)
            return init.wallMs + planned.wallMs
          },
          // What the action runs when nothing changes, without the action: its own cost is the difference.
          'same commands': async () => {
            let total = 0
            for (const [args, ok] of [
              [['init', '-input=false', `-backend-config=${backendFile}`], [0]],
              [['validate', '-json'], [0]],
              [['plan', '-input=false', '-json', '-detailed-exitcode', `-out=${join(root, 'bare.tfplan')}`, '-lock-timeout=5m'], [0]],
              [['output', '-json'], [0]],
            ] as const) {
              total += (await terraform([...args], [...ok])).wallMs
            }
            samples.add('same commands wall', total / 1000)
            return total
          },
        })

        // The plugin cache: two fresh checkouts planning the same state, the second with the cache the first filled.
        context.log('tf-apply-toggle: measuring the plugin cache')
        const cache = join(root, 'plugin-cache')
        const freshCheckout = async (name: string) => {
          const dir = join(root, name)
          await rm(dir, { recursive: true, force: true })
          await mkdir(dir)
          await cp(join(repoRoot, 'bench/fixtures/terraform'), join(dir, 'infra'), { recursive: true })
          return dir
        }
        let cachedProviders = 0
        await interleave(context.slowRuns, {
          'cold then warm': async () => {
            await rm(cache, { recursive: true, force: true })
            const cold = await action('plan', await freshCheckout('checkout-cold'), { 'plugin-cache': cache })
            const warm = await action('plan', await freshCheckout('checkout-warm'), { 'plugin-cache': cache })
            for (const [name, run] of [
              ['cold', cold],
              ['warm', warm],
            ] as const) {
              if (run.run.exitCode !== 0) throw new Error(`plan with the plugin cache (${name}) failed: ${outcome(run.run)}`)
              samples.add(`cache ${name} wall`, run.wallMs / 1000)
            }
            cachedProviders = (await readdir(cache, { recursive: true })).length
            return cold.wallMs + warm.wallMs
          },
        })

        const actionWall = samples.stat('action wall')
        const planWall = samples.stat('plan wall')
        const initPlanWall = samples.stat('init and plan wall')
        const sameWall = samples.stat('same commands wall')
        const cold = samples.stat('cache cold wall')
        const warm = samples.stat('cache warm wall')
        const rows: Row[] = [
          compared('no-change run: wall', 's', actionWall, { label: 'bare terraform plan', value: planWall }, { goal: GOAL }),
          compared('no-change run: wall', 's', actionWall, { label: 'bare terraform init + plan', value: initPlanWall }),
          compared('no-change run: wall', 's', actionWall, { label: 'the same Terraform commands, bare', value: sameWall }),
          compared('no-change run: peak RSS', 'MiB', samples.stat('action rss'), {
            label: 'bare terraform plan',
            value: samples.stat('plan rss'),
          }),
          compared(
            'plan in a fresh checkout, plugin cache warm',
            's',
            warm,
            { label: 'same, cache empty', value: cold },
            { note: `${cachedProviders} entries in the cache folder` },
          ),
        ]
        return {
          id: ID,
          title: TITLE,
          method: METHOD,
          status: 'measured',
          rows,
          notes: [
            `${context.runs} interleaved iterations of: the action's no-change run, bare \`terraform ${plan.join(' ')}\` (exit 0: no changes), bare \`terraform init\` + the same plan (what a workflow without the action runs in each job), and the four commands the action runs when nothing changes (init, validate -json, plan -json -out, output -json), bare. Every run was checked: the action reported changes=false, the bare plan exited 0.`,
            "The action's peak RSS is the largest process of its run: the kernel reports the largest of the process and its children (here Terraform), not a sum.",
            `Plugin cache: ${context.slowRuns} iterations of two fresh copies of the module planned in \`plan\` mode, the first with an empty \`plugin-cache\` folder, the second with the folder the first left. The module uses only Terraform's built-in provider, and no other provider can be installed on this machine (no registry access), so the cache stays empty: this shows what the cache costs, not the download time it saves on a real runner.`,
          ],
        }
      })
    } finally {
      await moto.stop()
    }
  },
}
