import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { CreateClusterCommand, DeleteClusterCommand, EKSClient } from '@aws-sdk/client-eks'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { bundleSchema } from '../../actions/kubeconform-validate/src/schema/bundle'
import { toolPaths, VERSIONS } from '../../scripts/toolchain.mjs'
import { type BuildxBuilder, setUpBuildx } from '../bench/buildx'
import { type ControlPlane, startControlPlane } from '../bench/control-plane'
import { type DockerEngine, startDocker } from '../bench/docker'
import { type FaultProxy, startFaultProxy } from '../bench/fault-proxy'
import { type FakeGitHubApi, protectedEnvironment, startFakeGitHubApi } from '../bench/github-api'
import { MOTO_ACCOUNT, type Moto, startMoto } from '../bench/moto'
import { type OidcIssuer, startOidcIssuer } from '../bench/oidc-issuer'
import { type Registry, startRegistry } from '../bench/registry'
import { createBucket } from '../bench/terraform-state'
import { makeTlsFixture } from '../bench/tls'
import { repoRoot } from '../harness/runner'
import { type HttpsMirror, type Site, startHttpsMirror } from './https-mirror'

/**
 * Everything a consumer's workflows reach on GitHub and AWS, on loopback, for
 * act to run them against:
 * - AWS: moto (STS, S3 for the state, ECR's control plane, EKS, Secrets Manager) behind a
 *   proxy that gives EKS's DescribeCluster the bench's real Kubernetes API server (its
 *   endpoint and CA) and ECR's GetAuthorizationToken the bench's registry as the data plane;
 * - GitHub's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN);
 * - ECR's data plane: a registry over HTTPS with moto's login; a second, plain one holds the
 *   base image the stand-in Dockerfile builds FROM (nothing can be pulled here);
 * - Docker's engine and a BuildKit builder (what docker/setup-buildx-action makes);
 * - the EKS cluster's Kubernetes API (kube-apiserver, etcd, kwok nodes) authenticating the
 *   roles' EKS tokens against moto's STS and the access entries the cluster grants;
 * - the chart repositories the examples install from (CHART_REPOSITORIES), serving stand-in charts.
 */
export interface WorkflowBench {
  dir: string
  moto: Moto
  aws: FaultProxy
  issuer: OidcIssuer
  docker: DockerEngine
  registry: Registry
  buildx: BuildxBuilder
  plane: ControlPlane
  mirror: HttpsMirror
  /** GitHub's REST API for the jobs (act's runs get it as GITHUB_API_URL): environment `dev` has a required reviewer. */
  github: FakeGitHubApi
  stateBucket: string
  /** What every job's steps see on top of a runner's own environment. */
  env: Record<string, string>
  /** Tools GitHub's runner images carry, from the tool cache, for PATH. */
  path: string[]
  /** Creates the EKS cluster in moto (as Terraform's apply would) and grants each role an access entry. */
  createCluster(name: string, region: string, roleArns: string[]): Promise<void>
  /** From now on EKS reports the cluster FAILED (a create that failed half-way), or healthy again. */
  setClusterFailed(failed: boolean): void
  /** Deletes the cluster from moto, as Terraform's destroy would. */
  deleteCluster(name: string, region: string): Promise<void>
  /** A Secrets Manager secret with a JSON value, as RDS keeps a database's master credentials. */
  createSecret(name: string, region: string, value: Record<string, string>): Promise<void>
  /** Acts as AWS's load balancer controller: gives each LoadBalancer Service an address. */
  provisionLoadBalancers(): Promise<number>
  stop(): Promise<void>
}

export const REHEARSAL_CLUSTER = 'datapipe-rehearsal'

/** Folders of the tools a GitHub-hosted runner image has that the workflows call directly (kustomize). */
export const RUNNER_IMAGE_TOOLS = () => [dirname(toolPaths().kustomize)]

export async function startWorkflowBench(options: { stateBucket: string }): Promise<WorkflowBench> {
  const dir = await mkdtemp(join(tmpdir(), 'pa-workflow-bench-'))
  const started: { stop(): Promise<void> }[] = []
  const keep = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service)
    return service
  }
  const stop = async () => {
    await Promise.allSettled(started.reverse().map((service) => service.stop()))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const [moto, issuer, docker] = await Promise.all([startMoto().then(keep), startOidcIssuer().then(keep), startDocker().then(keep)])
    const [plane, aws] = await Promise.all([
      startControlPlane({ stsEndpoint: moto.endpoint, clusterName: REHEARSAL_CLUSTER }).then(keep),
      startFaultProxy(moto.endpoint).then(keep),
    ])
    let clusterFailed = false
    const login = await ecrLogin(moto)
    const tls = makeTlsFixture()
    const registryCa = join(dir, 'registry-ca.pem')
    await writeFile(registryCa, tls.caPem)
    const [registry, baseRegistry] = await Promise.all([
      startRegistry({ ...login, tls: { cert: tls.certPem, key: tls.keyPem, ca: tls.caPem } }).then(keep),
      // Where the stand-in Dockerfile's base image comes from: public, as Docker Hub is to a build.
      startRegistry({ username: 'base', password: 'base-images', public: true }).then(keep),
    ])
    aws.inject(
      {
        match: `GET /clusters/${REHEARSAL_CLUSTER}`,
        times: Number.POSITIVE_INFINITY,
        fault: {
          type: 'edit',
          edit: (body) => {
            const { cluster } = body as { cluster: Record<string, unknown> }
            const status = clusterFailed ? { status: 'FAILED' } : {}
            return { cluster: { ...cluster, endpoint: plane.server, certificateAuthority: { data: plane.caData }, ...status } }
          },
        },
      },
      {
        match: 'GetAuthorizationToken',
        times: Number.POSITIVE_INFINITY,
        fault: {
          type: 'edit',
          edit: (body) => {
            const answer = body as { authorizationData?: Record<string, unknown>[] }
            const data = (answer.authorizationData ?? []).map((item) => ({ ...item, proxyEndpoint: registry.url }))
            return { ...answer, authorizationData: data }
          },
        },
      },
    )
    const buildx = keep(await setUpBuildx(docker, baseRegistry, { tlsRegistries: [{ host: registry.host, caFile: registryCa }] }))
    await createBucket(moto.endpoint, options.stateBucket)
    const github = keep(await startFakeGitHubApi())
    github.environments.set('dev', protectedEnvironment('dev'))
    const mirror = keep(
      await startHttpsMirror({ ...(await chartSites(dir)), 'raw.githubusercontent.com': rawGitHub(await constraintsSite(dir)) }, dir),
    )
    // Trusted by Node (the actions' registry calls) and by Go programs (Helm, for the chart site); Go's
    // SSL_CERT_FILE replaces the system's roots, so they are part of the bundle too.
    const caBundle = join(dir, 'bench-ca-bundle.pem')
    const systemRoots = await readFile('/etc/ssl/certs/ca-certificates.crt', 'utf8').catch(() => '')
    await writeFile(caBundle, `${systemRoots}\n${tls.caPem}\n${await readFile(mirror.caFile, 'utf8')}`)
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL: aws.endpoint,
      // The state and STS straight to moto: the proxy's edits are for EKS and ECR answers.
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      ...issuer.env,
      ...docker.env,
      NODE_EXTRA_CA_CERTS: caBundle,
      SSL_CERT_FILE: caBundle,
      // pip verifies with its own bundle unless told.
      PIP_CERT: caBundle,
      HTTPS_PROXY: mirror.proxyUrl,
      // Node's fetch honours the proxy variables only when asked (the actions' HTTP calls; #18 makes it their default).
      NODE_USE_ENV_PROXY: '1',
      https_proxy: mirror.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      PIPELINE_ACTIONS_TOOL_CACHE: toolPaths().root,
      STAND_IN_BUILDX_DOCKER_CONFIG: buildx.dockerConfig,
      STAND_IN_HELM_DIRS: `${VERSIONS.helm}=${dirname(toolPaths().helm)}\n${VERSIONS.helm4}=${dirname(toolPaths().helm4)}`,
      STAND_IN_PYTHON: toolPaths().airflowPython,
    }
    const eks = (region: string) =>
      new EKSClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })
    return {
      dir,
      moto,
      aws,
      issuer,
      docker,
      registry,
      buildx,
      plane,
      mirror,
      github,
      stateBucket: options.stateBucket,
      env,
      path: RUNNER_IMAGE_TOOLS(),
      createCluster: async (name, region, roleArns) => {
        await eks(region).send(
          new CreateClusterCommand({
            name,
            roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${name}-cluster`,
            resourcesVpcConfig: { subnetIds: ['subnet-rehearsal-a', 'subnet-rehearsal-b'] },
          }),
        )
        for (const roleArn of roleArns) plane.setAccess(roleArn, { groups: ['system:masters'] })
      },
      setClusterFailed: (failed) => {
        clusterFailed = failed
      },
      deleteCluster: async (name, region) => {
        await eks(region).send(new DeleteClusterCommand({ name }))
      },
      createSecret: (name, region, value) =>
        awsJson(moto.endpoint, region, 'secretsmanager', 'secretsmanager.CreateSecret', {
          Name: name,
          SecretString: JSON.stringify(value),
        }),
      provisionLoadBalancers: () => provisionLoadBalancers(plane),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** One call of an AWS JSON protocol (X-Amz-Target), signed as any SDK signs it. */
async function awsJson(endpoint: string, region: string, service: string, target: string, body: unknown): Promise<void> {
  const url = new URL(endpoint)
  const payload = JSON.stringify(body)
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    sha256: Hash.bind(null, 'sha256'),
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: payload,
  })
  const response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body: payload })
  if (!response.ok) throw new Error(`${target} on moto: HTTP ${response.status} ${await response.text()}`)
}

/** The login moto's ECR hands out, which the bench's registry then requires. */
async function ecrLogin(moto: Moto): Promise<{ username: string; password: string }> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr')
  const ecr = new ECRClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  })
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
  const [username = '', password = ''] = Buffer.from(token, 'base64').toString('utf8').split(':')
  return { username, password }
}

/**
 * The chart repositories the examples install from, each serving STAND-IN charts of the same name, version
 * and values shape (test/fixtures/charts), packaged and indexed by the real Helm as their publishers do.
 * A repository under a path (https://kubernetes.github.io/ingress-nginx) is that folder of its host's site.
 */
export const CHART_REPOSITORIES: { url: string; charts: string[] }[] = [
  { url: 'https://airflow.apache.org', charts: ['airflow'] },
  { url: 'https://kubernetes.github.io/ingress-nginx', charts: ['ingress-nginx'] },
  { url: 'https://kubernetes-sigs.github.io/metrics-server', charts: ['metrics-server'] },
  { url: 'https://charts.min.io', charts: ['minio'] },
  { url: 'https://community-charts.github.io/helm-charts', charts: ['mlflow'] },
  { url: 'https://grafana.github.io/helm-charts', charts: ['grafana'] },
]

async function chartSites(dir: string): Promise<Record<string, string>> {
  const sites: Record<string, string> = {}
  const helm = (...args: string[]) => promisify(execFile)(toolPaths().helm, args, { env: { PATH: process.env.PATH, HOME: dir } })
  for (const repository of CHART_REPOSITORIES) {
    const url = new URL(repository.url)
    sites[url.host] ??= join(dir, url.host)
    const folder = join(sites[url.host] as string, url.pathname)
    await mkdir(folder, { recursive: true })
    for (const chart of repository.charts)
      await helm('package', join(repoRoot, 'test', 'fixtures', 'charts', chart), '--destination', folder)
    await helm('repo', 'index', folder, '--url', repository.url)
  }
  return sites
}

/**
 * Airflow's published constraints (raw.githubusercontent.com/apache/airflow/constraints-<version>/…), which the
 * PR checks' DAG job installs with: here the pins the setup installed the bench's Airflow from.
 */
async function constraintsSite(dir: string): Promise<string> {
  const site = join(dir, 'raw.githubusercontent.com')
  const folder = join(site, 'apache', 'airflow', `constraints-${VERSIONS.airflow}`)
  await mkdir(folder, { recursive: true })
  // The setup's hash-pinned requirements, as the plain name==version lines Airflow publishes.
  const pinned = await readFile(join(repoRoot, 'scripts', 'constraints', 'airflow.txt'), 'utf8')
  const constraints = `${[...pinned.matchAll(/^([A-Za-z0-9][\w.-]*==[^\s\\;]+)/gm)].map((match) => match[1]).join('\n')}\n`
  for (const python of ['3.11', '3.12']) await writeFile(join(folder, `constraints-${python}.txt`), constraints)
  return site
}

/**
 * raw.githubusercontent.com: Airflow's constraints files, and kubeconform's default schema location
 * (yannh/kubernetes-json-schema's standalone schemas), made here from the Kubernetes schemas the setup
 * took from PyPI's kubernetes-validate, bundled standalone by kubeconform-validate's own code.
 */
export function rawGitHub(constraints: string): Site {
  const schemaPath = /^\/yannh\/kubernetes-json-schema\/master\/(v[\d.]+)-standalone(-strict)?\/([a-z0-9-]+\.json)$/
  return async (path) => {
    const schema = schemaPath.exec(path)
    if (!schema) return readFile(join(constraints, path)).catch(() => undefined)
    const [, version, strict = '', file = ''] = schema
    const folder = join(toolPaths().schemas, `${version}-local${strict}`)
    const local = await readFile(join(folder, file), 'utf8').catch(() => undefined)
    if (!local) return undefined
    // The schemas refer to https://kubernetes.io/api/_definitions.json, which is their folder's own.
    const load = async (url: string) =>
      url.endsWith('/_definitions.json') ? JSON.parse(await readFile(join(folder, '_definitions.json'), 'utf8')) : undefined
    const bundled = await bundleSchema(JSON.parse(local), `https://kubernetes.io/api/${file}`, load)
    if (bundled.unresolved.length) throw new Error(`unresolved: ${bundled.unresolved.join(', ')}`)
    return Buffer.from(JSON.stringify(bundled.schema))
  }
}

async function provisionLoadBalancers(plane: ControlPlane): Promise<number> {
  const list = await plane.request('/api/v1/services')
  const services = ((list.body as { items?: Service[] }).items ?? []).filter(
    (service) => service.spec?.type === 'LoadBalancer' && !service.status?.loadBalancer?.ingress?.length,
  )
  for (const service of services) {
    const { namespace, name } = service.metadata
    service.status = { loadBalancer: { ingress: [{ hostname: `${name}.${namespace}.elb.bench.invalid` }] } }
    await plane.request(`/api/v1/namespaces/${namespace}/services/${name}/status`, { method: 'PUT', body: service })
  }
  return services.length
}

interface Service {
  metadata: { namespace: string; name: string }
  spec?: { type?: string }
  status?: { loadBalancer?: { ingress?: { hostname?: string }[] } }
}
