import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type FakeGitHubApi, startFakeGitHubApi } from '../../test/bench/github-api'
import { startMoto } from '../../test/bench/moto'
import { busyMs, type CommandTime, onPath, timedCommand } from '../lib/command-log'
import { type Curve, curvePoints, largest } from '../lib/curve'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { compared, measuredSuite, notMeasured, type Row, type SuiteResult } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, repoRoot, type Suite } from '../lib/suite'

export const TF_SIZES = [10, 100, 1_000]
const ID = 'tf-apply-toggle'
const TITLE = 'tf-apply-toggle: cost against the number of resources, no-change run and all-changing plan'
const BUCKET = 'bench-terraform-state'
const GOAL = { text: '≤ 1.10 × bare terraform init + plan', on: 'ratio', limit: 1.1, inclusive: true } as const
/** GitHub rejects comment bodies longer than this many characters. */
const GITHUB_COMMENT_LIMIT = 65_536
const TOKEN = 'ghs_benchfaketoken0123456789abcdef'
const PULL_REQUEST = 7

const method = (sizes: readonly number[]) =>
  `bench/fixtures/terraform with ${sizes.map((size) => size.toLocaleString('en-US')).join(', ')} \`terraform_data\` resources (each with an output), state in the S3 backend on moto (\`use_lockfile\`), created once per size by the action. Then, interleaved: the committed bundle through the runner-contract harness in \`create\` mode finding nothing to change, against bare \`terraform init\` + \`terraform plan\` in the same folder (what a workflow without the action runs); and the action in \`plan\` mode on a pull request with a variable that changes every resource (plan, show, the JSON plan read and summarised, the comment posted to a local GitHub API), against bare \`terraform init\` + \`terraform plan\` with the same variable.`

function backendSettings(endpoint: string, key: string): Record<string, string> {
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

/** What the action's Terraform commands took, and what came after the last one: parsing, summary, comment, outputs. */
function split(times: readonly CommandTime[], exitedAt: number) {
  const lastEnd = Math.max(...times.map((time) => time.endMs))
  const perCommand = new Map<string, number>()
  for (const time of times) perCommand.set(time.command, (perCommand.get(time.command) ?? 0) + time.endMs - time.startMs)
  return { terraformMs: busyMs(times), afterMs: exitedAt - lastEnd, commands: times.map((time) => time.command), perCommand }
}

export function tfApplyToggleSuite(sizes: readonly number[] = TF_SIZES): Suite {
  return {
    id: ID,
    title: TITLE,
    async run(context): Promise<SuiteResult> {
      if (!actionMerged('tf-apply-toggle')) return notMeasured(ID, TITLE, method(sizes), NOT_MERGED)
      const moto = await startMoto()
      let api: FakeGitHubApi | undefined
      try {
        api = await startFakeGitHubApi()
        // moto takes an unsigned CreateBucket.
        const created = await fetch(`${moto.endpoint}/${BUCKET}`, { method: 'PUT' })
        if (!created.ok) throw new Error(`CreateBucket on moto: HTTP ${created.status}`)
        const github = api
        return await withScratch('bench-terraform-', async (root) => {
          const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' }
          const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...credentials }
          // Both the action and bare Terraform run through the same timing stand-in, so its cost (a bash start) is on both sides.
          const shims = await mkdtemp(join(root, 'shims-'))
          const terraform = await timedCommand(shims, 'terraform', onPath('terraform'))
          const eventDir = join(root, 'event')
          await mkdir(eventDir)
          const eventPath = join(eventDir, 'event.json')
          await writeFile(
            eventPath,
            JSON.stringify({ action: 'synchronize', number: PULL_REQUEST, pull_request: { number: PULL_REQUEST } }),
          )
          const samples = new SampleSet()
          const comments: { size: number; length: number; cut: boolean }[] = []
          const commandLists = new Map<string, string>()

          for (const size of sizes) {
            const workspace = join(root, `workspace-${size}`)
            const infra = join(workspace, 'infra')
            await mkdir(workspace)
            await cp(join(repoRoot, 'bench/fixtures/terraform'), infra, { recursive: true })
            await writeFile(join(infra, 'size.auto.tfvars'), `size = ${size}\n`)
            const settings = backendSettings(moto.endpoint, `curve-${size}/terraform.tfstate`)
            const backendFile = join(workspace, 'backend.tfbackend')
            await writeFile(
              backendFile,
              Object.entries(settings)
                .map(([key, value]) => `${key} = ${value.startsWith('{') ? value : JSON.stringify(value)}`)
                .join('\n'),
            )
            const action = async (mode: 'create' | 'plan', extra: Record<string, string> = {}, extraEnv: Record<string, string> = {}) => {
              await terraform.clear()
              let exitedAt = 0
              const measured = await runMetered('tf-apply-toggle', {
                cwd: workspace,
                inputs: {
                  mode,
                  'working-directory': 'infra',
                  terraform: terraform.path,
                  'backend-config': Object.entries(settings)
                    .map(([key, value]) => `${key}=${value}`)
                    .join('\n'),
                  ...extra,
                },
                env: { ...credentials, ...extraEnv },
                timeoutMs: 900_000,
                control: (child) => child.once('exit', () => (exitedAt = Date.now())),
              })
              return { measured, ...split(await terraform.read(), exitedAt) }
            }
            const bare = async (args: string[], ok: number) => {
              const init = await measureCommand(terraform.path, ['init', '-input=false', `-backend-config=${backendFile}`], {
                cwd: infra,
                env,
              })
              if (init.exitCode !== 0) throw new Error(`bare terraform init exited ${init.exitCode}: ${init.stderr.slice(-400)}`)
              samples.add(`${size} bare ${ok === 0 ? 'no-change' : 'changing'} init`, init.wallMs / 1000)
              const plan = await measureCommand(
                terraform.path,
                ['plan', '-input=false', '-lock-timeout=5m', '-detailed-exitcode', ...args],
                {
                  cwd: infra,
                  env,
                  timeoutMs: 900_000,
                },
              )
              if (plan.exitCode !== ok)
                throw new Error(`bare terraform plan exited ${plan.exitCode}, expected ${ok}: ${plan.stderr.slice(-400)}`)
              samples.add(`${size} bare ${ok === 0 ? 'no-change' : 'changing'} plan`, plan.wallMs / 1000)
              return { wallMs: init.wallMs + plan.wallMs, peakRssMiB: Math.max(init.peakRssMiB, plan.peakRssMiB) }
            }

            context.log(`tf-apply-toggle: ${size} resources: creating the state`)
            const first = await action('create')
            if (first.measured.run.exitCode !== 0 || first.measured.run.outputs.changes !== 'true') {
              throw new Error(`the first create of ${size} resources did not apply: ${outcome(first.measured.run)}`)
            }
            context.log(`tf-apply-toggle: ${size} resources: ${context.slowRuns} interleaved iterations`)
            await interleave(context.slowRuns, {
              'no-change action': async () => {
                const run = await action('create')
                if (run.measured.run.exitCode !== 0 || run.measured.run.outputs.changes !== 'false') {
                  throw new Error(`the no-change run at ${size} did not end with changes=false: ${outcome(run.measured.run)}`)
                }
                commandLists.set('no-change', run.commands.join(', '))
                for (const [command, ms] of run.perCommand) samples.add(`${size} no-change ${command}`, ms / 1000)
                samples.add(`${size} no-change wall`, run.measured.wallMs / 1000)
                samples.add(`${size} no-change rss`, run.measured.peakRssMiB)
                samples.add(`${size} no-change own`, (run.measured.wallMs - run.terraformMs) / 1000)
                return run.measured.wallMs
              },
              'no-change bare': async () => {
                // Exit 0 with -detailed-exitcode: the plan found nothing to change.
                const run = await bare([], 0)
                samples.add(`${size} bare wall`, run.wallMs / 1000)
                samples.add(`${size} bare rss`, run.peakRssMiB)
                return run.wallMs
              },
              'changing action': async () => {
                const run = await action(
                  'plan',
                  { variables: 'revision=1', 'github-token': TOKEN },
                  { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_API_URL: github.url },
                )
                const { outputs } = run.measured.run
                if (run.measured.run.exitCode !== 0 || outputs.changes !== 'true' || outputs['to-change'] !== String(size)) {
                  throw new Error(
                    `the all-changing plan at ${size} did not report ${size} to change: ${outcome(run.measured.run)}; to-change=${outputs['to-change']}`,
                  )
                }
                const body = github.comments.get(PULL_REQUEST)?.at(-1)?.body ?? ''
                if (!body) throw new Error(`the all-changing plan at ${size} posted no comment`)
                if (body.length > GITHUB_COMMENT_LIMIT)
                  throw new Error(`the comment at ${size} is ${body.length} characters, over GitHub's limit`)
                comments.push({ size, length: body.length, cut: body.includes('The plan was cut to fit') })
                commandLists.set('changing', run.commands.join(', '))
                samples.add(`${size} changing wall`, run.measured.wallMs / 1000)
                samples.add(`${size} changing rss`, run.measured.peakRssMiB)
                samples.add(`${size} changing own`, (run.measured.wallMs - run.terraformMs) / 1000)
                samples.add(`${size} changing after`, run.afterMs / 1000)
                return run.measured.wallMs
              },
              'changing bare': async () => {
                // Exit 2 with -detailed-exitcode: changes.
                const run = await bare(['-var', 'revision=1'], 2)
                samples.add(`${size} changing bare wall`, run.wallMs / 1000)
                samples.add(`${size} changing bare rss`, run.peakRssMiB)
                return run.wallMs
              },
            })
          }

          const at = (size: number, what: string) => samples.stat(`${size} ${what}`)
          const curve = (
            id: string,
            title: string,
            what: string,
            baseline: string | undefined,
            unit: 's' | 'MiB',
            subjectLabel: string,
          ): Curve => ({
            id,
            title,
            sizeLabel: 'resources',
            unit,
            subjectLabel,
            ...(baseline ? { baselineLabel: 'bare init + plan' } : {}),
            points: curvePoints(
              sizes.map((size) => ({ size, value: at(size, what), ...(baseline ? { baseline: at(size, baseline) } : {}) })),
            ),
          })
          const noChange = curve(
            'tf-no-change-wall',
            'tf-apply-toggle: no-change run, wall',
            'no-change wall',
            'bare wall',
            's',
            'action, no change',
          )
          const changing = curve(
            'tf-changing-wall',
            'tf-apply-toggle: all-changing plan, wall',
            'changing wall',
            'changing bare wall',
            's',
            'action, plan + comment',
          )
          const memory = curve(
            'tf-changing-rss',
            'tf-apply-toggle: all-changing plan, peak RSS',
            'changing rss',
            'changing bare rss',
            'MiB',
            'action, plan + comment',
          )
          const after = curve(
            'tf-after-terraform',
            "tf-apply-toggle: after Terraform's last command (JSON plan read, summary, comment)",
            'changing after',
            undefined,
            's',
            'action, all-changing plan',
          )
          const own = curve(
            'tf-own',
            'tf-apply-toggle: the action less its Terraform commands',
            'changing own',
            undefined,
            's',
            'all-changing plan',
          )
          const ownNoChange = curve(
            'tf-own-no-change',
            'tf-apply-toggle: the action less its Terraform commands, no change',
            'no-change own',
            undefined,
            's',
            'no-change run',
          )
          const rows: Row[] = noChange.points.map((point) =>
            compared(
              `${point.size.toLocaleString('en-US')} resources, no-change run: wall`,
              's',
              point.value,
              { label: 'bare terraform init + plan', value: point.baseline ?? point.value },
              {
                goal: GOAL,
                whyMissed: (() => {
                  const median = (what: string) => samples.stat(`${point.size} ${what}`).median
                  const commands = (commandLists.get('no-change') ?? '').split(', ').filter(Boolean)
                  const extra = commands.filter((command) => command !== 'init' && command !== 'plan')
                  return `the action runs ${commands.join(', ')} one after another where the bare workflow runs init and plan: ${extra.map((command) => `${command} ${median(`no-change ${command}`).toFixed(2)} s`).join(', ')}, its init and plan ${(median('no-change init') + median('no-change plan')).toFixed(2)} s against bare ${(median('bare no-change init') + median('bare no-change plan')).toFixed(2)} s, and ${median('no-change own').toFixed(2)} s of its own (Node, the backend file, reading the outputs)`
                })(),
              },
            ),
          )
          const top = largest(after)
          const lastComment = comments.filter((comment) => comment.size === largest(changing).size).at(-1)
          rows.push(
            {
              subject: `${top.size.toLocaleString('en-US')} resources, all-changing plan: after Terraform's last command (JSON plan read, summary, comment)`,
              unit: 's',
              value: top.value,
            },
            {
              subject: `${top.size.toLocaleString('en-US')} resources: PR comment length (GitHub's limit ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')})`,
              unit: 'characters',
              value: {
                n: 1,
                median: lastComment?.length ?? 0,
                min: lastComment?.length ?? 0,
                max: lastComment?.length ?? 0,
                samples: [lastComment?.length ?? 0],
              },
              note: lastComment?.cut ? 'cut to fit, with a notice' : 'whole plan',
              goal: {
                text: `≤ ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters`,
                on: 'value',
                limit: GITHUB_COMMENT_LIMIT,
                inclusive: true,
                met: (lastComment?.length ?? Number.POSITIVE_INFINITY) <= GITHUB_COMMENT_LIMIT,
              },
            },
          )
          return measuredSuite(
            { id: ID, title: TITLE, method: method(sizes) },
            {
              rows,
              curves: [noChange, changing, memory, after, own, ownNoChange],
              notes: [
                `${context.slowRuns} interleaved iterations at each size of: the action's no-change run, bare init + plan (exit 0), the action's all-changing plan, bare init + plan \`-var revision=1\` (exit 2). Every run was checked: changes=false, then changes=true with to-change equal to the size; each plan's comment was within GitHub's limit.`,
                `Commands the action ran (read from a timing stand-in given as its \`terraform\` input; bare Terraform ran through the same stand-in): no change: ${commandLists.get('no-change') ?? '?'}; all-changing plan: ${commandLists.get('changing') ?? '?'}.`,
                '"After Terraform\'s last command" is from the end of the action\'s last Terraform command (show -json) to its process\'s exit: reading the JSON plan, the summary, redacting and cutting the comment, posting it to the local GitHub API (test/bench/github-api.ts), the job summary and deleting the plan file. "The action less its Terraform commands" is its wall less the time its Terraform commands ran: Node\'s start, input parsing, the backend file, and the same work after Terraform.',
                `Where a no-change run's time goes, command by command (medians, s): ${sizes
                  .map((size) => {
                    const median = (what: string) => samples.stat(`${size} ${what}`).median.toFixed(3)
                    const action = (commandLists.get('no-change') ?? '')
                      .split(', ')
                      .filter(Boolean)
                      .map((command) => `${command} ${median(`no-change ${command}`)}`)
                      .join(', ')
                    return `${size.toLocaleString('en-US')} resources: the action's ${action}, the rest ${median('no-change own')}; bare init ${median('bare no-change init')}, plan ${median('bare no-change plan')}`
                  })
                  .join('; ')}.`,
                `PR comments: ${comments
                  .filter((comment, index, all) => all.findIndex((other) => other.size === comment.size) === index)
                  .map(
                    (comment) =>
                      `${comment.size.toLocaleString('en-US')} resources: ${comment.length.toLocaleString('en-US')} characters${comment.cut ? ', cut to fit with a notice' : ''}`,
                  )
                  .join('; ')}.`,
                "Peak RSS is the largest process of the run (the kernel reports the largest of the process and its children, here Terraform, not a sum). The plugin cache is not measured: the module uses only Terraform's built-in provider and no provider can be downloaded on this machine, so there is nothing for it to save here.",
              ],
            },
          )
        })
      } finally {
        await Promise.all([moto.stop(), api?.stop()])
      }
    },
  }
}

export const tfApplyToggle = tfApplyToggleSuite()
