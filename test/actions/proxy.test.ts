import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { awsClientConfig } from '../../lib/aws/clients'
import { type ConnectProxy, startConnectProxy } from '../bench/connect-proxy'
import { MOTO_ACCOUNT, type Moto, startMoto } from '../bench/moto'
import { type OidcIssuer, startOidcIssuer } from '../bench/oidc-issuer'
import { runAction } from '../harness/runner'

/**
 * Every call an action makes to the network honours the runner's proxy
 * variables, as a self-hosted runner behind an egress proxy needs. The
 * endpoints are named `*.proxied.test`, which no resolver knows: a call that
 * succeeds went through the proxy, which maps every host to loopback and
 * records it. For NO_PROXY the endpoint must be reachable directly, yet not
 * a name http-client always sends direct (localhost, 127.*, [::1]): the
 * IPv4-mapped form of 127.0.0.1 is such an address. A control run without
 * NO_PROXY shows the same address does go through the proxy, so the second
 * run proves NO_PROXY, not an exception for loopback.
 */

let moto: Moto
let issuer: OidcIssuer
let proxy: ConnectProxy

beforeAll(async () => {
  ;[moto, issuer, proxy] = await Promise.all([startMoto(), startOidcIssuer(), startConnectProxy()])
})
afterAll(async () => {
  await Promise.all([proxy?.stop(), issuer?.stop(), moto?.stop()])
})
beforeEach(() => proxy.clear())

const portOf = (url: string) => new URL(url).port
const MAPPED_LOOPBACK = '[::ffff:7f00:1]'
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/ci`

function oidcAuth(stsHost: string, env: Record<string, string>) {
  const issuerUrl = new URL(issuer.env.ACTIONS_ID_TOKEN_REQUEST_URL as string)
  issuerUrl.hostname = 'token.proxied.test'
  return runAction('oidc-auth', {
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1' },
    env: {
      ...issuer.env,
      ACTIONS_ID_TOKEN_REQUEST_URL: issuerUrl.href,
      AWS_ENDPOINT_URL_STS: `http://${stsHost}:${portOf(moto.endpoint)}`,
      ...env,
    },
  })
}

describe('oidc-auth behind HTTPS_PROXY', () => {
  it('reaches the token service and STS only through the proxy', async () => {
    const run = await oidcAuth('sts.proxied.test', { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url })
    expect(run.failure).toBeUndefined()
    expect(run.exitCode).toBe(0)
    expect(run.outputs['aws-account-id']).toBe(MOTO_ACCOUNT)
    expect(proxy.tunnels).toEqual([
      `token.proxied.test:${portOf(issuer.issuer)}`,
      `sts.proxied.test:${portOf(moto.endpoint)}`,
      `sts.proxied.test:${portOf(moto.endpoint)}`,
    ])
    expect(proxy.refused).toEqual([])
  })

  it('fails without the proxy: the names resolve nowhere else', async () => {
    const run = await oidcAuth('sts.proxied.test', {})
    expect(run.exitCode).toBe(1)
    expect(proxy.tunnels).toEqual([])
  })

  it('sends a host NO_PROXY names directly, and the same host through the proxy without it', async () => {
    const proxied = await oidcAuth(MAPPED_LOOPBACK, { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url })
    expect(proxied.exitCode).toBe(0)
    expect(proxy.tunnels.filter((host) => !host.startsWith('token.'))).toHaveLength(2)
    proxy.clear()

    const direct = await oidcAuth(MAPPED_LOOPBACK, {
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      NO_PROXY: `example.com,${MAPPED_LOOPBACK}`,
    })
    expect(direct.exitCode).toBe(0)
    expect(direct.outputs['aws-account-id']).toBe(MOTO_ACCOUNT)
    expect(proxy.tunnels).toEqual([`token.proxied.test:${portOf(issuer.issuer)}`])
  })
})

describe('the AWS SDK clients (ECR, EKS) behind HTTPS_PROXY', () => {
  const saved = { ...process.env }
  afterEach(() => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  })
  const env = (host: string) => ({ AWS_ENDPOINT_URL: `http://${host}:${portOf(moto.endpoint)}` })
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }
  const describeRepositories = (host: string) =>
    new ECRClient({ ...awsClientConfig('ECR', 'us-east-1', env(host)), credentials }).send(new DescribeRepositoriesCommand({}))
  const listClusters = (host: string) =>
    new EKSClient({ ...awsClientConfig('EKS', 'us-east-1', env(host)), credentials }).send(new ListClustersCommand({}))

  it('tunnel ECR and EKS calls through the proxy', async () => {
    process.env.HTTPS_PROXY = proxy.url
    process.env.HTTP_PROXY = proxy.url
    expect((await describeRepositories('ecr.proxied.test')).repositories).toEqual([])
    expect((await listClusters('eks.proxied.test')).clusters).toEqual([])
    expect(proxy.tunnels).toEqual([`ecr.proxied.test:${portOf(moto.endpoint)}`, `eks.proxied.test:${portOf(moto.endpoint)}`])
  })

  it('cannot reach those names without the proxy', async () => {
    await expect(describeRepositories('ecr.proxied.test')).rejects.toThrow(/ENOTFOUND|getaddrinfo/)
    expect(proxy.tunnels).toEqual([])
  })

  it('go directly to a host NO_PROXY names, through the proxy otherwise', async () => {
    process.env.HTTPS_PROXY = proxy.url
    process.env.HTTP_PROXY = proxy.url
    await listClusters(MAPPED_LOOPBACK)
    expect(proxy.tunnels).toHaveLength(1)
    proxy.clear()
    process.env.NO_PROXY = MAPPED_LOOPBACK
    expect((await describeRepositories(MAPPED_LOOPBACK)).repositories).toEqual([])
    expect((await listClusters(MAPPED_LOOPBACK)).clusters).toEqual([])
    expect(proxy.tunnels).toEqual([])
  })
})
