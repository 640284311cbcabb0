import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { writeDockerLogin } from '../../actions/ecr-build-push/src/docker-config'
import { exec } from '../../lib/exec'
import { startDocker } from '../../test/bench/docker'
import { BENCH_REGION, startMoto } from '../../test/bench/moto'
import { startRegistry } from '../../test/bench/registry'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { compared, notMeasured, type Row } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, type Suite } from '../lib/suite'

const ID = 'ecr-build-push'
const TITLE = 'ecr-build-push: unchanged rerun against the first run, and the login'
const METHOD =
  "The committed bundle (main and post steps) through the runner-contract harness, with moto as the ECR control plane, Debian's docker-registry as the registry (its htpasswd user is the one moto's token decodes to) and Debian's Docker engine building a small image from a locally imported base. The login: the action's Docker config writer against `docker login --password-stdin`, each after the same GetAuthorizationToken call."
const RERUN_GOAL = { text: '≤ 0.10 × the first run', on: 'ratio', limit: 0.1, inclusive: true } as const

export const ecrBuildPush: Suite = {
  id: ID,
  title: TITLE,
  async run(context) {
    if (!actionMerged('ecr-build-push')) return notMeasured(ID, TITLE, METHOD, NOT_MERGED)
    const [moto, docker] = await Promise.all([startMoto(), startDocker()])
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
    try {
      return await withScratch('bench-ecr-', async (root) => {
        const app = join(root, 'app')
        await mkdir(app)
        await writeFile(join(app, 'Dockerfile'), `FROM ${docker.baseImage}\nCOPY app.txt /app.txt\nRUN cat /app.txt > /built.txt\n`)
        const samples = new SampleSet()
        const noUserConfig = join(root, 'no-user-docker-config')
        const run = (sha: string) =>
          runMetered('ecr-build-push', {
            cwd: app,
            post: true,
            timeoutMs: 300_000,
            env: { ...moto.env, ...docker.env, GITHUB_SHA: sha, DOCKER_CONFIG: noUserConfig },
            inputs: { repository: 'bench/app', registry: registry.url },
          })
        // Each iteration is a new commit: new source, so the build really builds (the base image stays cached, as on a runner that has it).
        let commit = 0
        await interleave(context.slowRuns, {
          'first then rerun': async () => {
            commit++
            const sha = commit.toString(16).padStart(40, '0')
            await writeFile(join(app, 'app.txt'), `commit ${commit} at ${Date.now()}\n`)
            const first = await run(sha)
            if (first.run.exitCode !== 0 || first.run.outputs.skipped !== 'false')
              throw new Error(`the first run did not build and push: ${outcome(first.run)}`)
            const rerun = await run(sha)
            if (rerun.run.exitCode !== 0 || rerun.run.outputs.skipped !== 'true')
              throw new Error(`the rerun was not skipped: ${outcome(rerun.run)}`)
            samples.add('first wall', first.wallMs / 1000)
            samples.add('rerun wall', rerun.wallMs / 1000)
            samples.add('first rss', first.peakRssMiB)
            samples.add('rerun rss', rerun.peakRssMiB)
            return first.wallMs + rerun.wallMs
          },
        })

        context.log('ecr-build-push: measuring the login')
        const count = context.runs * 2 + 1
        await interleave(count, {
          'config file': async () => {
            const started = process.hrtime.bigint()
            const credentials = await token()
            await writeDockerLogin({ tempRoot: await mkdtemp(join(root, 'login-')), host: registry.host, credentials })
            const ms = Number(process.hrtime.bigint() - started) / 1e6
            samples.add('login ours', ms)
            return ms
          },
          'docker login': async () => {
            const started = process.hrtime.bigint()
            const credentials = await token()
            const config = await mkdtemp(join(root, 'docker-login-'))
            const result = await exec('docker', ['login', '--username', credentials.username, '--password-stdin', registry.host], {
              env: { ...process.env, ...docker.env, DOCKER_CONFIG: config },
              input: credentials.password,
              silent: true,
            })
            if (result.exitCode !== 0) throw new Error(`docker login failed: ${result.stderr.trim()}`)
            const ms = Number(process.hrtime.bigint() - started) / 1e6
            samples.add('login docker', ms)
            return ms
          },
        })

        const first = samples.stat('first wall')
        const rerun = samples.stat('rerun wall')
        const rows: Row[] = [
          compared(
            'unchanged rerun (skipped): wall',
            's',
            rerun,
            { label: 'first run (build and push)', value: first },
            { goal: RERUN_GOAL },
          ),
          compared('peak RSS, rerun', 'MiB', samples.stat('rerun rss'), { label: 'first run', value: samples.stat('first rss') }),
          compared(
            'login: token + Docker config written',
            'ms',
            samples.stat('login ours'),
            { label: 'token + `docker login --password-stdin`', value: samples.stat('login docker') },
            { quoted: 'amazon-ecr-login shells out to `docker login` (no figure quoted)' },
          ),
        ]
        return {
          id: ID,
          title: TITLE,
          method: METHOD,
          status: 'measured',
          rows,
          notes: [
            `${context.slowRuns} iterations of a new commit (new source file, new GITHUB_SHA) run twice: the first run builds and pushes (the repository is created in the first iteration only), the rerun of the same commit finds the tag in the registry and skips. Wall is main plus post step. Every run was checked: skipped=false, then skipped=true.`,
            `Login: ${count} interleaved iterations of each, timed in this process; both ask moto's ECR for a token the same way first.`,
          ],
        }
      })
    } finally {
      await Promise.all([registry.stop(), docker.stop(), moto.stop()])
    }
  },
}
