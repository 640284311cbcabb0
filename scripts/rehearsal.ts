// `npm run rehearsal`: the create/destroy pipeline on one machine. It runs the
// five committed bundles in the order .github/workflows/pipeline.yml runs
// them, with the same inputs, through the runner-contract harness, against
// the local bench: the OIDC token service, moto (STS, S3 state, ECR, EKS),
// Docker's engine, buildx on a BuildKit daemon and a registry, real Terraform on terraform/rehearsal, and a
// real Kubernetes control plane (kube-apiserver, etcd, scheduler, controller
// manager, kwok nodes) that authenticates the deployer role's EKS token.
// The EKS cluster appears in moto only some seconds after the wait starts:
// the first-run case the seed projects had to run their workflow twice for.
// moto's cluster record is given that API server's endpoint and CA on its way
// to the action, so the wait, the token and the Helm deploy are the real ones.

import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { CreateClusterCommand, DeleteClusterCommand, EKSClient } from '@aws-sdk/client-eks'
import { type BuildxBuilder, setUpBuildx } from '../test/bench/buildx'
import { type ControlPlane, startControlPlane } from '../test/bench/control-plane'
import { type DockerEngine, startDocker } from '../test/bench/docker'
import { type FaultProxy, startFaultProxy } from '../test/bench/fault-proxy'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from '../test/bench/moto'
import { type OidcIssuer, startOidcIssuer } from '../test/bench/oidc-issuer'
import { type Registry, startRegistry } from '../test/bench/registry'
import { backendConfig, createBucket } from '../test/bench/terraform-state'
import { type ActionRun, type RunOptions, repoRoot, runAction as runActionIn } from '../test/harness/runner'
import { toolPaths } from './toolchain.mjs'

const STATE_BUCKET = 'datapipe-rehearsal-tfstate'
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-rehearsal-deployer`
const IMAGE_REPOSITORY = 'datapipe/airflow'
/** terraform/rehearsal's cluster_name, passed explicitly so the API server can expect it in tokens. */
const CLUSTER_NAME = 'datapipe-rehearsal'
/**
 * The Airflow chart cannot be downloaded here, so the deploy is a small chart
 * that runs the image this rehearsal built, waited on until its pods are Ready.
 */
const RELEASE = { name: 'airflow', namespace: 'airflow', chart: 'charts/rehearsal-app', replicas: 2 }
/** How long after the wait starts the cluster comes into existence. */
const CLUSTER_APPEARS_AFTER_MS = 8_000

interface StepRecord {
  name: string
  seconds: number
  result: string
}

const records: StepRecord[] = []
const started = Date.now()

function log(line: string): void {
  const at = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  console.log(`[${at} s] ${line}`)
}

/** Runs one pipeline step, prints it with its time, and stops the rehearsal when it fails. */
async function step(name: string, body: () => Promise<string>): Promise<void> {
  log(`▶ ${name}`)
  const stepStarted = Date.now()
  try {
    const result = await body()
    const seconds = (Date.now() - stepStarted) / 1000
    records.push({ name, seconds, result })
    log(`✔ ${name} (${seconds.toFixed(1)} s): ${result}`)
  } catch (error) {
    records.push({ name, seconds: (Date.now() - stepStarted) / 1000, result: `FAILED: ${(error as Error).message}` })
    throw error
  }
}

/** The step's outputs, or an error carrying the action's own one-line failure. */
function succeeded(action: string, run: ActionRun): ActionRun {
  if (run.exitCode !== 0) {
    const located = run.annotations.find((annotation) => annotation.level === 'error' && annotation.file)
    const where = located ? ` (first: ${located.file}:${located.line ?? '-'} ${located.message})` : ''
    throw new Error(`${action} failed: ${run.failure ?? `exit code ${run.exitCode}`}${where}`)
  }
  return run
}

function printTable(): void {
  const width = Math.max(...records.map((record) => record.name.length), 4)
  console.log(`\n${'step'.padEnd(width)}  ${'time'.padStart(8)}  result`)
  console.log(`${'-'.repeat(width)}  --------  ------`)
  for (const record of records)
    console.log(`${record.name.padEnd(width)}  ${`${record.seconds.toFixed(1)} s`.padStart(8)}  ${record.result}`)
  console.log(`${'total'.padEnd(width)}  ${`${((Date.now() - started) / 1000).toFixed(1)} s`.padStart(8)}`)
}

/** What the pipeline's jobs check out: a fresh workspace per rehearsal, so no state of an earlier run is reused. */
const WORKSPACE_PARTS: Record<string, string> = {
  'terraform/rehearsal': 'terraform/rehearsal',
  images: 'images',
  dags: 'dags',
  '.dockerignore': '.dockerignore',
  'test/fixtures/manifests/valid': 'test/fixtures/manifests/valid',
  'test/fixtures/charts/bench-app': RELEASE.chart,
}

async function checkout(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'rehearsal-'))
  for (const [from, to] of Object.entries(WORKSPACE_PARTS)) await cp(join(repoRoot, from), join(workspace, to), { recursive: true })
  return workspace
}

interface Bench {
  workspace: string
  moto: Moto
  issuer: OidcIssuer
  docker: DockerEngine
  registry: Registry
  /** The EKS cluster's Kubernetes API; its access entries are empty until the cluster appears. */
  plane: ControlPlane
  /** EKS as the actions reach it: moto, with DescribeCluster answering the plane's endpoint and CA. */
  eks: FaultProxy
  /** The BuildKit builder the pipeline's "Set up Docker Buildx" step makes. */
  buildx: BuildxBuilder
}

async function startBench(): Promise<Bench> {
  const [moto, issuer, docker] = await Promise.all([startMoto(), startOidcIssuer(), startDocker()])
  const [plane, eks] = await Promise.all([
    startControlPlane({ stsEndpoint: moto.endpoint, clusterName: CLUSTER_NAME }),
    startFaultProxy(moto.endpoint),
  ])
  eks.inject({
    match: `GET /clusters/${CLUSTER_NAME}`,
    times: Number.POSITIVE_INFINITY,
    fault: {
      type: 'edit',
      edit: (body) => {
        const { cluster } = body as { cluster: Record<string, unknown> }
        return { cluster: { ...cluster, endpoint: plane.server, certificateAuthority: { data: plane.caData } } }
      },
    },
  })
  // The registry stands in for ECR's data plane and accepts exactly the login ECR's control plane hands out.
  const ecr = new ECRClient({
    region: BENCH_REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  })
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
  const [username = '', password = ''] = Buffer.from(token, 'base64').toString('utf8').split(':')
  const registry = await startRegistry({ username, password })
  await createBucket(moto.endpoint, STATE_BUCKET)
  const buildx = await setUpBuildx(docker, registry)
  return { workspace: await checkout(), moto, issuer, docker, registry, plane, eks, buildx }
}

async function rehearse(bench: Bench): Promise<void> {
  const { workspace, moto, issuer, docker, registry, plane, buildx } = bench
  const runAction = (action: string, options: RunOptions) => runActionIn(action, { ...options, cwd: workspace })
  // What every job of the pipeline sees: AWS reached through the standard endpoint variable.
  const awsEndpoint = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_EKS: bench.eks.endpoint,
    // The pinned tools setup installed, wherever that cache is; nothing is downloaded.
    PIPELINE_ACTIONS_TOOL_CACHE: toolPaths().root,
  }
  let credentials: Record<string, string> = {}
  const job = () => ({ ...awsEndpoint, ...credentials })

  await step('oidc-auth', async () => {
    const run = succeeded(
      'oidc-auth',
      await runAction('oidc-auth', {
        inputs: { 'role-to-assume': ROLE_ARN, 'aws-region': BENCH_REGION },
        env: { ...awsEndpoint, ...issuer.env },
      }),
    )
    credentials = run.exportedEnv
    return `assumed ${run.outputs['assumed-role-arn']}`
  })

  // The pipeline's image job: the repository's Airflow Dockerfile, on the bench's base image since nothing can be pulled,
  // with the registry build cache the pipeline turns on.
  const buildImage = () =>
    runAction('ecr-build-push', {
      inputs: {
        repository: IMAGE_REPOSITORY,
        registry: `http://${registry.host}`,
        context: '.',
        file: 'images/airflow/Dockerfile',
        'build-args': `BASE_IMAGE=${buildx.baseImage}`,
        cache: 'true',
      },
      env: { ...job(), ...docker.env, DOCKER_CONFIG: buildx.dockerConfig },
    })

  const terraformInputs = {
    'working-directory': 'terraform/rehearsal',
    'backend-config': backendConfig(moto.endpoint, 'rehearsal/terraform.tfstate', STATE_BUCKET),
    variables: `apply_seconds=2\ncluster_name=${CLUSTER_NAME}`,
  }
  let terraformOutputs: Record<string, string> = {}
  let imageRef = ''
  // The pipeline runs infrastructure and image in parallel jobs.
  await Promise.all([
    step('tf-apply-toggle create', async () => {
      const run = succeeded(
        'tf-apply-toggle',
        await runAction('tf-apply-toggle', { inputs: { mode: 'true', ...terraformInputs }, env: job() }),
      )
      terraformOutputs = run.outputs
      return `+${run.outputs['to-add']} ~${run.outputs['to-change']} -${run.outputs['to-destroy']}, cluster ${run.outputs.cluster_name}`
    }),
    step('ecr-build-push', async () => {
      const run = succeeded('ecr-build-push', await buildImage())
      imageRef = run.outputs['image-ref'] ?? ''
      const cache = await registry.manifest(`${IMAGE_REPOSITORY}-build-cache`, 'buildx')
      if (!cache) throw new Error('no registry build cache was exported')
      return `built with buildx and pushed ${imageRef}, cache in ${IMAGE_REPOSITORY}-build-cache`
    }),
  ])

  const clusterName = terraformOutputs.cluster_name ?? ''
  const eksInputs = { 'cluster-name': clusterName, 'aws-region': BENCH_REGION, nodegroups: 'none' }
  const releases = [
    `- name: ${RELEASE.name}`,
    `  chart: ${RELEASE.chart}`,
    `  namespace: ${RELEASE.namespace}`,
    '  timeout: 2m',
    '  values:',
    `    image: ${imageRef}`,
    `    replicas: ${RELEASE.replicas}`,
  ].join('\n')
  await step('eks-wait-and-helm deploy', async () => {
    // Terraform's EKS cluster takes minutes to appear; here it appears while the step is already
    // waiting, with the deployer role's access entry, as terraform/modules/eks creates them together.
    const appears = new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        eksClient(moto)
          .send(
            new CreateClusterCommand({
              name: clusterName,
              roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${clusterName}-cluster`,
              resourcesVpcConfig: { subnetIds: ['subnet-rehearsal-a', 'subnet-rehearsal-b'] },
            }),
          )
          .then(() => {
            plane.setAccess(ROLE_ARN, { groups: ['system:masters'] })
            log(`  (the cluster ${clusterName} now exists in moto, with an access entry for the deployer role)`)
            resolve()
          }, reject)
      }, CLUSTER_APPEARS_AFTER_MS),
    )
    const [run] = await Promise.all([runAction('eks-wait-and-helm', { inputs: { ...eksInputs, releases }, env: job() }), appears])
    succeeded('eks-wait-and-helm', run)
    const [deployed] = JSON.parse(run.outputs.releases ?? '[]') as { name: string; revision: number; status: string }[]
    const pods = await readyDeployment(plane, RELEASE.namespace, RELEASE.name, imageRef)
    return `cluster ACTIVE, release ${deployed?.name} revision ${deployed?.revision} ${deployed?.status}, ${pods} pods Ready running ${imageRef}`
  })

  await step('kubeconform-validate', async () => {
    // Offline: the Kubernetes schemas setup extracted from PyPI's kubernetes-validate, used before any download.
    const inputs = { paths: 'test/fixtures/manifests/valid', 'schema-dir': toolPaths().schemas }
    const run = succeeded('kubeconform-validate', await runAction('kubeconform-validate', { inputs, env: job() }))
    return `${run.outputs.valid} valid, ${run.outputs.invalid} invalid, ${run.outputs.errors} errors`
  })

  await step('ecr-build-push rerun (nothing changed)', async () => {
    const run = succeeded('ecr-build-push', await buildImage())
    if (run.outputs.skipped !== 'true') throw new Error('the unchanged image was rebuilt')
    return 'skipped: the tag already holds this commit'
  })

  // Destroy path: releases first (their load balancers must go before the cluster), then Terraform with confirmation.
  await step('eks-wait-and-helm uninstall', async () => {
    const run = succeeded(
      'eks-wait-and-helm',
      await runAction('eks-wait-and-helm', { inputs: { ...eksInputs, mode: 'uninstall', releases }, env: job() }),
    )
    const gone = await plane.request(`/apis/apps/v1/namespaces/${RELEASE.namespace}/deployments/${RELEASE.name}`)
    if (gone.status !== 404) throw new Error(`the release's Deployment is still there after uninstall (HTTP ${gone.status})`)
    const [removed] = JSON.parse(run.outputs.releases ?? '[]') as { name: string; status: string }[]
    return `release ${removed?.name} ${removed?.status}, its Deployment gone`
  })

  await step('tf-apply-toggle destroy (unconfirmed: refused)', async () => {
    const run = await runAction('tf-apply-toggle', { inputs: { mode: 'false', ...terraformInputs }, env: job() })
    if (run.exitCode === 0 || run.outputs['failure-reason'] !== 'destroy-not-confirmed') {
      throw new Error(`an unconfirmed destroy was not refused (exit ${run.exitCode}, ${run.outputs['failure-reason']})`)
    }
    return 'refused, nothing destroyed'
  })

  await step('tf-apply-toggle destroy', async () => {
    const run = succeeded(
      'tf-apply-toggle',
      await runAction('tf-apply-toggle', { inputs: { mode: 'false', 'confirm-destroy': 'default', ...terraformInputs }, env: job() }),
    )
    // The cluster is a Terraform resource in the real pipeline; moto's stands in for it and goes with it.
    await eksClient(moto).send(new DeleteClusterCommand({ name: clusterName }))
    return `-${run.outputs['to-destroy']} destroyed`
  })
}

function eksClient(moto: Moto): EKSClient {
  return new EKSClient({ region: BENCH_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })
}

/** Checks through the API server that the Deployment runs `image` with every replica Ready; returns how many. */
async function readyDeployment(plane: ControlPlane, namespace: string, name: string, image: string): Promise<number> {
  const response = await plane.request(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)
  const deployment = response.body as {
    spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } }
    status?: { readyReplicas?: number }
  }
  const running = deployment.spec?.template?.spec?.containers?.[0]?.image
  const ready = deployment.status?.readyReplicas ?? 0
  if (response.status !== 200 || running !== image || ready !== deployment.spec?.replicas) {
    throw new Error(
      `Deployment ${namespace}/${name}: HTTP ${response.status}, image ${running}, ${ready} of ${deployment.spec?.replicas} Ready`,
    )
  }
  return ready
}

async function main(): Promise<void> {
  log('rehearsal of the create/destroy pipeline')
  let bench: Bench | undefined
  let failed = false
  try {
    await step('start the local bench', async () => {
      bench = await startBench()
      return `moto ${bench.moto.endpoint}, registry ${bench.registry.host}, docker ${bench.docker.host}, Kubernetes ${bench.plane.server}`
    })
    if (bench) await rehearse(bench)
  } catch (error) {
    failed = true
    log(`✘ ${(error as Error).message}`)
  } finally {
    const workspace = bench?.workspace
    await Promise.allSettled([
      bench?.registry.stop(),
      bench?.buildx.stop(),
      bench?.plane.stop(),
      bench?.eks.stop(),
      bench?.docker.stop(),
      bench?.issuer.stop(),
      bench?.moto.stop(),
      workspace ? rm(workspace, { recursive: true, force: true }) : undefined,
    ])
  }
  printTable()
  if (failed) {
    console.log('\nrehearsal: FAILED')
    process.exit(1)
  }
  console.log('\nrehearsal: created, built, waited for the cluster, deployed, validated and destroyed in one run')
}

await main()
