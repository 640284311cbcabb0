import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeEksToken } from './eks-token'
import { canonicalArn, type EksTokenWebhook, parseEksToken, startEksTokenWebhook, TOKEN_PREFIX } from './eks-token-webhook'
import { makeClusterPki } from './kube-pki'
import { BENCH_REGION, MOTO_ACCOUNT, type Moto, startMoto } from './moto'

// The webhook on its own, without an API server: the checks that need no cluster,
// and the TokenReview it answers. control-plane.test.ts covers it behind kube-apiserver.

let moto: Moto
let webhook: EksTokenWebhook
let dir: string
let ca: Buffer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'token-webhook-test-'))
  const [started, pki] = await Promise.all([startMoto(), makeClusterPki(dir, { serviceIp: '10.0.0.1', clients: {} })])
  moto = started
  ca = await readFile(pki.ca.cert)
  webhook = await startEksTokenWebhook({ stsEndpoint: moto.endpoint, clusterName: 'bench', tls: pki.webhook })
})
afterAll(async () => {
  await webhook?.stop()
  await moto?.stop()
  await rm(dir, { recursive: true, force: true })
})

function review(token: string, audiences?: string[], url = webhook.url): Promise<{ status: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))))
    })
    call.on('error', reject)
    call.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } }))
  })
}

const token = (signingDate?: Date) =>
  makeEksToken({
    stsEndpoint: moto.endpoint,
    clusterName: 'bench',
    region: BENCH_REGION,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'testing' },
    signingDate,
  })

describe('canonicalArn', () => {
  it.each([
    ['an assumed role', `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/deployer/ci`, `arn:aws:iam::${MOTO_ACCOUNT}:role/deployer`],
    ['an assumed role in another partition', 'arn:aws-cn:sts::111122223333:assumed-role/ops/s', 'arn:aws-cn:iam::111122223333:role/ops'],
    ['an IAM user', `arn:aws:iam::${MOTO_ACCOUNT}:user/moto`, `arn:aws:iam::${MOTO_ACCOUNT}:user/moto`],
  ])('maps %s', (_name, arn, expected) => {
    expect(canonicalArn(arn)).toBe(expected)
  })

  it('refuses what is not an IAM or STS ARN', () => {
    expect(() => canonicalArn('arn:aws:s3:::bucket')).toThrow(/does not understand/)
  })
})

describe('parseEksToken', () => {
  it.each([
    ['an empty token', async () => '', /missing the k8s-aws-v1\. prefix/],
    ['a token over 4 KiB', async () => TOKEN_PREFIX + 'A'.repeat(4096), /too large/],
    ['a token that is not base64url', async () => `${TOKEN_PREFIX}a+b/c=`, /not base64url/],
    ['a token that holds no URL', async () => TOKEN_PREFIX + Buffer.from('not a url').toString('base64url'), /does not hold a URL/],
    [
      'X-Amz-Expires over 15 minutes',
      async () => {
        const url = new URL(Buffer.from((await token()).slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'))
        url.searchParams.set('X-Amz-Expires', '901')
        return TOKEN_PREFIX + Buffer.from(url.toString()).toString('base64url')
      },
      /X-Amz-Expires/,
    ],
  ])('refuses %s', async (_name, make, reason) => {
    const value = await make()
    expect(() => parseEksToken(value, moto.endpoint, new Date())).toThrow(reason)
  })

  it('accepts a token up to 15 minutes after it was signed, and not after', async () => {
    const signedAt = new Date('2026-01-01T00:00:00Z')
    const value = await token(signedAt)
    expect(parseEksToken(value, moto.endpoint, new Date(signedAt.getTime() + 15 * 60_000)).searchParams.get('Action')).toBe(
      'GetCallerIdentity',
    )
    expect(() => parseEksToken(value, moto.endpoint, new Date(signedAt.getTime() + 15 * 60_000 + 1000))).toThrow(/expired/)
  })
})

describe('the webhook', () => {
  it('answers a TokenReview for a mapped principal with the EKS user shape, and echoes the audiences', async () => {
    // moto's default identity, used for access keys it did not issue.
    const arn = `arn:aws:sts::${MOTO_ACCOUNT}:user/moto`
    webhook.setAccess(arn, { username: 'ci-{{AccountID}}', groups: ['deployers'] })
    const answer = await review(await token(), ['https://kubernetes.default.svc'])
    expect(answer.status).toMatchObject({
      authenticated: true,
      audiences: ['https://kubernetes.default.svc'],
      user: {
        username: `ci-${MOTO_ACCOUNT}`,
        groups: ['deployers'],
        uid: expect.stringMatching(new RegExp(`^aws-iam-authenticator:${MOTO_ACCOUNT}:`)),
        extra: { arn: [arn], canonicalArn: [arn], accessKeyId: ['AKIAEXAMPLE'] },
      },
    })
    webhook.removeAccess(arn)
    expect((await review(await token())).status).toEqual({ authenticated: false, error: `no access entry for ${arn}` })
  })

  it('denies when STS cannot be reached', async () => {
    const offline = await startEksTokenWebhook({
      stsEndpoint: 'http://127.0.0.1:9',
      clusterName: 'bench',
      tls: { cert: join(dir, 'token-webhook.crt'), key: join(dir, 'token-webhook.key') },
    })
    try {
      const value = await makeEksToken({
        stsEndpoint: 'http://127.0.0.1:9',
        clusterName: 'bench',
        region: BENCH_REGION,
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'testing' },
      })
      const answer = await review(value, undefined, offline.url)
      expect(answer.status.authenticated).toBe(false)
      expect(answer.status.error).toMatch(/^webhook failure: /)
    } finally {
      await offline.stop()
    }
  })
})
