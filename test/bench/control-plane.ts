import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type AccessEntry, type EksTokenWebhook, startEksTokenWebhook, type TokenReviewRecord } from './eks-token-webhook'
import { type ClientIdentity, type ClusterPki, type KeyPair, makeClusterPki } from './kube-pki'
import { freePort, waitFor } from './ports'

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler built from the pinned Kubernetes
 * release, plus kwok simulating one node and its pods' lifecycle, so a
 * Deployment becomes Ready without a kubelet or a container runtime.
 *
 * Bearer tokens are checked by the bench's EKS token webhook (EKS-style
 * `k8s-aws-v1.` tokens against moto's STS, mapped through access entries the
 * test sets); authorization is Node and RBAC; the bench itself is
 * system:masters through a client certificate. Certificates are made per run.
 *
 * Every process is tied to the test process: if it dies without stopping the
 * control plane, a small reaper kills the components and removes the folder.
 */

export interface ControlPlaneOptions {
  /** The STS endpoint (moto, or a fault proxy in front of it) EKS tokens must be presigned for. */
  stsEndpoint: string
  /** The EKS cluster name tokens must sign in their x-k8s-aws-id header (default `bench`). */
  clusterName?: string
}

export interface KubeResponse {
  status: number
  body: unknown
  text: string
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string
  clusterName: string
  /** The cluster CA as EKS's DescribeCluster returns it: base64 of the PEM. */
  caData: string
  caFile: string
  /** A kubeconfig for system:masters through a client certificate. */
  adminKubeconfig: string
  /** The kwok node pods are scheduled on. */
  nodeName: string
  /** Grants an IAM principal (role or user ARN) access, like an EKS access entry. */
  setAccess(principalArn: string, entry: AccessEntry): void
  /** Takes access away from new tokens; the API server keeps honouring a token it accepted in the last 10 s. */
  removeAccess(principalArn: string): void
  /** Every token review answered, oldest first. */
  reviews: TokenReviewRecord[]
  /** Writes a kubeconfig that presents `token` as a bearer token; returns its path. */
  tokenKubeconfig(token: string): Promise<string>
  /** Calls the API server as the admin, or with a bearer token when given. */
  request(path: string, options?: { method?: string; body?: unknown; token?: string }): Promise<KubeResponse>
  /** How long each start-up phase took, in ms, and the total. */
  startup: Record<string, number>
  /** The last lines each component logged, for a failing test's message. */
  logs(): Promise<string>
  /** Stops every component and removes its files; calling it again does nothing. */
  stop(): Promise<void>
}

const SERVICE_RANGE = '10.0.0.0/24'
const SERVICE_IP = '10.0.0.1'
const POD_RANGE = '10.244.0.0/16'
const NODE_NAME = 'kwok-node-0'
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node'
const START_TIMEOUT_MS = 180_000

const CLIENTS: Record<string, ClientIdentity> = {
  admin: { user: 'bench-admin', groups: ['system:masters'] },
  'kube-controller-manager': { user: 'system:kube-controller-manager' },
  'kube-scheduler': { user: 'system:kube-scheduler' },
  // kwok writes node and pod status, leases and events for every node it simulates.
  kwok: { user: 'kwok', groups: ['system:masters'] },
}

// Runs detached from the test process and reads component pids from its stdin. The
// pipe closes when the test process exits for any reason, and the reaper then kills
// what is left and removes the folder. A normal stop kills the reaper first.
const REAPER = `
pids=
while read -r pid; do pids="$pids $pid"; done
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
rm -rf -- "$1"
`

type User = { clientCertificate: KeyPair } | { token: string }

export function kubeconfig(server: string, caFile: string, user: User): string {
  const credentials =
    'token' in user
      ? { token: user.token }
      : { 'client-certificate': user.clientCertificate.cert, 'client-key': user.clientCertificate.key }
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bench', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'bench-user', user: credentials }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench-user' } }],
    'current-context': 'bench',
  })
}

function missingBinaries(): string[] {
  const paths = toolPaths()
  return [paths.etcd, paths.kubeApiserver, paths.kubeControllerManager, paths.kubeScheduler, paths.kwok, paths.kwokStages].filter(
    (path) => !existsSync(path),
  )
}

interface Component {
  name: string
  child: ChildProcess
  log: string
  exited: Promise<void>
}

/**
 * The control plane's processes, each logging to a file in the run folder and
 * registered with the reaper, so they die with the test process; stopped in
 * order (clients first, etcd last) so nothing logs errors about a vanished
 * API server while stopping.
 */
class Processes {
  private readonly components: Component[] = []
  private readonly reaper: ChildProcess

  constructor(private readonly dir: string) {
    this.reaper = spawn('sh', ['-c', REAPER, 'control-plane-reaper', dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
    this.reaper.unref()
    ;(this.reaper.stdin as unknown as Socket).unref()
    // Writing to a reaper that is gone must not crash the test process.
    this.reaper.stdin?.on('error', () => {})
  }

  launch(name: string, binary: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
    const log = join(this.dir, `${name}.log`)
    const fd = openSync(log, 'a')
    const child = spawn(binary, args, { stdio: ['ignore', fd, fd], env })
    closeSync(fd)
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.once('error', () => resolve())
    })
    this.reaper.stdin?.write(`${child.pid}\n`)
    this.components.push({ name, child, log, exited })
  }

  /** `wait`, ended at once, with an error naming it, by any process that exits meanwhile. */
  watch<T>(what: string, wait: Promise<T>): Promise<T> {
    return Promise.race([
      wait,
      ...this.components.map(({ name, exited }) =>
        exited.then(() => {
          throw new Error(`${name} exited while waiting for ${what}`)
        }),
      ),
    ])
  }

  /** The last lines of every process's log, with whether it still runs. */
  async logs(): Promise<string> {
    const tails = await Promise.all(
      this.components.map(async ({ name, log, child }) => {
        const text = await readFile(log, 'utf8').catch(() => '')
        const state = child.exitCode === null && child.signalCode === null ? 'running' : `exited (${child.exitCode ?? child.signalCode})`
        return `--- ${name}: ${state}\n${text.split('\n').slice(-25).join('\n')}`
      }),
    )
    return tails.join('\n')
  }

  async stop(): Promise<void> {
    try {
      this.reaper.kill('SIGKILL')
    } catch {}
    for (const group of [['kwok', 'kube-scheduler', 'kube-controller-manager'], ['kube-apiserver'], ['etcd']]) {
      await Promise.all(
        this.components
          .filter((component) => group.includes(component.name))
          .map(async ({ child, exited }) => {
            if (child.exitCode !== null || child.signalCode !== null) return
            child.kill('SIGTERM')
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
            await exited
            clearTimeout(timer)
          }),
      )
    }
  }
}

let current: { key: string; plane: Promise<ControlPlane> } | undefined

/**
 * Starts the control plane, or returns the one this process already runs for
 * the same options, so test files can share one without coordinating.
 */
export function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const key = JSON.stringify([options.stsEndpoint, options.clusterName ?? 'bench'])
  if (current?.key === key) return current.plane
  if (current) return Promise.reject(new Error('a control plane with other options is already running in this process; stop it first'))
  let entry: { key: string; plane: Promise<ControlPlane> } | undefined
  const forget = () => {
    if (current === entry) current = undefined
  }
  const plane = launchControlPlane(options, forget)
  // A failed start is not cached: the next call tries again.
  plane.catch(forget)
  entry = { key, plane }
  current = entry
  return plane
}

/** What the phases below share: where the run lives, its certificates and how to reach the API server. */
interface Run {
  dir: string
  processes: Processes
  pki: ClusterPki
  server: string
  caPem: Buffer
  admin: Credentials
}

/**
 * Certificates, the EKS token webhook, etcd, the API server, then the
 * controllers, the scheduler and kwok's node: each phase timed into
 * `startup`, and a failure in any of them stops what started, with the logs.
 */
async function launchControlPlane(options: ControlPlaneOptions, forget: () => void): Promise<ControlPlane> {
  const missing = missingBinaries()
  if (missing.length > 0) throw new Error(`the control plane is not installed (${missing.join(', ')}): run 'npm run setup'`)
  const clusterName = options.clusterName ?? 'bench'
  const started = Date.now()
  const startup: Record<string, number> = {}
  const timed = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    const since = Date.now()
    const result = await body()
    startup[name] = Date.now() - since
    return result
  }

  const dir = await mkdtemp(join(tmpdir(), 'control-plane-'))
  const processes = new Processes(dir)
  let webhook: EksTokenWebhook | undefined
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      forget()
      await processes.stop()
      await webhook?.stop()
      await rm(dir, { recursive: true, force: true })
    })()
    return stopped
  }

  try {
    const pki = await timed('certificates', () => makeClusterPki(dir, { serviceIp: SERVICE_IP, clients: CLIENTS }))
    const [etcdClientPort, etcdPeerPort, apiserverPort] = [await freePort(), await freePort(), await freePort()]
    const run: Run = {
      dir,
      processes,
      pki,
      server: `https://127.0.0.1:${apiserverPort}`,
      caPem: await readFile(pki.ca.cert),
      admin: await clientFor(pki, 'admin'),
    }
    const etcdUrl = await timed('etcd', async () => {
      webhook = await startEksTokenWebhook({ stsEndpoint: options.stsEndpoint, clusterName, tls: pki.webhook })
      return startEtcd(run, etcdClientPort, etcdPeerPort)
    })
    const hook = webhook as EksTokenWebhook
    await timed('kube-apiserver', () => startApiServer(run, apiserverPort, etcdUrl, hook.url))
    const adminKubeconfig = await timed('controllers, scheduler and kwok node', async () => {
      const configs = await startControllers(run)
      await addKwokNode(run)
      return configs.admin as string
    })
    startup.total = Date.now() - started

    const { server, caPem, admin } = run
    return {
      server,
      clusterName,
      caData: caPem.toString('base64'),
      caFile: pki.ca.cert,
      adminKubeconfig,
      nodeName: NODE_NAME,
      setAccess: (arn, entry) => hook.setAccess(arn, entry),
      removeAccess: (arn) => hook.removeAccess(arn),
      reviews: hook.reviews,
      async tokenKubeconfig(token) {
        const path = join(dir, `token-${Date.now()}-${Math.random().toString(36).slice(2)}.kubeconfig`)
        await writeFile(path, kubeconfig(server, pki.ca.cert, { token }), { mode: 0o600 })
        return path
      },
      request: (path, { method = 'GET', body, token } = {}) => kubeRequest(server, caPem, token ? { token } : admin, path, method, body),
      startup,
      logs: () => processes.logs(),
      stop,
    }
  } catch (error) {
    const detail = await processes.logs()
    await stop()
    throw new Error(`the control plane did not start: ${(error as Error).message}\n${detail}`)
  }
}

/** etcd on loopback, healthy; its client URL. */
async function startEtcd({ dir, processes }: Run, clientPort: number, peerPort: number): Promise<string> {
  const etcdUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  processes.launch('etcd', toolPaths().etcd, [
    '--name=bench',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=bench=${peerUrl}`,
    // A throwaway store: durability buys nothing and fsync costs seconds on a busy disk.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ])
  await processes.watch(
    'etcd',
    waitFor(
      'etcd to be healthy',
      async () => ((await (await fetch(`${etcdUrl}/health`)).json()) as { health?: string }).health === 'true',
      START_TIMEOUT_MS,
    ),
  )
  return etcdUrl
}

/** kube-apiserver on `port`, its bearer tokens checked by the webhook at `webhookUrl`, ready. */
async function startApiServer({ dir, processes, pki, server, caPem, admin }: Run, port: number, etcdUrl: string, webhookUrl: string) {
  const webhookConfig = join(dir, 'token-webhook.kubeconfig')
  await writeFile(
    webhookConfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'token-webhook', cluster: { server: webhookUrl, 'certificate-authority': pki.ca.cert } }],
      users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [{ name: 'webhook', context: { cluster: 'token-webhook', user: 'kube-apiserver' } }],
      'current-context': 'webhook',
    }),
  )
  processes.launch('kube-apiserver', toolPaths().kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    // The default reconciler would publish 127.0.0.1 as the kubernetes Service's endpoint, which validation refuses.
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${pki.apiserver.cert}`,
    `--tls-private-key-file=${pki.apiserver.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-account-issuer=https://kubernetes.default.svc`,
    `--service-account-key-file=${pki.serviceAccount.publicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
    `--service-cluster-ip-range=${SERVICE_RANGE}`,
    '--authorization-mode=Node,RBAC',
    `--authentication-token-webhook-config-file=${webhookConfig}`,
    '--authentication-token-webhook-version=v1',
    // No webhook cache, so an access entry the test adds takes effect on the next request. kube-apiserver
    // still keeps each accepted token for 10 s (a fixed default), so removing an entry stops new tokens only.
    '--authentication-token-webhook-cache-ttl=0s',
    '--profiling=false',
  ])
  await processes.watch(
    'the API server',
    waitFor(
      'the API server to be ready',
      async () => (await kubeRequest(server, caPem, admin, '/readyz')).status === 200,
      START_TIMEOUT_MS,
    ),
  )
}

/** kube-controller-manager, kube-scheduler and kwok, each with its own client certificate; the kubeconfigs written. */
async function startControllers({ dir, processes, pki, server }: Run): Promise<Record<string, string>> {
  const paths = toolPaths()
  const configs: Record<string, string> = {}
  for (const name of ['kube-controller-manager', 'kube-scheduler', 'kwok', 'admin']) {
    const path = join(dir, `${name}.kubeconfig`)
    configs[name] = path
    await writeFile(path, kubeconfig(server, pki.ca.cert, { clientCertificate: pki.clients[name] as KeyPair }))
  }
  processes.launch('kube-controller-manager', paths.kubeControllerManager, [
    `--kubeconfig=${configs['kube-controller-manager']}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccount.privateKey}`,
    `--root-ca-file=${pki.ca.cert}`,
    `--cluster-signing-cert-file=${pki.ca.cert}`,
    `--cluster-signing-key-file=${pki.ca.key}`,
    `--service-cluster-ip-range=${SERVICE_RANGE}`,
  ])
  processes.launch('kube-scheduler', paths.kubeScheduler, [
    `--kubeconfig=${configs['kube-scheduler']}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
  ])
  const stages = (await readdir(paths.kwokStages)).sort().map((file) => `--config=${join(paths.kwokStages, file)}`)
  // HOME points into the run folder: kwok also loads ~/.kwok/kwok.yaml when it exists.
  const kwokHome = join(dir, 'kwok-home')
  await mkdir(kwokHome)
  processes.launch(
    'kwok',
    paths.kwok,
    [
      `--kubeconfig=${configs.kwok}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      '--node-lease-duration-seconds=40',
      `--cidr=${POD_RANGE}`,
      ...stages,
    ],
    { ...process.env, HOME: kwokHome },
  )
  return configs
}

/** The one node kwok simulates, Ready, and the default service account the controllers create. */
async function addKwokNode({ processes, server, caPem, admin }: Run): Promise<void> {
  const created = await kubeRequest(server, caPem, admin, '/api/v1/nodes', 'POST', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  })
  if (created.status !== 201) throw new Error(`creating the kwok node failed: ${created.status} ${created.text}`)
  await processes.watch(
    'the kwok node and the default service account',
    waitFor(
      'the kwok node to be Ready and the default service account to exist',
      async () => {
        const node = (await kubeRequest(server, caPem, admin, `/api/v1/nodes/${NODE_NAME}`)).body as {
          status?: { conditions?: { type: string; status: string }[] }
        }
        const ready = node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')
        return !!ready && (await kubeRequest(server, caPem, admin, '/api/v1/namespaces/default/serviceaccounts/default')).status === 200
      },
      START_TIMEOUT_MS,
    ),
  )
}

type Credentials = { cert: Buffer; key: Buffer } | { token: string }

async function clientFor(pki: ClusterPki, name: string): Promise<Credentials> {
  const pair = pki.clients[name] as KeyPair
  return { cert: await readFile(pair.cert), key: await readFile(pair.key) }
}

function kubeRequest(
  server: string,
  ca: Buffer,
  credentials: Credentials,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const request = httpsRequest(
      new URL(path, server),
      {
        method,
        ca,
        ...('token' in credentials ? {} : { cert: credentials.cert, key: credentials.key }),
        headers: {
          accept: 'application/json',
          ...('token' in credentials ? { authorization: `Bearer ${credentials.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed, text })
        })
        response.on('error', reject)
      },
    )
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)))
    request.on('error', reject)
    request.end(payload)
  })
}
