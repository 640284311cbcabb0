import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { sdkEksApi } from '../../../actions/eks-wait-and-helm/src/eks/api'
import { classifyAwsError } from '../../../actions/eks-wait-and-helm/src/eks/wait-context'
import { toolPaths } from '../../../scripts/toolchain.mjs'
import { type FaultProxy, startFaultProxy } from '../../bench/fault-proxy'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from '../../bench/moto'
import { node24, repoRoot, runAction } from '../../harness/runner'
import { decodeEksToken, tokenSignatureValid } from './sigv4-verify'
import { type FakeApiServer, makeTlsFixture, startFakeApiServer, type TlsFixture } from './tls-api-server'

let moto: Moto
let proxy: FaultProxy
let tls: TlsFixture

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startFaultProxy(moto.endpoint)
  tls = makeTlsFixture()
})
afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})
beforeEach(() => proxy.clear())

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }
const eks = () => new EKSClient({ region: BENCH_REGION, endpoint: moto.endpoint, maxAttempts: 1, credentials })

async function createCluster(name: string, nodegroups: string[] = []): Promise<void> {
  const client = eks()
  await client.send(
    new CreateClusterCommand({
      name,
      roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d'] },
    }),
  )
  for (const nodegroupName of nodegroups) {
    await client.send(
      new CreateNodegroupCommand({
        clusterName: name,
        nodegroupName,
        nodeRole: `arn:aws:iam::${MOTO_ACCOUNT}:role/eks-node`,
        subnets: ['subnet-0a1b2c3d'],
      }),
    )
  }
}

/** The runner environment of a job after oidc-auth: credentials and region exported, AWS pointed at the proxy in front of moto. */
function jobEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    PIPELINE_ACTIONS_TOOL_CACHE: toolPaths().root,
    ...extra,
  }
}

const describeCalls = (name: string) => proxy.calls.filter((call) => call.operation === `GET /clusters/${name}`)

/** Temporary credentials for a CI role, from moto's STS, as oidc-auth would export them. */
async function assumeRole(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: `Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::${MOTO_ACCOUNT}:role/ci-deploy&RoleSessionName=gha-4242`,
  })
  const xml = await response.text()
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? ''
  return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') }
}

describe('the EKS API client against moto', () => {
  it('reads clusters and node groups, and its errors classify', async () => {
    await createCluster('sdk-view', ['ng-a', 'ng-b'])
    // The SDK reads credentials from the process environment, as it does in the action.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' })
    const api = sdkEksApi(BENCH_REGION, { AWS_ENDPOINT_URL: proxy.endpoint })
    expect(await api.describeCluster('sdk-view')).toMatchObject({
      name: 'sdk-view',
      arn: `arn:aws:eks:us-east-1:${MOTO_ACCOUNT}:cluster/sdk-view`,
      status: 'ACTIVE',
      endpoint: expect.stringMatching(/^https:\/\//),
      certificateAuthority: expect.any(String),
      // What decides the advice for an unreachable endpoint (moto lists no public CIDRs where EKS says 0.0.0.0/0).
      endpointAccess: { publicAccess: true, privateAccess: false, publicCidrs: [] },
      healthIssues: [],
    })
    expect((await api.listNodegroups('sdk-view')).sort()).toEqual(['ng-a', 'ng-b'])
    expect(await api.describeNodegroup('sdk-view', 'ng-a')).toEqual({ name: 'ng-a', status: 'ACTIVE', healthIssues: [] })
    expect(classifyAwsError(await api.describeCluster('missing').catch((e: unknown) => e))).toBe('not-found')
    expect(classifyAwsError(await api.describeNodegroup('sdk-view', 'missing').catch((e: unknown) => e))).toBe('not-found')
    proxy.inject(
      {
        match: 'GET /clusters/sdk-view',
        fault: {
          type: 'respond',
          status: 200,
          body: {
            cluster: {
              name: 'sdk-view',
              status: 'FAILED',
              resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
              health: { issues: [{ code: 'VpcNotFound', message: 'gone', resourceIds: ['vpc-1'] }] },
            },
          },
        },
      },
      {
        match: 'GET /clusters/sdk-view/node-groups/ng-a',
        fault: {
          type: 'respond',
          status: 200,
          body: {
            nodegroup: {
              nodegroupName: 'ng-a',
              status: 'CREATE_FAILED',
              health: { issues: [{ code: 'InstanceLimitExceeded', message: 'limit' }] },
            },
          },
        },
      },
    )
    expect(await api.describeCluster('sdk-view')).toMatchObject({
      status: 'FAILED',
      endpointAccess: { publicAccess: false, privateAccess: true, publicCidrs: [] },
      healthIssues: [{ code: 'VpcNotFound', message: 'gone', resourceIds: ['vpc-1'] }],
    })
    expect(await api.describeNodegroup('sdk-view', 'ng-a')).toMatchObject({
      status: 'CREATE_FAILED',
      healthIssues: [{ code: 'InstanceLimitExceeded', message: 'limit' }],
    })
  })
})

describe('the committed bundle against moto', () => {
  it('finds an ACTIVE cluster and its node groups, and writes a 0600 kubeconfig that runs the bundled token plugin', async () => {
    await createCluster('ready-now', ['system', 'workers'])
    const runnerTemp = await mkdtemp(join(tmpdir(), 'runner-temp-'))
    const run = await runAction('eks-wait-and-helm', {
      inputs: { 'cluster-name': 'ready-now', nodegroups: 'all', 'check-api': 'false' },
      env: jobEnv({ RUNNER_TEMP: runnerTemp }),
    })
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    const kubeconfig = join(runnerTemp, 'eks-wait-and-helm', 'ready-now.kubeconfig')
    expect(run.outputs).toEqual({ endpoint: expect.stringMatching(/^https:\/\/.+\.eks\.amazonaws\.com\/?$/), kubeconfig, releases: '[]' })
    expect(run.exportedEnv).toEqual({ KUBECONFIG: kubeconfig })
    expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600)
    const config = parse(await readFile(kubeconfig, 'utf8'))
    expect(config.clusters[0].cluster.server).toBe(run.outputs.endpoint)
    expect(config.users[0].user.exec).toMatchObject({
      command: node24(),
      args: [join(repoRoot, 'actions/eks-wait-and-helm/dist/bin/token/index.js'), '--cluster-name', 'ready-now', '--region', 'us-east-1'],
    })
    expect(describeCalls('ready-now')).toHaveLength(1)
    expect(run.visibleLog).toMatch(/Node groups ready: (system|workers) \(ACTIVE\), (system|workers) \(ACTIVE\)/)
    expect(run.summary).toMatch(/\| ACTIVE \|/)
  })

  it("waits for a cluster that does not exist yet and is created seconds later (the seed's first run)", async () => {
    const created = new Promise<void>((resolve, reject) => {
      setTimeout(() => createCluster('first-run', ['workers']).then(resolve, reject), 4000)
    })
    const run = await runAction('eks-wait-and-helm', {
      inputs: { 'cluster-name': 'first-run', nodegroups: 'workers', 'check-api': 'false' },
      env: jobEnv(),
    })
    await created
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(run.visibleLog).toMatch(/Cluster 'first-run' does not exist yet \(0s\); waiting for it to be created\./)
    expect(run.visibleLog).toMatch(/Cluster 'first-run' is ACTIVE \(after \d+s, \d+ DescribeCluster calls\)/)
    // Short polls at first: created 4 s in, seen in a handful of calls rather than after a 30 s poll.
    expect(describeCalls('first-run').length).toBeGreaterThanOrEqual(2)
    expect(describeCalls('first-run').length).toBeLessThanOrEqual(6)
  })

  it.each([
    [
      'FAILED',
      {
        cluster: {
          name: 'broken',
          status: 'FAILED',
          health: { issues: [{ code: 'IamRoleNotFound', message: 'Role eks-cluster not found', resourceIds: ['eks-cluster'] }] },
        },
      },
      /^Cluster 'broken' is FAILED: IamRoleNotFound: Role eks-cluster not found \(eks-cluster\)\. Fix the cause/,
    ],
    ['DELETING', { cluster: { name: 'broken', status: 'DELETING' } }, /^Cluster 'broken' is being deleted \(DELETING\)/],
  ])('fails at the first call on a %s cluster, with its health issues', async (_status, body, message) => {
    proxy.inject({ match: 'GET /clusters/broken', times: 50, fault: { type: 'respond', status: 200, body } })
    const run = await runAction('eks-wait-and-helm', { inputs: { 'cluster-name': 'broken', 'check-api': 'false' }, env: jobEnv() })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(message)
    expect(describeCalls('broken')).toHaveLength(1)
    expect(run.visibleLog).not.toMatch(/\n\s+at\s/)
  })

  it('fails at the first call on AccessDenied, naming what to grant', async () => {
    proxy.inject({
      match: 'GET /clusters/locked',
      times: 50,
      fault: {
        type: 'aws-error',
        status: 403,
        code: 'AccessDeniedException',
        message: 'User: arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: eks:DescribeCluster',
      },
    })
    const run = await runAction('eks-wait-and-helm', { inputs: { 'cluster-name': 'locked', 'check-api': 'false' }, env: jobEnv() })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(
      /^Not allowed to describe EKS cluster 'locked': AccessDeniedException: User: .* eks:DescribeCluster\. Grant the CI role eks:DescribeCluster/,
    )
    expect(describeCalls('locked')).toHaveLength(1)
  })

  it('fails at once on a CREATE_FAILED node group', async () => {
    await createCluster('bad-nodes', ['workers'])
    proxy.inject({
      match: 'GET /clusters/bad-nodes/node-groups/workers',
      times: 50,
      fault: {
        type: 'respond',
        status: 200,
        body: {
          nodegroup: {
            nodegroupName: 'workers',
            status: 'CREATE_FAILED',
            health: { issues: [{ code: 'NodeCreationFailure', message: 'Instances failed to join the kubernetes cluster' }] },
          },
        },
      },
    })
    const run = await runAction('eks-wait-and-helm', {
      inputs: { 'cluster-name': 'bad-nodes', nodegroups: 'workers', 'check-api': 'false' },
      env: jobEnv(),
    })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(
      /^Node group 'workers' of cluster 'bad-nodes' is CREATE_FAILED: NodeCreationFailure: Instances failed to join/,
    )
    expect(proxy.calls.filter((call) => call.operation === 'GET /clusters/bad-nodes/node-groups/workers')).toHaveLength(1)
  })

  it('respects the deadline while the cluster stays CREATING', async () => {
    proxy.inject({
      match: 'GET /clusters/slow',
      times: 1000,
      fault: { type: 'respond', status: 200, body: { cluster: { name: 'slow', status: 'CREATING' } } },
    })
    const run = await runAction('eks-wait-and-helm', {
      inputs: { 'cluster-name': 'slow', timeout: '5s', 'check-api': 'false' },
      env: jobEnv(),
    })
    expect(run.exitCode).toBe(1)
    expect(run.failure).toMatch(/^Cluster 'slow' did not become ACTIVE within 5s \(timeout\); its last state was CREATING\./)
    // 2 s, 3 s (clipped at the deadline): three polls, the last one at the deadline.
    expect(describeCalls('slow').length).toBeGreaterThanOrEqual(2)
    expect(describeCalls('slow').length).toBeLessThanOrEqual(4)
  })

  it('uninstall mode succeeds with a notice when the cluster is already gone', async () => {
    const run = await runAction('eks-wait-and-helm', {
      inputs: { 'cluster-name': 'destroyed', mode: 'uninstall', releases: '- name: demo\n  chart: ./test/fixtures/charts/eks-demo\n' },
      env: jobEnv(),
    })
    expect(run.exitCode).toBe(0)
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'notice',
        message: "Cluster 'destroyed' does not exist in us-east-1; there are no releases to uninstall.",
      }),
    ])
    expect(run.outputs.releases).toBe('[]')
  })
})

describe('the token', () => {
  it('from the bundled plugin is an ExecCredential whose presigned URL is signed correctly, with the session token', async () => {
    const role = await assumeRole()
    expect(role.sessionToken).not.toBe('')
    const result = spawnSync(
      node24(),
      [join(repoRoot, 'actions/eks-wait-and-helm/dist/bin/token/index.js'), '--cluster-name', 'data-dev', '--region', 'us-east-1'],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: role.accessKeyId,
          AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
          AWS_SESSION_TOKEN: role.sessionToken,
          AWS_ENDPOINT_URL_STS: moto.endpoint,
        },
        encoding: 'utf8',
      },
    )
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const credential = JSON.parse(result.stdout)
    expect(credential).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {} })
    const expires = Date.parse(credential.status.expirationTimestamp)
    expect(expires - Date.now()).toBeGreaterThan(13 * 60_000)
    expect(expires - Date.now()).toBeLessThanOrEqual(14 * 60_000)
    const { token } = credential.status
    const { url, params } = decodeEksToken(token)
    expect(url.origin).toBe(moto.endpoint)
    expect(params).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': role.sessionToken,
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    })
    expect(params['X-Amz-Credential']).toMatch(new RegExp(`^${role.accessKeyId}/\\d{8}/us-east-1/sts/aws4_request$`))
    expect(tokenSignatureValid(token, 'data-dev', role.secretAccessKey)).toBe(true)

    // moto cannot route the presigned GET itself: it ignores the Host header and reads the service only from
    // an Authorization header, so a query-signed GET lands in its S3 backend.
    const direct = await fetch(url, { headers: { 'x-k8s-aws-id': 'data-dev' } })
    expect(await direct.text()).not.toContain('GetCallerIdentityResponse')
    // Sent with the same credential scope, signed headers and signature in an Authorization header, moto's STS
    // routes it and names the caller from the token's access key: the CI role's session, as EKS would see it.
    const viaHeader = await fetch(url, {
      headers: {
        'x-k8s-aws-id': 'data-dev',
        authorization: `AWS4-HMAC-SHA256 Credential=${params['X-Amz-Credential']}, SignedHeaders=${params['X-Amz-SignedHeaders']}, Signature=${params['X-Amz-Signature']}`,
      },
    })
    const identity = await viaHeader.text()
    expect(identity).toContain('<GetCallerIdentityResponse')
    expect(identity).toContain(`<Arn>arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/ci-deploy/gha-4242</Arn>`)
  })

  it('from the plugin without credentials fails with a line kubectl shows', () => {
    const result = spawnSync(
      node24(),
      [join(repoRoot, 'actions/eks-wait-and-helm/dist/bin/token/index.js'), '--cluster-name', 'x', '--region', 'us-east-1'],
      {
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      },
    )
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'eks-wait-and-helm token: No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to sign the cluster token with. Run oidc-auth (or another credentials step that exports them) earlier in the job.\n',
    )
  })
})

describe('reaching the API server and running helm through the kubeconfig', () => {
  let api: FakeApiServer | undefined
  afterEach(async () => {
    await api?.stop()
    api = undefined
  })

  it.each([
    ['v3.19.0', 'v3.19'],
    ['v4.3.1', 'v4.3'],
  ])(
    'retries 403 on /readyz, then helm %s authenticates with the token plugin; the deploy fails on this fake server, saying which release',
    async (helmVersion, reported) => {
      const role = await assumeRole()
      let readyzAnswers = 0
      const server = await startFakeApiServer(tls, (request) => {
        if (request.path === '/readyz') return { status: readyzAnswers++ < 2 ? 403 : 200, body: 'ok' }
        if (request.path === '/version')
          return { status: 200, body: { major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' } }
        if (request.path.startsWith('/api/v1/namespaces/apps/secrets'))
          return { status: 200, body: { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [] } }
        return { status: 404, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 } }
      })
      api = server
      proxy.inject({
        match: 'GET /clusters/reach',
        times: 50,
        fault: {
          type: 'respond',
          status: 200,
          body: {
            cluster: {
              name: 'reach',
              arn: `arn:aws:eks:us-east-1:${MOTO_ACCOUNT}:cluster/reach`,
              status: 'ACTIVE',
              endpoint: server.endpoint,
              certificateAuthority: { data: Buffer.from(tls.caPem).toString('base64') },
              accessConfig: { authenticationMode: 'API' },
            },
          },
        },
      })
      const run = await runAction('eks-wait-and-helm', {
        inputs: {
          'cluster-name': 'reach',
          nodegroups: 'none',
          'helm-version': helmVersion,
          releases:
            '- name: demo\n  chart: ./test/fixtures/charts/eks-demo\n  namespace: apps\n  timeout: 20s\n  values:\n    settings:\n      PASSWORD: inline-value-never-logged\n',
        },
        env: jobEnv({
          AWS_ACCESS_KEY_ID: role.accessKeyId,
          AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
          AWS_SESSION_TOKEN: role.sessionToken,
        }),
      })
      expect(run.exitCode).toBe(1)
      expect(run.visibleLog).toMatch(/The API server answered 403; access entries can take a moment to apply, retrying\./)
      expect(run.visibleLog).toMatch(/The API server of 'reach' is ready and accepts the CI role's token/)
      // helm read the release history through the plugin's token (none: a first install), then failed where this fake server stops.
      expect(run.visibleLog).toContain(`Installing release 'demo' in namespace 'apps' (helm ${reported}).`)
      expect(run.failure).toMatch(/^helm upgrade of release 'demo' exited with 1: Error: /)
      expect(run.outputs.endpoint).toBe(server.endpoint)
      const readyz = server.requests.filter((request) => request.path === '/readyz')
      const fromHelm = server.requests.filter((request) => request.path !== '/readyz')
      expect(readyz).toHaveLength(3)
      expect(fromHelm.length).toBeGreaterThan(0)
      // Every request, the action's own and helm's through the kubeconfig's exec plugin, carried a valid token for this cluster.
      for (const request of server.requests) {
        const token = request.authorization?.replace(/^Bearer /, '') ?? ''
        expect(tokenSignatureValid(token, 'reach', role.secretAccessKey), `${request.path} ${token.slice(0, 40)}`).toBe(true)
        expect(decodeEksToken(token).params['X-Amz-Security-Token']).toBe(role.sessionToken)
      }
      expect(fromHelm.some((request) => request.path.startsWith('/api/v1/namespaces/apps/secrets'))).toBe(true)
      expect(run.visibleLog).not.toContain('inline-value-never-logged')
      expect(run.visibleLog).not.toContain(role.secretAccessKey)
    },
  )
})
