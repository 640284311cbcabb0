import { CreateClusterCommand, DescribeClusterCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks'
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { BENCH_REGION } from './moto'
import { useStsBench } from './sts-bench'

const bench = useStsBench()

const eks = () =>
  new EKSClient({
    region: BENCH_REGION,
    endpoint: bench.proxy.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  })

describe('the local bench', () => {
  it('moto answers STS through the Query API', async () => {
    // moto routes a request by the service named in its signature's credential scope.
    const response = await fetch(bench.moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    })
    expect(await response.text()).toContain('<Account>123456789012</Account>')
  })

  it('the OIDC issuer signs tokens its JWKS verifies, with GitHub claims and the asked audience', async () => {
    const url = `${bench.issuer.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`
    const denied = await fetch(url)
    expect(denied.status).toBe(401)
    const response = await fetch(url, { headers: { authorization: `Bearer ${bench.issuer.requestToken}` } })
    const { value } = (await response.json()) as { value: string }
    const jwks = createRemoteJWKSet(new URL(`${bench.issuer.issuer}/.well-known/jwks`))
    const { payload } = await jwtVerify(value, jwks, { issuer: bench.issuer.issuer, audience: 'sts.amazonaws.com' })
    expect(payload).toMatchObject({
      sub: 'repo:example-org/data-pipeline:environment:dev',
      repository: 'example-org/data-pipeline',
      environment: 'dev',
    })
    bench.issuer.setClaims({ environment: 'prod', sub: 'repo:example-org/data-pipeline:environment:prod' })
    bench.issuer.failNext(1, 503)
    expect((await fetch(url, { headers: { authorization: `Bearer ${bench.issuer.requestToken}` } })).status).toBe(503)
    const next = (await (await fetch(url, { headers: { authorization: `Bearer ${bench.issuer.requestToken}` } })).json()) as {
      value: string
    }
    expect(decodeJwt(next.value).environment).toBe('prod')
    expect(bench.issuer.requests.map((request) => request.authorized)).toEqual([false, true, true, true])
  })

  it('the fault proxy injects errors the real SDK parses, then passes calls through', async () => {
    bench.proxy.inject({ match: 'GET /clusters', fault: { type: 'aws-error', status: 400, code: 'ThrottlingException' } })
    const error = await eks()
      .send(new ListClustersCommand({}))
      .catch((e: unknown) => e)
    expect((error as Error).name).toBe('ThrottlingException')
    expect(await eks().send(new ListClustersCommand({}))).toMatchObject({ clusters: [] })
    expect(bench.proxy.calls.map((call) => [call.operation, call.fault])).toEqual([
      ['GET /clusters', 'aws-error'],
      ['GET /clusters', undefined],
    ])
  })

  it('the fault proxy can reset connections, delay and answer with canned bodies', async () => {
    bench.proxy.clear()
    bench.proxy.inject(
      { fault: { type: 'reset' } },
      { fault: { type: 'delay', ms: 200 } },
      { fault: { type: 'respond', status: 200, body: { clusters: ['canned'] } } },
    )
    await expect(eks().send(new ListClustersCommand({}))).rejects.toThrow()
    const started = Date.now()
    expect((await eks().send(new ListClustersCommand({}))).clusters).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect((await eks().send(new ListClustersCommand({}))).clusters).toEqual(['canned'])
  })

  it('the fault proxy edits a successful answer of moto and passes its errors through untouched', async () => {
    bench.proxy.clear()
    const edit = {
      type: 'edit' as const,
      edit: (body: unknown) => ({ cluster: { ...(body as { cluster: object }).cluster, endpoint: 'https://edited' } }),
    }
    bench.proxy.inject({ match: 'GET /clusters/edited', times: 2, fault: edit })
    await expect(eks().send(new DescribeClusterCommand({ name: 'edited' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    await eks().send(
      new CreateClusterCommand({
        name: 'edited',
        roleArn: 'arn:aws:iam::123456789012:role/edited',
        resourcesVpcConfig: { subnetIds: ['subnet-a'] },
      }),
    )
    const { cluster } = await eks().send(new DescribeClusterCommand({ name: 'edited' }))
    expect(cluster).toMatchObject({ name: 'edited', endpoint: 'https://edited', status: 'ACTIVE' })
    expect(bench.proxy.calls.filter((call) => call.fault === 'edit')).toHaveLength(2)
  })

  it('query-protocol errors come back as XML', async () => {
    bench.proxy.inject({
      match: 'GetCallerIdentity',
      fault: { type: 'aws-error', status: 403, code: 'AccessDenied', message: 'Not authorized' },
    })
    const response = await fetch(bench.proxy.endpoint, {
      method: 'POST',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('<Code>AccessDenied</Code><Message>Not authorized</Message>')
  })
})
