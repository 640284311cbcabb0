import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { type BuildxBuilder, setUpBuildx } from '../../test/bench/buildx'
import { startDocker } from '../../test/bench/docker'
import { BENCH_REGION, startMoto } from '../../test/bench/moto'
import { startRegistry } from '../../test/bench/registry'
import { busyMs, type CommandTime, onPath, timedCommand } from '../lib/command-log'
import { sizeCurve } from '../lib/curve'
import { formatStat } from '../lib/format'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { compared, measuredSuite, notMeasured, type Row, type SuiteResult } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, type Suite } from '../lib/suite'

export const IMAGE_COUNTS = [1, 4, 8]
const ID = 'ecr-build-push'
const TITLE = 'ecr-build-push: 1, 4 and 8 images built in parallel against the same bare buildx builds, and the unchanged rerun'
const RERUN_GOAL = { text: '≤ 0.10 × the first run', on: 'ratio', limit: 0.1, inclusive: true } as const
const GOAL = { text: '≤ 1.10 × the bare buildx builds', on: 'ratio', limit: 1.1, inclusive: true } as const

const method = (counts: readonly number[]) =>
  `What the pipeline's images matrix does, with ${counts.join(', ')} images: that many runs of the committed bundle (main and post steps, through the runner-contract harness) at once, each building and pushing its own image, against the same number of bare legs at once, each \`docker login --password-stdin\` with its own ECR token and \`docker buildx build --push\`. Both sides build on one BuildKit builder selected through buildx's remote driver (test/bench/buildx.ts: what docker/setup-buildx-action leaves a job), with moto as the ECR control plane, Debian's docker-registry as the registry (its htpasswd user is the one moto's token decodes to) and the bench's busybox base image pushed there for BuildKit to pull. Each image is the base image with a commit's source file and a layer of ${LAYER_MIB} MiB of random bytes its RUN step writes. Then the unchanged rerun: the same commit's runs again, at once, each finding its tag and skipping.`

/**
 * What each image's build writes: a layer of this many MiB of random bytes (which no compression shrinks), so a
 * build and its push do some real work, though far less than the pipeline's own Airflow image (a pip install of
 * minutes). With an empty layer the action's fixed cost would be read against a build of a fraction of a second.
 */
export const LAYER_MIB = 16

/** One image's build folder: a Dockerfile whose COPY and RUN layers change with each commit. */
async function imageContext(root: string, index: number, baseImage: string): Promise<string> {
  const dir = join(root, `image-${index}`)
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, 'Dockerfile'),
    `FROM ${baseImage}\nCOPY app.txt /app.txt\nRUN cat /app.txt > /built.txt && dd if=/dev/urandom of=/payload bs=1M count=${LAYER_MIB} 2>/dev/null\n`,
  )
  return dir
}

/** A matrix leg's own runner: its own Docker config (buildx and the builder as setup-buildx-action leaves them) and its own timed docker. */
interface Leg {
  index: number
  context: string
  dockerConfig: string
  docker: Awaited<ReturnType<typeof timedCommand>>
  path: string
}

async function makeLeg(root: string, index: number, buildx: BuildxBuilder): Promise<Leg> {
  const context = await imageContext(root, index, buildx.baseImage)
  const dockerConfig = join(root, `leg-${index}-docker-config`)
  await cp(buildx.dockerConfig, dockerConfig, { recursive: true, verbatimSymlinks: true })
  // docker on PATH through a timing stand-in, for the action and the bare commands alike: what the action adds besides docker's own work.
  const shims = await mkdtemp(join(root, `leg-${index}-shims-`))
  const docker = await timedCommand(shims, 'docker', onPath('docker'))
  return { index, context, dockerConfig, docker, path: `${shims}:${process.env.PATH ?? ''}` }
}

const plural = (count: number) => `${count} image${count === 1 ? '' : 's'}`
/** Seconds the commands whose arguments start so (`buildx build`, not `buildx version`) ran. */
const seconds = (times: readonly CommandTime[], args: string) =>
  times.filter((time) => time.args.startsWith(args)).reduce((sum, time) => sum + time.endMs - time.startMs, 0) / 1000

/** Legs run at once: the matrix waits for the slowest (seconds), and their peaks add up (an upper bound of what they held together). */
const slowest = (legs: readonly { wallMs: number }[]) => Math.max(...legs.map((leg) => leg.wallMs)) / 1000
const summedPeak = (legs: readonly { peakRssMiB: number }[]) => legs.reduce((sum, leg) => sum + leg.peakRssMiB, 0)

export function ecrBuildPushSuite(counts: readonly number[] = IMAGE_COUNTS): Suite {
  return {
    id: ID,
    title: TITLE,
    async run(context): Promise<SuiteResult> {
      if (!actionMerged('ecr-build-push')) return notMeasured(ID, TITLE, method(counts), NOT_MERGED)
      const [moto, engine] = await Promise.all([startMoto(), startDocker()])
      const ecr = new ECRClient({
        region: BENCH_REGION,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      })
      const token = async () => {
        const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
        const [username = '', password = ''] = Buffer.from(data?.authorizationToken ?? '', 'base64')
          .toString('utf8')
          .split(':')
        return { username, password }
      }
      const registry = await startRegistry(await token())
      let buildx: BuildxBuilder | undefined
      try {
        const builder = await setUpBuildx(engine, { host: registry.host, ...(await token()) })
        buildx = builder
        return await withScratch('bench-ecr-', async (root) => {
          const legs: Leg[] = []
          for (let index = 1; index <= Math.max(...counts); index++) legs.push(await makeLeg(root, index, builder))
          const samples = new SampleSet()
          const actionCommands = new Map<number, string>()

          // Each iteration is a new commit: new source in every image, so every build really builds (the base image
          // stays in BuildKit's cache, as on a runner whose builder pulled it once).
          let commit = 0
          const newCommit = async (used: readonly Leg[]) => {
            commit++
            for (const leg of used) await writeFile(join(leg.context, 'app.txt'), `image ${leg.index}, commit ${commit} at ${Date.now()}\n`)
            return commit.toString(16).padStart(40, '0')
          }
          const runLeg = (leg: Leg, sha: string) =>
            runMetered('ecr-build-push', {
              cwd: leg.context,
              post: true,
              timeoutMs: 600_000,
              env: { ...moto.env, ...engine.env, PATH: leg.path, GITHUB_SHA: sha, DOCKER_CONFIG: leg.dockerConfig },
              inputs: { repository: `bench/image-${leg.index}`, registry: registry.url },
            })

          // Not measured: every leg's first run ever, which creates its ECR repository and has BuildKit pull the base
          // image once; a pipeline pays both once per repository and builder, not per commit.
          context.log(`${ID}: warming up (${plural(legs.length)}: repositories created, base image pulled)`)
          const warmUp = await newCommit(legs)
          for (const [index, run] of (await Promise.all(legs.map((leg) => runLeg(leg, warmUp)))).entries()) {
            if (run.run.exitCode !== 0) throw new Error(`image ${index + 1}: the warm-up run failed: ${outcome(run.run)}`)
          }

          for (const count of counts) {
            const used = legs.slice(0, count)
            context.log(`${ID}: ${plural(count)} at once`)
            await interleave(context.slowRuns, {
              'first then rerun': async () => {
                const sha = await newCommit(used)
                await Promise.all(used.map((leg) => leg.docker.clear()))
                const first = await Promise.all(used.map((leg) => runLeg(leg, sha)))
                for (const [index, run] of first.entries()) {
                  if (run.run.exitCode !== 0 || run.run.outputs.skipped !== 'false')
                    throw new Error(`image ${index + 1} of ${count}: the first run did not build and push: ${outcome(run.run)}`)
                }
                const times = await Promise.all(used.map((leg) => leg.docker.read()))
                actionCommands.set(count, (times[0] ?? []).map((time) => `docker ${time.args.split(' ').slice(0, 2).join(' ')}`).join(', '))
                samples.add(`${count} action build`, Math.max(...times.map((leg) => seconds(leg, 'buildx build'))))
                // Each leg's wall less its own docker commands; the slowest leg is what the matrix waits for.
                samples.add(`${count} first own`, Math.max(...first.map((run, index) => (run.wallMs - busyMs(times[index] ?? [])) / 1000)))
                const rerun = await Promise.all(used.map((leg) => runLeg(leg, sha)))
                for (const [index, run] of rerun.entries()) {
                  if (run.run.exitCode !== 0 || run.run.outputs.skipped !== 'true')
                    throw new Error(`image ${index + 1} of ${count}: the rerun was not skipped: ${outcome(run.run)}`)
                }
                samples.add(`${count} first wall`, slowest(first))
                samples.add(`${count} rerun wall`, slowest(rerun))
                samples.add(`${count} first rss`, summedPeak(first))
                return slowest(first)
              },
              bare: async () => {
                const sha = await newCommit(used)
                const results = await Promise.all(
                  used.map(async (leg) => {
                    const credentials = await token()
                    const dockerConfig = await mkdtemp(join(root, `bare-${leg.index}-`))
                    await cp(builder.dockerConfig, dockerConfig, { recursive: true, verbatimSymlinks: true })
                    const env = { PATH: process.env.PATH ?? '', HOME: root, ...engine.env, DOCKER_CONFIG: dockerConfig }
                    const image = `${registry.host}/bench/image-${leg.index}:${sha}`
                    let wallMs = 0
                    let buildMs = 0
                    let peak = 0
                    for (const [args, input] of [
                      [['login', '--username', credentials.username, '--password-stdin', registry.host], credentials.password],
                      [['buildx', 'build', '--push', '--tag', image, '.'], ''],
                    ] as const) {
                      const measured = await measureCommand(leg.docker.path, [...args], {
                        cwd: leg.context,
                        env,
                        input,
                        timeoutMs: 600_000,
                      })
                      if (measured.exitCode !== 0)
                        throw new Error(
                          `bare docker ${args[0]} of image ${leg.index} exited ${measured.exitCode}: ${measured.stderr.slice(-400)}`,
                        )
                      wallMs += measured.wallMs
                      if (args[0] === 'buildx') buildMs = measured.wallMs
                      peak = Math.max(peak, measured.peakRssMiB)
                    }
                    return { wallMs, peakRssMiB: peak, buildMs }
                  }),
                )
                samples.add(`${count} bare wall`, slowest(results))
                samples.add(`${count} bare build`, Math.max(...results.map((result) => result.buildMs)) / 1000)
                samples.add(`${count} bare rss`, summedPeak(results))
                return slowest(results)
              },
            })
          }

          const at = (what: string) => (count: number) => samples.stat(`${count} ${what}`)
          const curve = (id: string, title: string, unit: 's' | 'MiB', subjectLabel: string, baselineLabel?: string) => ({
            id: `ecr-${id}`,
            title: `ecr-build-push: ${title}`,
            sizeLabel: 'images',
            unit,
            subjectLabel,
            ...(baselineLabel ? { baselineLabel } : {}),
          })
          const wall = sizeCurve(
            curve(
              'wall',
              'images built and pushed at once, wall of the slowest',
              's',
              'action runs at once',
              'bare login + buildx build --push at once',
            ),
            counts,
            at('first wall'),
            at('bare wall'),
          )
          const rerun = sizeCurve(
            curve('rerun', 'the unchanged rerun (skipped), wall of the slowest', 's', 'rerun', 'first run (build and push)'),
            counts,
            at('rerun wall'),
            at('first wall'),
          )
          const memory = sizeCurve(
            curve('rss', 'peak RSS, summed over the runs at once', 'MiB', 'action runs', 'bare legs'),
            counts,
            at('first rss'),
            at('bare rss'),
          )
          const own = sizeCurve(
            curve('own', 'the action less its docker commands (slowest leg)', 's', 'action less docker'),
            counts,
            at('first own'),
          )
          const rows: Row[] = [
            ...wall.points.map((point) =>
              compared(
                `${plural(point.size)} at once, first run (build and push): wall`,
                's',
                point.value,
                { label: 'the same number of bare docker login + buildx build --push at once', value: point.baseline ?? point.value },
                {
                  goal: GOAL,
                  whyMissed: `where the time goes: the slowest leg's buildx build took ${formatStat(at('action build')(point.size), 's')} in the action against ${formatStat(at('bare build')(point.size), 's')} bare (the action adds its OCI labels and reads the digest back from a metadata file); the action's own work (ECR calls, the registry's tag check, Node's start, the post step): ${formatStat(at('first own')(point.size), 's')} in the slowest leg${point.size > 1 ? `, against ${formatStat(at('first own')(counts[0] ?? point.size), 's')} with ${plural(counts[0] ?? 1)}: here every leg's Node processes share the bench's ${availableParallelism()} cores, where each leg of a GitHub matrix has a runner of its own` : ''}`,
                },
              ),
            ),
            ...rerun.points.map((point) =>
              compared(
                `${plural(point.size)} at once, unchanged rerun (skipped): wall`,
                's',
                point.value,
                { label: 'first run (build and push)', value: point.baseline ?? point.value },
                {
                  goal: RERUN_GOAL,
                  whyMissed:
                    "the rerun still starts Node, asks ECR for a token and the registry for each tag; the bench's image builds in seconds, so the first run it is read against is short (the pipeline's Airflow image takes minutes, against which the same rerun is a far smaller share)",
                },
              ),
            ),
            ...memory.points.map((point) =>
              compared(`${plural(point.size)} at once: peak RSS, summed over the runs`, 'MiB', point.value, {
                label: "bare legs (each leg's largest command, summed)",
                value: point.baseline ?? point.value,
              }),
            ),
          ]
          return measuredSuite(
            { id: ID, title: TITLE, method: method(counts) },
            {
              rows,
              curves: [wall, rerun, memory, own],
              notes: [
                `${context.slowRuns} interleaved iterations at each count of: a new commit (a new source file in every image, a new GITHUB_SHA) run by the action in every leg at once, the first run building and pushing (each repository is created by its first run), then the same commit again in every leg at once, finding its tag in the registry and skipping; and another new commit built and pushed by the bare legs at once. The wall of a count is that of its slowest leg (what the matrix waits for); an action leg's wall is its main plus post step. Every run was checked: skipped=false, then skipped=true; every bare command exited 0. Before the measured runs, every leg ran the action once unmeasured: it created the leg's ECR repository and had BuildKit pull the base image, which a pipeline pays once per repository and builder, not per commit.`,
                `Docker commands one leg of the action ran on a first run (read from a timing stand-in of docker on the leg's PATH; the bare commands ran through the same stand-in): ${counts.map((count) => `${count}: ${actionCommands.get(count) ?? '?'}`).join('; ')}. The action finds buildx in the leg's Docker config, with the BuildKit builder selected, and builds with \`docker buildx build … --output type=image,push=true\`; the bare leg runs \`docker buildx build --push --tag\`.`,
                "Each bare leg's ECR token is fetched before its clock starts (a workflow without the action fetches it with amazon-ecr-login or `aws ecr get-login-password`, a process of its own), so the baseline is stricter than a real workflow; the action's wall includes its GetAuthorizationToken call.",
                "Peak RSS is GNU time's largest process of each run (the Node of the action or a docker CLI it started), summed over the runs at once: an upper bound of what they held together. BuildKit, which does the building for both sides, is a shared daemon outside either and is not in these figures.",
              ],
            },
          )
        })
      } finally {
        await buildx?.stop()
        await Promise.all([registry.stop(), engine.stop(), moto.stop()])
      }
    },
  }
}

export const ecrBuildPush = ecrBuildPushSuite()
