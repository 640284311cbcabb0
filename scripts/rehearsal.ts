// `npm run rehearsal`: the example consumer repositories' own workflow files, run by act on this
// machine against the local bench (test/workflows/bench.ts), exactly as a team runs them on GitHub.
// examples/airflow-data-lake: create from the workflow_dispatch toggle (apply, image, wait for the cluster,
// deploy), the same create again (nothing changes, the image is skipped), the pull-request checks, a
// destroy with a wrong confirmation (refused before anything is touched), the confirmed destroy, then a
// second create and destroy of the same environment. examples/streaming (two images, add-ons, a local
// chart, plain manifests, the boolean toggle) and examples/ml-platform (Airflow beside MinIO, MLflow and
// Grafana): create, create again, pull-request checks, destroy. examples/checks-only: its pull-request
// checks. pipeline.yml and validate.yml run unmodified from this working tree; only the third-party actions
// they use are stand-ins (test/workflows/stand-ins), and the charts the examples install from the internet
// are stand-in charts of the same name and values shape. Each job and step is printed with its time as it
// ends, the checks of each run after it, and a table at the end.

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { deleteObject, listKeys, putObject, readState, resourceNames } from '../test/bench/terraform-state'
import { repoRoot } from '../test/harness/runner'
import { type ActEvent, runWorkflow, type WorkflowRun } from '../test/workflows/act'
import { REHEARSAL_CLUSTER, startWorkflowBench, type WorkflowBench } from '../test/workflows/bench'
import { type Consumer, makeConsumer, PIPELINE_ACTIONS_REF, UNAVAILABLE_WORKFLOW_REPOSITORY } from '../test/workflows/consumer'

const EXAMPLE = 'airflow-data-lake'
const REGION = 'eu-west-1'
const ACCOUNT = '123456789012'
// The roles terraform/bootstrap/environment creates, one per purpose.
const APPLY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/datapipe-dev-apply`
const IMAGE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/datapipe-dev-image`
const DEPLOY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/datapipe-dev-deploy`
const PLAN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/datapipe-dev-plan`
const STATE_BUCKET = `datapipe-tfstate-${ACCOUNT}`
const STATE_KEY = 'datapipe/dev/terraform.tfstate'
const IMAGE_REPOSITORY = 'datapipe/airflow'
const PUBLIC_ACCESS_CIDRS = ['203.0.113.0/24']
const DAGS_GIT_TOKEN = 'ghp_rehearsalDagsToken0123456789'
/** The job's GITHUB_TOKEN as act passes it; an installation token (ghs_), as on GitHub. */
const JOB_TOKEN = 'ghs_rehearsalJobToken0123456789'
/** How long after the deploy job starts waiting the cluster comes into existence. */
const CLUSTER_APPEARS_AFTER_MS = 8_000
/** How long a running create holds the state lock while the pull request's plan waits for it. */
const LOCK_HELD_MS = 10_000

interface Row {
  run: string
  job: string
  result: string
  seconds: number
}

const rows: Row[] = []
const checks: string[] = []
const started = Date.now()

function log(line: string): void {
  const at = ((Date.now() - started) / 1000).toFixed(1).padStart(6)
  console.log(`[${at} s] ${line}`)
}

/**
 * A wait the rehearsal makes on purpose (a cluster or a lock that comes later), said in one line the benchmark reads,
 * so the pipeline's overhead is not charged with time the rehearsal itself chose to spend.
 */
function logDeliberateWait(what: string, sinceMs: number): void {
  log(`  (waited on purpose ${Date.now() - sinceMs} ms: ${what})`)
}

class RehearsalFailure extends Error {}

function check(condition: boolean, what: string, detail = ''): void {
  if (!condition) throw new RehearsalFailure(`${what}${detail ? `: ${detail}` : ''}`)
  checks.push(what)
  log(`  ✔ ${what}`)
}

/** Runs one workflow of the consumer repository through act, printing each step and job as it ends. */
async function run(
  label: string,
  bench: WorkflowBench,
  consumer: Consumer,
  workflow: 'create-destroy' | 'pr-checks',
  options: {
    inputs?: Record<string, string>
    vars?: Record<string, string>
    secrets?: Record<string, string>
    author?: string
    /** The pull request the pr-checks event is for (default #7 at a head of zeros). */
    pullRequest?: { number: number; head: string }
    /** Variables set in every job (act's --env), e.g. GITHUB_API_URL. */
    jobEnv?: Record<string, string>
    onEvent?: (event: ActEvent) => void
  } = {},
): Promise<WorkflowRun> {
  log(`▶ ${label}`)
  const pullRequest = workflow === 'pr-checks'
  const result = await runWorkflow({
    repository: consumer.dir,
    workflow: `.github/workflows/${workflow}.yml`,
    event: pullRequest ? 'pull_request' : 'workflow_dispatch',
    payload: pullRequest
      ? {
          number: options.pullRequest?.number ?? 7,
          pull_request: {
            number: options.pullRequest?.number ?? 7,
            author_association: options.author ?? 'MEMBER',
            head: { ref: 'change', sha: options.pullRequest?.head ?? '0'.repeat(40), repo: { full_name: consumer.repository } },
            base: { ref: 'main', repo: { full_name: consumer.repository } },
          },
          repository: { full_name: consumer.repository },
        }
      : { inputs: options.inputs ?? {} },
    inputs: options.inputs,
    // The DAG repository is private, as most are: git-sync gets this token as a Secret.
    secrets: { DAGS_GIT_TOKEN: DAGS_GIT_TOKEN, GITHUB_TOKEN: JOB_TOKEN, ...options.secrets },
    vars: {
      PIPELINE_APPLY_ROLE_ARN: APPLY_ROLE_ARN,
      PIPELINE_IMAGE_ROLE_ARN: IMAGE_ROLE_ARN,
      PIPELINE_DEPLOY_ROLE_ARN: DEPLOY_ROLE_ARN,
      PIPELINE_PLAN_ROLE_ARN: PLAN_ROLE_ARN,
      TF_STATE_BUCKET: STATE_BUCKET,
      EKS_PUBLIC_ACCESS_CIDRS: JSON.stringify(PUBLIC_ACCESS_CIDRS),
      AIRFLOW_UI_SOURCE_RANGES: '203.0.113.0/24',
      ...options.vars,
    },
    env: {
      ...bench.env,
      STAND_IN_REPOSITORIES: JSON.stringify({ [UNAVAILABLE_WORKFLOW_REPOSITORY]: repoRoot }),
    },
    repositories: { [PIPELINE_ACTIONS_REF]: repoRoot },
    // GitHub's API as the jobs see it (check-inputs reads the environment's protections; reviewed plans find
    // their pull request): the bench's stand-in, which answers the job's token as GitHub answers GITHUB_TOKEN.
    jobEnv: { GITHUB_API_URL: bench.github.url, ...options.jobEnv },
    path: bench.path,
    onEvent: (event) => {
      if (event.stepResult && event.step && event.stage === 'Main') {
        log(
          `  ${event.stepResult === 'success' ? '·' : event.stepResult === 'skipped' ? '-' : '✘'} ${event.jobID}: ${event.step} (${((event.executionTime ?? 0) / 1e9).toFixed(1)} s) ${event.stepResult}`,
        )
      }
      if (event.jobResult) log(`  ${event.jobResult === 'success' ? '●' : '✘'} job ${event.jobID}: ${event.jobResult}`)
      options.onEvent?.(event)
    },
  })
  for (const job of result.jobs) rows.push({ run: label, job: job.id, result: job.result, seconds: job.seconds })
  log(`${result.exitCode === 0 ? '✔' : '✘'} ${label}: exit ${result.exitCode} in ${result.seconds.toFixed(1)} s`)
  return result
}

function jobResults(result: WorkflowRun): Record<string, string> {
  return Object.fromEntries(result.jobs.map((job) => [job.id, job.result]))
}

function failedLines(result: WorkflowRun): string {
  const errors = result.annotations.filter((annotation) => annotation.level === 'error').map((a) => `${a.job}: ${a.message}`)
  // The last lines each failed job printed: what a user reads first in the Actions tab.
  const failed = result.jobs.filter((job) => job.result === 'failure').map((job) => job.name)
  const lines = result.log.split('\n')
  const tails = failed.map((name) =>
    lines
      .filter((line) => line.startsWith(`[${name}]`))
      .slice(-12)
      .join('\n'),
  )
  return [...errors, ...tails].join('\n')
}

/** The deploy job's cluster wait: Terraform's cluster comes into existence while the step already waits. */
function clusterAppearsWhileWaiting(bench: WorkflowBench, appeared: { at?: number; waitStarted?: number }, stateKey = STATE_KEY) {
  let timer: NodeJS.Timeout | undefined
  return (event: ActEvent) => {
    if (event.jobID === 'deploy' && event.step === 'Wait for the cluster' && !event.stepResult && !timer) {
      appeared.waitStarted = Date.now()
      timer = setTimeout(async () => {
        // Where Terraform says it created the cluster: a region the pipeline did not pass puts it elsewhere.
        const state = await readState(bench.moto.endpoint, stateKey, STATE_BUCKET)
        const name = String(state?.outputs.cluster_name?.value ?? REHEARSAL_CLUSTER)
        const region = String(state?.outputs.region?.value ?? '')
        // Terraform grants the apply role (uninstall) and the deploy role access entries with the cluster.
        await bench.createCluster(name, region, [APPLY_ROLE_ARN, DEPLOY_ROLE_ARN])
        appeared.at = Date.now()
        log(`  (the cluster ${name} now exists in moto in ${region}, with access entries for the apply and deploy roles)`)
        logDeliberateWait('the cluster comes into existence while the deploy job waits for it', appeared.waitStarted ?? appeared.at)
      }, CLUSTER_APPEARS_AFTER_MS)
    }
  }
}

/** Gives the release's LoadBalancer Services an address while the deploy job waits on them, as AWS would. */
function loadBalancersWhileDeploying(bench: WorkflowBench) {
  let interval: NodeJS.Timeout | undefined
  return {
    onEvent: (event: ActEvent) => {
      if (event.jobID === 'deploy' && event.step === 'Deploy' && !event.stepResult && !interval) {
        interval = setInterval(() => void bench.provisionLoadBalancers().catch(() => undefined), 1_000)
      }
    },
    stop: () => clearInterval(interval),
  }
}

async function deployment(bench: WorkflowBench, name: string): Promise<{ image?: string; ready: number; replicas: number }> {
  const response = await bench.plane.request(`/apis/apps/v1/namespaces/airflow/deployments/${name}`)
  const body = response.body as {
    spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } }
    status?: { readyReplicas?: number }
  }
  return {
    image: body.spec?.template?.spec?.containers?.[0]?.image,
    ready: body.status?.readyReplicas ?? 0,
    replicas: body.spec?.replicas ?? -1,
  }
}

interface Expected {
  /** The environment does not exist yet: Terraform creates it and the deploy job waits for its cluster. */
  newEnvironment: boolean
  /** The commit's image is not in the registry yet. */
  newImage: boolean
}

async function create(label: string, bench: WorkflowBench, consumer: Consumer, expected: Expected): Promise<void> {
  const appeared: { at?: number; waitStarted?: number } = {}
  const clusterAppears = clusterAppearsWhileWaiting(bench, appeared)
  const loadBalancers = loadBalancersWhileDeploying(bench)
  const result = await run(label, bench, consumer, 'create-destroy', {
    inputs: { action: 'create' },
    onEvent: (event) => {
      if (expected.newEnvironment) clusterAppears(event)
      loadBalancers.onEvent(event)
    },
  }).finally(loadBalancers.stop)
  check(result.exitCode === 0, `${label}: the workflow succeeds`, failedLines(result))
  const jobs = jobResults(result)
  for (const job of ['check-inputs', 'infrastructure', 'image', 'deploy']) {
    check(jobs[job] === 'success', `${label}: job ${job} succeeds`, JSON.stringify(jobs))
  }
  const state = await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET)
  check(
    state?.outputs.region?.value === REGION,
    `${label}: Terraform created the environment in the workflow's region ${REGION}`,
    String(state?.outputs.region?.value),
  )
  check(
    JSON.stringify(state?.outputs.eks_public_access_cidrs?.value) === JSON.stringify(PUBLIC_ACCESS_CIDRS),
    `${label}: eks_public_access_cidrs=["…"] reached Terraform as a list`,
    JSON.stringify(state?.outputs.eks_public_access_cidrs?.value),
  )
  if (expected.newEnvironment) {
    check(
      appeared.at !== undefined && appeared.waitStarted !== undefined && appeared.at > appeared.waitStarted,
      `${label}: the cluster appeared while the deploy job was already waiting, and the same run deployed`,
    )
  }
  const image = result.outputs.image ?? {}
  const imageRef = image['image-ref'] ?? ''
  const tagged = image.image ?? ''
  check(/@sha256:[0-9a-f]{64}$/.test(imageRef), `${label}: the image job pushed ${imageRef}`)
  check(
    image.skipped === (expected.newImage ? 'false' : 'true'),
    `${label}: the image was ${expected.newImage ? 'built' : 'skipped (that commit is already pushed)'}`,
    image.skipped,
  )
  const tag = tagged.slice(tagged.lastIndexOf(':') + 1)
  check((await bench.registry.tags(IMAGE_REPOSITORY)).includes(tag), `${label}: the registry holds the commit tag ${tag}`)
  for (const component of ['airflow-scheduler', 'airflow-api-server']) {
    const running = await deployment(bench, component)
    check(
      running.image === imageRef && running.ready === running.replicas && running.ready > 0,
      `${label}: ${component} runs the built image by digest, every replica Ready`,
      JSON.stringify(running),
    )
  }
  const template = await bench.plane.request('/api/v1/namespaces/airflow/configmaps/airflow-pod-template')
  const podTemplate = String((template.body as { data?: Record<string, string> }).data?.['pod_template_file.yaml'] ?? '')
  check(
    podTemplate.includes(`image: ${tagged}`),
    `${label}: task pods run the tag that was pushed (${tagged}), not the chart's default`,
    podTemplate,
  )
  const secret = await bench.plane.request('/api/v1/namespaces/airflow/secrets/airflow-metadata')
  const annotations = (secret.body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {}
  check(
    secret.status === 200 && !('kubectl.kubernetes.io/last-applied-configuration' in annotations),
    `${label}: the database Secret exists, applied server-side (no copy of its data in an annotation)`,
  )
  const admin = await bench.plane.request('/api/v1/namespaces/airflow/secrets/airflow-db-admin')
  check(admin.status === 404, `${label}: the database master credentials' Secret was removed once the release was installed`)
  const credentials = await bench.plane.request('/api/v1/namespaces/airflow/secrets/git-credentials')
  const password = (credentials.body as { data?: Record<string, string> }).data?.GITSYNC_PASSWORD ?? ''
  const scheduler = (await bench.plane.request('/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler')).body as {
    spec?: {
      template?: {
        spec?: { containers?: { env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string } } }[] }[] }
      }
    }
  }
  const gitSyncPassword = scheduler.spec?.template?.spec?.containers?.[0]?.env?.find((variable) => variable.name === 'GITSYNC_PASSWORD')
  check(
    Buffer.from(password, 'base64').toString() === DAGS_GIT_TOKEN && gitSyncPassword?.valueFrom?.secretKeyRef?.name === 'git-credentials',
    `${label}: git-sync reads the private DAG repository's token from the Secret created before the chart`,
  )
  const gitSyncRef = scheduler.spec?.template?.spec?.containers?.[0]?.env?.find((variable) => variable.name === 'GITSYNC_REF')
  check(
    gitSyncRef?.value === tag,
    `${label}: git-sync checks out the commit the run deploys (${tag.slice(0, 12)}…), not a branch`,
    JSON.stringify(gitSyncRef),
  )
  check(!result.log.includes(DAGS_GIT_TOKEN), `${label}: the DAG repository's token appears nowhere in the log`)
  if (!expected.newEnvironment) {
    check(
      result.outputs.infrastructure?.changes === 'false',
      `${label}: Terraform found nothing to change`,
      result.outputs.infrastructure?.changes,
    )
  }
}

async function destroy(label: string, bench: WorkflowBench, consumer: Consumer, options: { clusterFailed?: boolean } = {}): Promise<void> {
  // A create that failed half-way leaves a cluster whose releases cannot be uninstalled: destroy must still run.
  bench.setClusterFailed(options.clusterFailed ?? false)
  const result = await run(label, bench, consumer, 'create-destroy', { inputs: { action: 'destroy', confirm: 'default' } }).finally(() =>
    bench.setClusterFailed(false),
  )
  const jobs = jobResults(result)
  if (options.clusterFailed) {
    check(
      result.exitCode !== 0 && jobs.uninstall === 'failure',
      `${label}: the uninstall fails on the FAILED cluster, and the run says so`,
      JSON.stringify(jobs),
    )
    check(
      result.annotations.some((a) => a.job === 'uninstall' && a.level === 'error' && /FAILED/.test(a.message)),
      `${label}: the uninstall's error names the cluster's state`,
      failedLines(result),
    )
  } else {
    check(result.exitCode === 0, `${label}: the workflow succeeds`, failedLines(result))
    check(jobs.uninstall === 'success', `${label}: job uninstall succeeds`, JSON.stringify(jobs))
    const gone = await bench.plane.request('/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler')
    check(gone.status === 404, `${label}: the release is uninstalled`, `HTTP ${gone.status}`)
  }
  check(jobs['check-inputs'] === 'success' && jobs.destroy === 'success', `${label}: job destroy succeeds`, JSON.stringify(jobs))
  const state = await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET)
  check(resourceNames(state).length === 0, `${label}: Terraform destroyed every resource`, resourceNames(state).join(', '))
  // The cluster is a Terraform resource in a real environment; moto's stands in for it and goes with it.
  await bench.deleteCluster(REHEARSAL_CLUSTER, REGION)
}

/**
 * Bad input only Terraform's side can know: a list variable given a bare value, a state bucket that does
 * not exist. The infrastructure job stops with one line naming it, before Terraform changes anything, and
 * nothing is deployed.
 */
async function badInputOnlyTerraformKnows(bench: WorkflowBench, consumer: Consumer): Promise<void> {
  const before = (await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET))?.serial
  for (const [label, vars, message] of [
    [
      'create with a list variable given a bare value',
      { EKS_PUBLIC_ACCESS_CIDRS: '203.0.113.0/24' },
      "Input 'variables': eks_public_access_cidrs is of type list(string) in the configuration; give its value as HCL",
    ],
    ['create with a state bucket that does not exist', { TF_STATE_BUCKET: 'datapipe-tfstate-missing' }, 'datapipe-tfstate-missing'],
  ] as const) {
    const result = await run(label, bench, consumer, 'create-destroy', { inputs: { action: 'create' }, vars })
    const jobs = jobResults(result)
    const errors = result.annotations.filter((a) => a.level === 'error' && a.job === 'infrastructure')
    check(result.exitCode !== 0 && jobs.infrastructure === 'failure', `${label}: the infrastructure job fails`, JSON.stringify(jobs))
    check(errors.length === 1 && (errors[0]?.message.includes(message) ?? false), `${label}: one line names it`, failedLines(result))
    check(!jobs.deploy || jobs.deploy === 'skipped', `${label}: nothing is deployed`, JSON.stringify(jobs))
    const after = (await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET))?.serial
    check(after === before, `${label}: the state is untouched`, `serial ${before} → ${after}`)
  }
}

/**
 * An environment with neither required reviewers nor deployment branches lets any branch's workflow take the
 * apply role: check-inputs asks GitHub's API (the bench's stand-in) and stops the create there, in one line.
 */
async function unprotectedEnvironment(bench: WorkflowBench, consumer: Consumer): Promise<void> {
  const label = 'create through an environment with no protection'
  const asked = bench.github.requests.filter((request) => request.path.endsWith('/environments/dev')).length
  check(asked > 0, "create: check-inputs asked GitHub for environment dev's protections")
  const protectedDev = bench.github.environments.get('dev')
  bench.github.environments.set('dev', { name: 'dev', protection_rules: [], deployment_branch_policy: null })
  try {
    const before = (await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET))?.serial
    const result = await run(label, bench, consumer, 'create-destroy', { inputs: { action: 'create' } })
    const jobs = jobResults(result)
    const errors = result.annotations.filter((a) => a.level === 'error')
    check(result.exitCode !== 0 && jobs['check-inputs'] === 'failure', `${label}: refused by check-inputs`, JSON.stringify(jobs))
    check(
      errors.length === 1 && (errors[0]?.message.includes("Environment 'dev'") ?? false),
      `${label}: one line names the environment and the fix`,
      failedLines(result),
    )
    check(!jobs.infrastructure || jobs.infrastructure === 'skipped', `${label}: no infrastructure job runs`, JSON.stringify(jobs))
    const after = (await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET))?.serial
    check(after === before, `${label}: the state is untouched`, `serial ${before} → ${after}`)
  } finally {
    if (protectedDev) bench.github.environments.set('dev', protectedDev)
  }
}

/** The pull-request checks while a create holds the state's lock: the plan waits for it instead of failing. */
async function pullRequestChecksDuringCreate(bench: WorkflowBench, consumer: Consumer): Promise<void> {
  const lockKey = `${STATE_KEY}.tflock`
  const lock = {
    ID: '6d2c1f5e-0b1a-4c1e-9f00-rehearsal000',
    Operation: 'OperationTypeApply',
    Info: '',
    Who: 'runner@create-destroy',
    Version: '1.11.4',
    Created: new Date().toISOString(),
    Path: `${STATE_BUCKET}/${STATE_KEY}`,
  }
  await putObject(bench.moto.endpoint, STATE_BUCKET, lockKey, JSON.stringify(lock))
  let released: number | undefined
  let timer: NodeJS.Timeout | undefined
  const result = await run('pull-request checks (while a create holds the lock)', bench, consumer, 'pr-checks', {
    onEvent: (event) => {
      if (event.jobID === 'plan' && event.step?.startsWith('Terraform plan') && event.stage === 'Main' && !event.stepResult && !timer) {
        const holding = Date.now()
        timer = setTimeout(async () => {
          await deleteObject(bench.moto.endpoint, STATE_BUCKET, lockKey)
          released = Date.now()
          log('  (the create finished: its lock is released)')
          logDeliberateWait("a running create holds the state lock while the pull request's plan waits for it", holding)
        }, LOCK_HELD_MS)
      }
    },
  }).finally(() => clearTimeout(timer))
  check(result.exitCode === 0, 'pull-request checks: the workflow succeeds', failedLines(result))
  const prJobs = jobResults(result)
  for (const job of ['terraform', 'plan', 'kubernetes', 'dags', 'workflows']) {
    check(prJobs[job] === 'success', `pull-request checks: job ${job} succeeds`, JSON.stringify(prJobs))
  }
  const planStep = result.job('plan')?.steps.find((step) => step.name.startsWith('Terraform plan') && step.stage === 'Main')
  check(
    released !== undefined && (planStep?.seconds ?? 0) * 1000 >= LOCK_HELD_MS,
    "pull-request checks: the plan waited for the running create's state lock, then planned",
    `step took ${planStep?.seconds} s`,
  )
}

/** The warehouse database name in the consumer's Terraform: the value a pull request changes. */
function setWarehouseDatabase(consumer: Consumer, name: string, message: string): string {
  const file = join(consumer.dir, 'terraform', 'envs', 'dev', 'main.tf')
  const text = readFileSync(file, 'utf8').replace(/database = "[^"]*"/, `database = "${name}"`)
  writeFileSync(file, text)
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: consumer.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'b@example.invalid',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'b@example.invalid',
      },
    })
      .toString()
      .trim()
  git('commit', '--quiet', '--all', '--message', message)
  return git('rev-parse', 'HEAD')
}

async function warehouseDatabase(bench: WorkflowBench): Promise<unknown> {
  const state = await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET)
  const input = state?.resources.find((resource) => resource.name === 'warehouse')?.instances[0]?.attributes.input as
    | { value?: { database?: unknown } }
    | undefined
  return input?.value?.database
}

/**
 * The reviewed-plan flow through the example's own workflows: a pull request's plan is stored by its checks
 * (save-plan), and the create run after its merge (reviewed-plan: auto) applies exactly that plan, while the
 * merged checkout holds another value; then a pull request whose plan another apply made stale is refused,
 * nothing applied. GitHub's pull request API is the local stand-in the action's tests use.
 */
async function reviewedPlanOnMerge(bench: WorkflowBench, consumer: Consumer): Promise<void> {
  const api = bench.github
  const head = setWarehouseDatabase(consumer, 'analytics_reviewed', 'pull request 11: rename the warehouse database')
  const checks = await run('pull request #11: checks store its plan', bench, consumer, 'pr-checks', {
    pullRequest: { number: 11, head },
  })
  check(checks.exitCode === 0 && jobResults(checks).plan === 'success', 'pull request #11: its plan job succeeds', failedLines(checks))
  const keys = await listKeys(bench.moto.endpoint, STATE_BUCKET)
  const stored = `plans/default/${STATE_KEY}/pr-11.tfplan`
  check(
    keys.includes(stored) && keys.includes(`plans/default/${STATE_KEY}/pr-11.json`),
    `pull request #11: its plan is stored at ${stored}`,
  )
  // The merged checkout differs from what the pull request planned: the apply must not plan from it.
  const merge = setWarehouseDatabase(consumer, 'analytics_from_main', 'merge pull request 11, then a change on main')
  api.pulls.push({ number: 11, head: { sha: head }, merged_at: new Date().toISOString(), merge_commit_sha: merge })
  const merged = await run('create after merging #11 (reviewed-plan: auto)', bench, consumer, 'create-destroy', {
    inputs: { action: 'create', 'reviewed-plan': 'auto' },
  })
  check(merged.exitCode === 0, 'create after merging #11: the workflow succeeds', failedLines(merged))
  check(
    (await warehouseDatabase(bench)) === 'analytics_reviewed',
    "create after merging #11: the reviewed value was applied (from the saved plan), not the checkout's",
    String(await warehouseDatabase(bench)),
  )
  check(
    merged.log.includes('Applies the reviewed plan of pull request #11'),
    'create after merging #11: the apply says which reviewed plan it applied',
  )

  const head12 = setWarehouseDatabase(consumer, 'analytics_twelve', 'pull request 12: another rename')
  const checks12 = await run('pull request #12: checks store its plan', bench, consumer, 'pr-checks', {
    pullRequest: { number: 12, head: head12 },
  })
  check(checks12.exitCode === 0, 'pull request #12: its plan is stored', failedLines(checks12))
  // Another apply lands first (a fix on main): #12's plan was made against a state that is no longer there.
  setWarehouseDatabase(consumer, 'analytics_hotfix', 'a fix on main, applied before #12 is merged')
  const other = await run('create from main before #12 is merged', bench, consumer, 'create-destroy', {
    inputs: { action: 'create' },
  })
  check(other.exitCode === 0, 'create from main before #12 is merged: the workflow succeeds', failedLines(other))
  const before = await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET)
  const merge12 = setWarehouseDatabase(consumer, 'analytics_twelve_main', 'merge pull request 12, then a change on main')
  api.pulls.push({ number: 12, head: { sha: head12 }, merged_at: new Date().toISOString(), merge_commit_sha: merge12 })
  const stale = await run('create after merging #12 (its plan is stale)', bench, consumer, 'create-destroy', {
    inputs: { action: 'create', 'reviewed-plan': 'auto' },
  })
  const jobs = jobResults(stale)
  const errors = stale.annotations.filter((a) => a.level === 'error' && a.job === 'infrastructure')
  check(
    stale.exitCode !== 0 && jobs.infrastructure === 'failure',
    'create after merging #12: the infrastructure job fails',
    JSON.stringify(jobs),
  )
  check(
    errors.length === 1 &&
      /^The reviewed plan of pull request #12 is stale: the state moved from serial \d+ to serial \d+/.test(errors[0]?.message ?? ''),
    'create after merging #12: one line says the reviewed plan is stale, and why',
    failedLines(stale),
  )
  check(!jobs.deploy || jobs.deploy === 'skipped', 'create after merging #12: nothing is deployed', JSON.stringify(jobs))
  const after = await readState(bench.moto.endpoint, STATE_KEY, STATE_BUCKET)
  check(after?.serial === before?.serial, 'create after merging #12: nothing was applied', `serial ${before?.serial} → ${after?.serial}`)
}

const STREAMING_STATE_KEY = 'streaming/dev/terraform.tfstate'
const PIP_INDEX_TOKEN = 'pypi-rehearsalIndexToken0123456789'

/** The parts of a Deployment (or any object) the checks read. */
interface ObjectView {
  metadata?: { labels?: Record<string, string>; managedFields?: { manager: string; operation: string }[] }
  spec?: { template?: { spec?: { containers?: { image?: string; env?: { name: string; value?: string }[] }[] } } }
  status?: { readyReplicas?: number }
}

async function kube(bench: WorkflowBench, path: string): Promise<{ status: number; body: ObjectView }> {
  const response = await bench.plane.request(path)
  return { status: response.status, body: (response.body ?? {}) as ObjectView }
}

/**
 * examples/streaming: two images built in parallel (the api's with a BuildKit build secret), add-ons as Helm
 * releases from their chart repositories (stand-in charts), the api from its local chart with the built
 * image's digest, plain manifests (namespaces, the Spark job, HPA, ingress) filled in with the Spark image
 * and Terraform outputs, from the boolean toggle: create, create again, pull-request checks, destroy.
 */
async function streaming(bench: WorkflowBench): Promise<void> {
  const consumer = await makeConsumer('streaming', {
    images: {
      baseImage: bench.buildx.baseImage,
      dockerfiles: {
        // The secret must be mounted for this RUN step, or `test -s` fails the build.
        'api/Dockerfile': 'RUN --mount=type=secret,id=pip_index_token test -s /run/secrets/pip_index_token\nCOPY app.py /app/app.py\n',
        'spark/Dockerfile': 'ARG SPARK_UID\nRUN echo "$SPARK_UID" > /spark-uid\nCOPY job.py /opt/spark/work-dir/job.py\n',
      },
    },
  })
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: consumer.dir }).toString().trim()
  const secrets = { BUILD_SECRETS: `pip_index_token=${PIP_INDEX_TOKEN}\nunused_token=never-mounted` }
  try {
    for (const [label, again] of [
      ['streaming: create (the toggle checked)', false],
      ['streaming: create again (nothing changed)', true],
    ] as const) {
      const appeared: { at?: number; waitStarted?: number } = {}
      const clusterAppears = clusterAppearsWhileWaiting(bench, appeared, STREAMING_STATE_KEY)
      const loadBalancers = loadBalancersWhileDeploying(bench)
      const result = await run(label, bench, consumer, 'create-destroy', {
        inputs: { create: 'true' },
        secrets,
        onEvent: (event) => {
          if (!again) clusterAppears(event)
          loadBalancers.onEvent(event)
        },
      }).finally(loadBalancers.stop)
      check(result.exitCode === 0, `${label}: the workflow succeeds`, failedLines(result))
      const legs = result.jobs.filter((job) => job.id === 'image')
      check(
        legs.length === 2 && legs.every((job) => job.result === 'success'),
        `${label}: the api and spark images are built by two parallel legs of the image job`,
        JSON.stringify(legs.map((job) => [job.name, job.result])),
      )
      check(jobResults(result).deploy === 'success', `${label}: job deploy succeeds`, JSON.stringify(jobResults(result)))
      check(!result.log.includes(PIP_INDEX_TOKEN), `${label}: the build secret appears nowhere in the log`)
      const state = await readState(bench.moto.endpoint, STREAMING_STATE_KEY, STATE_BUCKET)
      const digests: Record<string, string> = {}
      for (const image of ['api', 'spark']) {
        digests[image] = (await bench.registry.manifest(`streaming/${image}`, commit))?.digest ?? ''
        check(/^sha256:/.test(digests[image] ?? ''), `${label}: the registry holds streaming/${image}:${commit.slice(0, 12)}…`)
      }
      if (again) {
        for (const image of ['api', 'spark']) {
          check(
            result.log.includes(`streaming/${image}:${commit} already exists`),
            `${label}: image ${image} was skipped (that commit is already pushed)`,
          )
        }
        check(result.outputs.infrastructure?.changes === 'false', `${label}: Terraform found nothing to change`)
      } else {
        check(appeared.at !== undefined, `${label}: the cluster appeared while the deploy job was already waiting`)
      }
      const api = await kube(bench, '/apis/apps/v1/namespaces/streaming/deployments/api')
      const apiContainer = api.body.spec?.template?.spec?.containers?.[0] ?? { env: [] }
      check(
        apiContainer.image === `${bench.registry.host}/streaming/api@${digests.api}` && (api.body.status?.readyReplicas ?? 0) > 0,
        `${label}: the api (local chart) runs the built api image by digest, Ready`,
        JSON.stringify(apiContainer.image),
      )
      const rawBucket = String(state?.outputs.raw_bucket?.value ?? '')
      check(
        (apiContainer.env ?? []).some((variable) => variable.name === 'RAW_BUCKET' && variable.value === rawBucket) && rawBucket !== '',
        `${label}: ((terraform.raw_bucket)) reached the api's values (${rawBucket})`,
      )
      const spark = await kube(bench, '/apis/apps/v1/namespaces/streaming/deployments/spark-aggregates')
      const sparkContainer = spark.body.spec?.template?.spec?.containers?.[0] ?? { env: [] }
      const processed = String(state?.outputs.processed_bucket?.value ?? '')
      check(
        sparkContainer.image === `${bench.registry.host}/streaming/spark@${digests.spark}` &&
          (sparkContainer.env ?? []).some((variable) => variable.value === `s3a://${processed}/checkpoints/aggregates`),
        `${label}: the Spark manifest runs the built spark image by digest, with the Terraform output filled in`,
        JSON.stringify(sparkContainer),
      )
      check(
        spark.body.metadata?.labels?.['pipeline-actions/deployment'] === 'apps' &&
          (spark.body.metadata?.managedFields ?? []).some((field) => field.manager === 'pipeline-actions' && field.operation === 'Apply'),
        `${label}: the plain manifests were applied server-side, labelled with their entry`,
      )
      for (const [path, what] of [
        ['/apis/autoscaling/v2/namespaces/streaming/horizontalpodautoscalers/api', 'the api HPA'],
        ['/apis/networking.k8s.io/v1/namespaces/streaming/ingresses/api', 'the api ingress'],
        ['/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller', 'the ingress-nginx add-on (Helm release)'],
        ['/apis/apps/v1/namespaces/kube-system/deployments/metrics-server', 'the metrics-server add-on (Helm release)'],
      ] as const) {
        check((await kube(bench, path)).status === 200, `${label}: ${what} is deployed`)
      }
    }

    const pr = await run('streaming: pull-request checks', bench, consumer, 'pr-checks')
    check(pr.exitCode === 0, 'streaming: pull-request checks: the workflow succeeds', failedLines(pr))
    const prJobs = jobResults(pr)
    check(
      prJobs.terraform === 'success' && prJobs.kubernetes === 'success' && prJobs.workflows === 'success' && !prJobs.plan && !prJobs.dags,
      'streaming: pull-request checks: Terraform, the rendered deployments list and the workflows, no plan, no DAGs',
      JSON.stringify(prJobs),
    )
    const validated = pr.outputs.kubernetes ?? {}
    check(
      validated.valid === '12' && validated.invalid === '0' && validated.errors === '0',
      `streaming: pull-request checks: the 12 resources of the list (2 namespaces, ingress-nginx 3, metrics-server 2, api 2, the apps 3) are valid`,
      JSON.stringify(validated),
    )

    const destroyed = await run('streaming: destroy (the toggle unchecked)', bench, consumer, 'create-destroy', {
      inputs: { create: 'false', confirm: 'default' },
      secrets,
    })
    const jobs = jobResults(destroyed)
    check(
      destroyed.exitCode === 0 && jobs.uninstall === 'success' && jobs.destroy === 'success',
      'streaming: destroy succeeds',
      failedLines(destroyed),
    )
    for (const [path, what] of [
      ['/apis/apps/v1/namespaces/streaming/deployments/spark-aggregates', 'the Spark manifest (deleted by its label)'],
      ['/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller', 'the ingress-nginx release'],
      ['/api/v1/namespaces/streaming', 'the streaming namespace (a manifests entry of its own)'],
    ] as const) {
      check((await kube(bench, path)).status === 404, `streaming: destroy: ${what} is gone`)
    }
    const state = await readState(bench.moto.endpoint, STREAMING_STATE_KEY, STATE_BUCKET)
    check(resourceNames(state).length === 0, 'streaming: destroy: Terraform destroyed every resource', resourceNames(state).join(', '))
    await bench.deleteCluster(REHEARSAL_CLUSTER, REGION)
  } finally {
    await rm(consumer.dir, { recursive: true, force: true })
  }
}

const ML_STATE_KEY = 'ml/dev/terraform.tfstate'

/**
 * examples/ml-platform: the Airflow preset beside MinIO, MLflow and Grafana (releases from their chart
 * repositories, stand-in charts), MLflow's values naming a Terraform output and Grafana's dashboard given as
 * values: create, create again, pull-request checks (Airflow chart, the list, DAGs), destroy.
 */
async function mlPlatform(bench: WorkflowBench): Promise<void> {
  const consumer = await makeConsumer('ml-platform', { airflow: { baseImage: bench.buildx.baseImage } })
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: consumer.dir }).toString().trim()
  try {
    for (const [label, again] of [
      ['ml-platform: create', false],
      ['ml-platform: create again (nothing changed)', true],
    ] as const) {
      const appeared: { at?: number; waitStarted?: number } = {}
      const clusterAppears = clusterAppearsWhileWaiting(bench, appeared, ML_STATE_KEY)
      const loadBalancers = loadBalancersWhileDeploying(bench)
      const result = await run(label, bench, consumer, 'create-destroy', {
        inputs: { action: 'create' },
        onEvent: (event) => {
          if (!again) clusterAppears(event)
          loadBalancers.onEvent(event)
        },
      }).finally(loadBalancers.stop)
      check(result.exitCode === 0, `${label}: the workflow succeeds`, failedLines(result))
      const digest = (await bench.registry.manifest('ml/airflow', commit))?.digest ?? ''
      const scheduler = await deployment(bench, 'airflow-scheduler')
      check(
        scheduler.image === `${bench.registry.host}/ml/airflow@${digest}` && scheduler.ready > 0,
        `${label}: the Airflow preset runs the built ml/airflow image by digest`,
        JSON.stringify(scheduler),
      )
      if (again) {
        check(result.log.includes(`ml/airflow:${commit} already exists`), `${label}: the image was skipped (that commit is already pushed)`)
        check(result.outputs.infrastructure?.changes === 'false', `${label}: Terraform found nothing to change`)
      }
      const state = await readState(bench.moto.endpoint, ML_STATE_KEY, STATE_BUCKET)
      const processed = String(state?.outputs.processed_bucket?.value ?? '')
      for (const [path, what] of [
        ['/apis/apps/v1/namespaces/ml/deployments/minio', 'MinIO'],
        ['/apis/apps/v1/namespaces/monitoring/deployments/grafana', 'Grafana'],
      ] as const) {
        check((await kube(bench, path)).status === 200, `${label}: ${what} is deployed from its chart repository`)
      }
      const mlflow = (await bench.plane.request('/apis/apps/v1/namespaces/ml/deployments/mlflow')).body as {
        spec?: { template?: { spec?: { containers?: { args?: string[]; env?: { name: string; value?: string }[] }[] } } }
      }
      const container = mlflow.spec?.template?.spec?.containers?.[0]
      check(
        (container?.args ?? []).includes('--default-artifact-root=s3://mlflow-artifacts/') &&
          (container?.env ?? []).some((variable) => variable.name === 'TRAINING_DATA_BUCKET' && variable.value === processed),
        `${label}: MLflow stores its artifacts in MinIO's bucket, and ((terraform.processed_bucket)) reached its values`,
        JSON.stringify(container),
      )
      const dashboards = (await bench.plane.request('/api/v1/namespaces/monitoring/configmaps/grafana-dashboards-default')).body as {
        data?: Record<string, string>
      }
      check(
        (dashboards.data?.['ml-platform.json'] ?? '').includes('"title": "ML platform"'),
        `${label}: Grafana's dashboard was provisioned from the values file`,
      )
    }

    const pr = await run('ml-platform: pull-request checks', bench, consumer, 'pr-checks')
    const prJobs = jobResults(pr)
    check(pr.exitCode === 0, 'ml-platform: pull-request checks: the workflow succeeds', failedLines(pr))
    check(
      prJobs.terraform === 'success' && prJobs.kubernetes === 'success' && prJobs.dags === 'success' && prJobs.workflows === 'success',
      'ml-platform: pull-request checks: Terraform, the Airflow chart and the rest of the list, the DAGs and the workflows',
      JSON.stringify(prJobs),
    )
    const validated = pr.outputs.kubernetes ?? {}
    check(
      validated.invalid === '0' && validated.errors === '0' && Number(validated.valid) > 10,
      `ml-platform: pull-request checks: ${validated.valid} resources valid`,
    )

    const destroyed = await run('ml-platform: destroy', bench, consumer, 'create-destroy', {
      inputs: { action: 'destroy', confirm: 'default' },
    })
    const jobs = jobResults(destroyed)
    check(
      destroyed.exitCode === 0 && jobs.uninstall === 'success' && jobs.destroy === 'success',
      'ml-platform: destroy succeeds',
      failedLines(destroyed),
    )
    for (const [path, what] of [
      ['/apis/apps/v1/namespaces/ml/deployments/minio', 'MinIO'],
      ['/apis/apps/v1/namespaces/monitoring/deployments/grafana', 'Grafana'],
      ['/apis/apps/v1/namespaces/airflow/deployments/airflow-scheduler', 'Airflow'],
    ] as const) {
      check((await kube(bench, path)).status === 404, `ml-platform: destroy: ${what} is uninstalled`)
    }
    const state = await readState(bench.moto.endpoint, ML_STATE_KEY, STATE_BUCKET)
    check(resourceNames(state).length === 0, 'ml-platform: destroy: Terraform destroyed every resource', resourceNames(state).join(', '))
    await bench.deleteCluster(REHEARSAL_CLUSTER, REGION)
  } finally {
    await rm(consumer.dir, { recursive: true, force: true })
  }
}

/** examples/checks-only: a repository on another cloud that takes the pull-request checks alone, without AWS. */
async function checksOnly(bench: WorkflowBench): Promise<void> {
  const consumer = await makeConsumer('checks-only')
  try {
    const result = await run('checks-only: pull-request checks', bench, consumer, 'pr-checks')
    check(result.exitCode === 0, 'checks-only: the workflow succeeds', failedLines(result))
    const jobs = jobResults(result)
    check(
      jobs.terraform === 'success' && jobs.kubernetes === 'success' && jobs.workflows === 'success',
      'checks-only: Terraform, the kustomize overlay and the workflows are checked',
      JSON.stringify(jobs),
    )
    check(!jobs.plan && !jobs.dags, 'checks-only: no plan and no DAG import run (no AWS, no DAGs)', JSON.stringify(jobs))
    const validated = result.outputs.kubernetes ?? {}
    check(
      validated.valid === '3' && validated.invalid === '0' && validated.errors === '0',
      "checks-only: the overlay's three resources (Deployment, Service, HPA) are valid",
      JSON.stringify(validated),
    )
  } finally {
    await rm(consumer.dir, { recursive: true, force: true })
  }
}

async function rehearse(bench: WorkflowBench, consumer: Consumer): Promise<void> {
  await bench.createSecret(`rds!db-datapipe-rehearsal`, REGION, { username: 'airflow', password: 'rehearsal-Pa55word' })

  await create('create', bench, consumer, { newEnvironment: true, newImage: true })
  await create('create again (nothing changed)', bench, consumer, { newEnvironment: false, newImage: false })

  await badInputOnlyTerraformKnows(bench, consumer)
  await unprotectedEnvironment(bench, consumer)
  await pullRequestChecksDuringCreate(bench, consumer)
  await reviewedPlanOnMerge(bench, consumer)

  // Someone without write access: their Terraform must not run with AWS credentials.
  const outsider = await run('pull-request checks from an outside contributor', bench, consumer, 'pr-checks', { author: 'CONTRIBUTOR' })
  const outsiderJobs = jobResults(outsider)
  check(outsider.exitCode === 0, 'outside contributor: the static checks run and pass', failedLines(outsider))
  check(
    !outsiderJobs.plan || outsiderJobs.plan === 'skipped',
    'outside contributor: no plan runs their Terraform with AWS credentials',
    JSON.stringify(outsiderJobs),
  )

  const refused = await run('destroy with a wrong confirmation', bench, consumer, 'create-destroy', {
    inputs: { action: 'destroy', confirm: 'dev' },
  })
  const refusedJobs = jobResults(refused)
  check(
    refused.exitCode !== 0 && refusedJobs['check-inputs'] === 'failure',
    'destroy with a wrong confirmation: refused by check-inputs',
    JSON.stringify(refusedJobs),
  )
  check(
    refused.annotations.some(
      (a) => a.level === 'error' && a.message.startsWith("Input 'confirm-destroy' must be the Terraform workspace name, default"),
    ),
    'destroy with a wrong confirmation: one line names the input',
    failedLines(refused),
  )
  check(
    !refusedJobs.uninstall || refusedJobs.uninstall === 'skipped',
    'destroy with a wrong confirmation: nothing was uninstalled',
    JSON.stringify(refusedJobs),
  )
  const stillThere = await deployment(bench, 'airflow-scheduler')
  check(stillThere.ready > 0, 'destroy with a wrong confirmation: Airflow still runs')

  await destroy('destroy', bench, consumer)
  // The image repository outlives the environment, so the second cycle reuses the commit's image.
  await create('create (second cycle)', bench, consumer, { newEnvironment: true, newImage: false })
  await destroy('destroy (second cycle, the cluster FAILED)', bench, consumer, { clusterFailed: true })
  await streaming(bench)
  await mlPlatform(bench)
  await checksOnly(bench)
}

function printTable(): void {
  const runWidth = Math.max(...rows.map((row) => row.run.length), 3)
  const jobWidth = Math.max(...rows.map((row) => row.job.length), 3)
  console.log(`\n${'run'.padEnd(runWidth)}  ${'job'.padEnd(jobWidth)}  ${'time'.padStart(8)}  result`)
  console.log(`${'-'.repeat(runWidth)}  ${'-'.repeat(jobWidth)}  --------  ------`)
  for (const row of rows) {
    console.log(`${row.run.padEnd(runWidth)}  ${row.job.padEnd(jobWidth)}  ${`${row.seconds.toFixed(1)} s`.padStart(8)}  ${row.result}`)
  }
  console.log(
    `${'total'.padEnd(runWidth + jobWidth + 2)}  ${`${((Date.now() - started) / 1000).toFixed(1)} s`.padStart(8)}  ${checks.length} checks passed`,
  )
}

async function main(): Promise<void> {
  log(`rehearsal: examples/${EXAMPLE}'s, streaming's, ml-platform's and checks-only's workflows through act, against the local bench`)
  let bench: WorkflowBench | undefined
  let consumer: Consumer | undefined
  let failed = false
  try {
    bench = await startWorkflowBench({ stateBucket: STATE_BUCKET })
    log(`bench: moto ${bench.moto.endpoint}, registry ${bench.registry.host}, Kubernetes ${bench.plane.server}`)
    consumer = await makeConsumer(EXAMPLE, { airflow: { baseImage: bench.buildx.baseImage } })
    await rehearse(bench, consumer)
  } catch (error) {
    failed = true
    log(`✘ ${error instanceof RehearsalFailure ? error.message : (error as Error).stack}`)
    if (bench) log(`the HTTPS mirror's last requests: ${bench.mirror.requests.slice(-10).join(', ') || 'none'}`)
  } finally {
    await bench?.stop()
    if (consumer) await rm(consumer.dir, { recursive: true, force: true })
  }
  printTable()
  if (failed) {
    console.log('\nrehearsal: FAILED')
    process.exit(1)
  }
  console.log(
    '\nrehearsal: the example repositories created, re-ran, checked pull requests, refused and ran destroys, through their own workflows',
  )
}

await main()
