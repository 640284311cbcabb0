import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { type AwsCredentials, signRequest } from '../../../lib/aws/sigv4'

const KEYS: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const SESSION: AwsCredentials = { ...KEYS, accessKeyId: 'ASIAEXAMPLE', sessionToken: 'FQoGZXIvYXdzE//session+token==' }

// @smithy/signature-v4 is the AWS SDK's own signer: ours must produce the same Authorization header.
// applyChecksum off: x-amz-content-sha256 is an S3 header that ours does not add (both forms are valid SigV4).
async function oracle(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string,
  credentials: AwsCredentials,
  region: string,
  service: string,
  now: number,
) {
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: queryOf(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    },
    { signingDate: new Date(now) },
  )
  return signed.headers as Record<string, string>
}

// Repeated keys become arrays, the way the SDK's HttpRequest holds them.
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    query[key] = values.length === 1 ? (values[0] as string) : values
  }
  return query
}

describe('signRequest matches @smithy/signature-v4', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
  it.each([
    [
      'STS GetCallerIdentity, long-term keys',
      'https://sts.us-east-1.amazonaws.com/',
      'POST',
      form,
      'Action=GetCallerIdentity&Version=2011-06-15',
      KEYS,
      'us-east-1',
      'sts',
    ],
    [
      'STS AssumeRole with a session token',
      'https://sts.eu-west-1.amazonaws.com/',
      'POST',
      form,
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fnext&RoleSessionName=a+b',
      SESSION,
      'eu-west-1',
      'sts',
    ],
    ['a local endpoint with a port', 'http://127.0.0.1:4566/', 'POST', form, 'Action=GetCallerIdentity', SESSION, 'us-east-1', 'sts'],
    [
      'a GET with a query that needs sorting and escaping',
      'https://eks.us-west-2.amazonaws.com/clusters/my%20cluster?b=2&a=x%2Fy&a=%21%27&a-b=1&a=x%2Fy&c=%E2%82%AC',
      'GET',
      { 'X-Custom': '  spaced   value ' },
      '',
      KEYS,
      'us-west-2',
      'eks',
    ],
    ['an empty path', 'https://sts.amazonaws.com', 'GET', {}, '', KEYS, 'us-east-1', 'sts'],
  ])('%s', async (_name, href, method, headers, body, credentials, region, service) => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
    const url = new URL(href)
    const ours = signRequest({ method, url, headers, body }, { credentials, region, service, now })
    const theirs = await oracle(url, method, headers, body, credentials, region, service, now)
    expect(ours.authorization).toBe(theirs.authorization)
    expect(ours['x-amz-date']).toBe('20260102T030405Z')
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken)
  })
})
