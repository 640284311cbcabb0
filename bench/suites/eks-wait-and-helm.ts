import { cp, mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type ControlPlane, startControlPlane } from '../../test/bench/control-plane'
import { makeEksToken } from '../../test/bench/eks-token'
import { type FaultProxy, startFaultProxy } from '../../test/bench/fault-proxy'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from '../../test/bench/moto'
import { busyMs, timedCommand } from '../lib/command-log'
import { sizeCurve } from '../lib/curve'
import { outcome, runMetered, withScratch } from '../lib/metered-action'
import { measureCommand } from '../lib/resource-meter'
import { compared, measuredSuite, notMeasured, type Row, type SuiteResult } from '../lib/results'
import { interleave, SampleSet } from '../lib/stats'
import { actionMerged, NOT_MERGED, repoRoot, type Suite } from '../lib/suite'

export const RELEASE_COUNTS = [1, 5, 20]
const ID = 'eks-wait-and-helm'
const TITLE = 'eks-wait-and-helm: deploying 1, 5 and 20 releases on a real control plane, against the same helm commands bare'
const CLUSTER = 'bench'
const CHART = join(repoRoot, 'test/fixtures/charts/eks-demo')
const CI_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/bench-deploy`
const GOAL = { text: '≤ 1.10 × the bare helm commands', on: 'ratio', limit: 1.1, inclusive: true } as const
// The action's per-release default timeout (10m), as helm gets it.
const TIMEOUT = '600s'

const method = (counts: readonly number[]) =>
  `The committed bundle through the runner-contract harness in \`deploy\` mode, deploying ${counts.join(', ')} releases of a local chart (test/fixtures/charts/eks-demo: a ConfigMap and a Deployment kwok makes Ready) on the bench's Kubernetes control plane (test/bench/control-plane.ts: etcd, kube-apiserver, scheduler, controller manager, kwok), DescribeCluster answered with that API server through the fault proxy in front of moto, the CI role's EKS token checked by the bench's token webhook; against the same \`helm upgrade --install … --create-namespace --timeout ${TIMEOUT} --wait --atomic\` commands run bare, one after another, with an EKS token of the same role in a kubeconfig.`

async function assumeRole(moto: Moto): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: CI_ROLE, RoleSessionName: 'gha-4242' }).toString(),
  })
  const xml = await response.text()
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? ''
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') }
}

function describeClusterAnswer(plane: ControlPlane) {
  return {
    type: 'respond' as const,
    status: 200,
    body: {
      cluster: {
        name: CLUSTER,
        arn: `arn:aws:eks:${BENCH_REGION}:${MOTO_ACCOUNT}:cluster/${CLUSTER}`,
        status: 'ACTIVE',
        version: '1.36',
        endpoint: plane.server,
        certificateAuthority: { data: plane.caData },
        accessConfig: { authenticationMode: 'API' },
      },
    },
  }
}

export function eksWaitAndHelmSuite(counts: readonly number[] = RELEASE_COUNTS): Suite {
  return {
    id: ID,
    title: TITLE,
    async run(context): Promise<SuiteResult> {
      if (!actionMerged('eks-wait-and-helm')) return notMeasured(ID, TITLE, method(counts), NOT_MERGED)
      const moto = await startMoto()
      let proxy: FaultProxy | undefined
      let plane: ControlPlane | undefined
      try {
        proxy = await startFaultProxy(moto.endpoint)
        const started = Date.now()
        plane = await startControlPlane({ stsEndpoint: moto.endpoint, clusterName: CLUSTER })
        const startupS = (Date.now() - started) / 1000
        const cluster = plane
        const fault = proxy
        cluster.setAccess(CI_ROLE, { groups: ['system:masters'] })
        fault.inject({ match: `GET /clusters/${CLUSTER}`, times: 1_000_000, fault: describeClusterAnswer(cluster) })
        const role = await assumeRole(moto)
        return await withScratch('bench-helm-', async (root) => {
          // The action deploys only charts inside its workspace (the scratch folder): the chart is copied there,
          // and the bare commands install the same copy.
          const chart = join(root, 'eks-demo')
          await cp(CHART, chart, { recursive: true })
          // helm on PATH through a timing stand-in: the action finds it there (helm-version empty), bare runs call it too.
          const shims = await mkdtemp(join(root, 'shims-'))
          const helm = await timedCommand(shims, 'helm', toolPaths().helm)
          const helmHome = join(root, 'helm-home')
          await mkdir(helmHome)
          const path = `${shims}:${process.env.PATH ?? ''}`
          const samples = new SampleSet()
          // kwok's node takes 110 pods, as a kubelet does: each run's namespace goes once measured (not timed), or
          // the releases of later runs could not be scheduled and would wait until their timeout.
          const removeNamespace = async (namespace: string) => {
            const response = await cluster.request(`/api/v1/namespaces/${namespace}`, { method: 'DELETE' })
            if (response.status !== 200 && response.status !== 202)
              throw new Error(`deleting namespace ${namespace}: HTTP ${response.status} ${response.text.slice(0, 200)}`)
            const deadline = Date.now() + 120_000
            while ((await cluster.request(`/api/v1/namespaces/${namespace}`)).status !== 404) {
              if (Date.now() > deadline) throw new Error(`namespace ${namespace} was not gone after 2 minutes`)
              await new Promise((resolve) => setTimeout(resolve, 250))
            }
          }
          const actionCommands = new Map<number, string>()
          for (const count of counts) {
            let iteration = 0
            context.log(`eks-wait-and-helm: ${count} releases, ${context.slowRuns} interleaved runs of the action and the bare commands`)
            await interleave(context.slowRuns, {
              action: async () => {
                iteration++
                const namespace = `a-${count}-${iteration}`
                const releases = Array.from(
                  { length: count },
                  (_, index) => `- name: r${index}\n  chart: ./eks-demo\n  namespace: ${namespace}`,
                ).join('\n')
                await helm.clear()
                const measured = await runMetered('eks-wait-and-helm', {
                  cwd: root,
                  inputs: { 'cluster-name': CLUSTER, nodegroups: 'none', releases },
                  env: {
                    ...moto.env,
                    PATH: path,
                    AWS_ENDPOINT_URL: fault.endpoint,
                    AWS_ENDPOINT_URL_STS: moto.endpoint,
                    AWS_ACCESS_KEY_ID: role.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
                    AWS_SESSION_TOKEN: role.sessionToken,
                    AWS_REGION: BENCH_REGION,
                    PIPELINE_ACTIONS_TOOL_CACHE: toolPaths().root,
                  },
                  timeoutMs: 1_800_000,
                })
                const handled = measured.run.outputs.releases ? (JSON.parse(measured.run.outputs.releases) as { status: string }[]) : []
                if (measured.run.exitCode !== 0 || handled.length !== count || handled.some((release) => release.status !== 'deployed')) {
                  throw new Error(
                    `the action did not deploy ${count} releases: ${outcome(measured.run)}; releases ${measured.run.outputs.releases}`,
                  )
                }
                const times = await helm.read()
                actionCommands.set(
                  count,
                  [...new Set(times.map((time) => time.command))]
                    .map((command) => `${command} ×${times.filter((time) => time.command === command).length}`)
                    .join(', '),
                )
                await removeNamespace(namespace)
                samples.add(`${count} action wall`, measured.wallMs / 1000)
                samples.add(`${count} action rss`, measured.peakRssMiB)
                samples.add(`${count} action own`, (measured.wallMs - busyMs(times)) / 1000)
                return measured.wallMs
              },
              bare: async () => {
                const namespace = `b-${count}-${iteration}`
                // A fresh token per run, as `aws eks get-token` gives; it lives 15 minutes, longer than any run here.
                const token = await makeEksToken({
                  stsEndpoint: moto.endpoint,
                  clusterName: CLUSTER,
                  region: BENCH_REGION,
                  credentials: role,
                })
                const kubeconfig = await cluster.tokenKubeconfig(token)
                const env = {
                  PATH: path,
                  HOME: helmHome,
                  HELM_CACHE_HOME: join(helmHome, 'cache'),
                  HELM_CONFIG_HOME: join(helmHome, 'config'),
                  HELM_DATA_HOME: join(helmHome, 'data'),
                }
                let wallMs = 0
                let peak = 0
                for (let index = 0; index < count; index++) {
                  const args = [
                    'upgrade',
                    '--install',
                    `r${index}`,
                    chart,
                    '--namespace',
                    namespace,
                    '--create-namespace',
                    '--timeout',
                    TIMEOUT,
                    '--wait',
                    '--atomic',
                  ]
                  const measured = await measureCommand(helm.path, [...args, '--kubeconfig', kubeconfig], {
                    cwd: root,
                    env,
                    timeoutMs: 900_000,
                  })
                  if (measured.exitCode !== 0 || !measured.stdout.includes('STATUS: deployed')) {
                    throw new Error(`bare helm upgrade --install r${index} exited ${measured.exitCode}: ${measured.stderr.slice(-400)}`)
                  }
                  wallMs += measured.wallMs
                  peak = Math.max(peak, measured.peakRssMiB)
                }
                await removeNamespace(namespace)
                samples.add(`${count} bare wall`, wallMs / 1000)
                samples.add(`${count} bare rss`, peak)
                return wallMs
              },
            })
          }

          const at = (count: number, what: string) => samples.stat(`${count} ${what}`)
          const meta = { sizeLabel: 'releases', unit: 's' } as const
          const wall = sizeCurve(
            {
              ...meta,
              id: 'helm-wall',
              title: 'eks-wait-and-helm: deploying releases, wall',
              subjectLabel: 'action (wait, reach, deploy)',
              baselineLabel: 'bare helm commands',
            },
            counts,
            (count) => at(count, 'action wall'),
            (count) => at(count, 'bare wall'),
          )
          const own = sizeCurve(
            { ...meta, id: 'helm-own', title: 'eks-wait-and-helm: the action less its helm commands', subjectLabel: 'action less helm' },
            counts,
            (count) => at(count, 'action own'),
          )
          const rows: Row[] = wall.points.map((point) =>
            compared(
              `${point.size} release${point.size === 1 ? '' : 's'}: wall`,
              's',
              point.value,
              { label: 'the same helm upgrade --install --wait commands, bare', value: point.baseline ?? point.value },
              {
                goal: GOAL,
                whyMissed: `besides the upgrades the action checks the cluster (DescribeCluster, /readyz with the role's token), runs \`helm version\`, renders each chart before anything is deployed (\`helm template\`) and lists the namespace's releases before and after the deploys (\`helm list\`), and every helm call starts its token plugin; helm calls per run at ${point.size}: ${actionCommands.get(point.size) ?? '?'}`,
              },
            ),
          )
          for (const count of counts) {
            rows.push(
              compared(`${count} release${count === 1 ? '' : 's'}: peak RSS`, 'MiB', at(count, 'action rss'), {
                label: 'bare helm (largest command)',
                value: at(count, 'bare rss'),
              }),
            )
          }
          return measuredSuite(
            { id: ID, title: TITLE, method: method(counts) },
            {
              rows,
              curves: [wall, own],
              notes: [
                `${context.slowRuns} interleaved iterations at each count; each run installs its releases into a namespace of its own, so every release is a first install that waits until its Deployment is Ready. Every run was checked: the action's releases output lists every release deployed; every bare command printed STATUS: deployed.`,
                `Helm calls the action made (read from a timing stand-in of helm on PATH, which the action uses when helm-version is empty; the bare commands ran through the same stand-in): ${counts.map((count) => `${count}: ${actionCommands.get(count) ?? '?'}`).join('; ')}. "The action less its helm commands" is its wall less the time helm ran: Node's start, DescribeCluster, the API server check, the kubeconfig, values files and the summary.`,
                "The bare commands present a ready-made EKS token in their kubeconfig; the action's kubeconfig runs its token plugin (a Node process) on each helm call, as one written by `aws eks update-kubeconfig` runs `aws eks get-token` (a Python process). So the baseline is stricter than a real workflow without the action.",
                "Helm 3 checks readiness every 2 s while it waits, so each release's wait, bare or not, ends on a 2 s step: with one release a run either catches the first check or waits a whole step more, which makes the ratio at 1 release coarse.",
                `Each run's namespace is deleted once it is measured (not timed): kwok's node takes 110 pods, as a kubelet does. The control plane started in ${startupS.toFixed(1)} s (not part of any figure). Peak RSS of the action is its largest process, which may be a helm it started.`,
              ],
            },
          )
        })
      } finally {
        await plane?.stop()
        await proxy?.stop()
        await moto.stop()
      }
    },
  }
}

export const eksWaitAndHelm = eksWaitAndHelmSuite()
