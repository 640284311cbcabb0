import { describe, expect, it } from 'vitest'
import { type AwsCredentials, signRequest } from '../../../lib/aws/signing'

const KEYS: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const SESSION: AwsCredentials = { ...KEYS, accessKeyId: 'ASIAEXAMPLE', sessionToken: 'FQoGZXIvYXdzE//session+token==' }

// AWS's own published examples (the SigV4 test suite's get-vanilla, and the IAM ListUsers walk-through), signed at their date.
const AWS_EXAMPLE_DATE = Date.UTC(2015, 7, 30, 12, 36, 0)

describe('signRequest gives the signatures AWS documents', () => {
  it.each([
    [
      'get-vanilla',
      'https://example.amazonaws.com/',
      {},
      'service',
      'host;x-amz-date',
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    ],
    [
      'IAM ListUsers',
      'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
      { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      'iam',
      'content-type;host;x-amz-date',
      '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    ],
  ])('%s', async (_name, href, headers, service, signedHeaders, signature) => {
    const signed = await signRequest(
      { method: 'GET', url: new URL(href), headers },
      { credentials: KEYS, region: 'us-east-1', service, now: AWS_EXAMPLE_DATE },
    )
    expect(signed.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/${service}/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    )
  })
})

describe('signRequest: the scope, the signed headers and the session token', () => {
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
    const ours = await signRequest({ method, url, headers, body }, { credentials, region, service, now })
    const names = [...Object.keys(headers).map((name) => name.toLowerCase()), 'host', 'x-amz-date']
    if (credentials.sessionToken) names.push('x-amz-security-token')
    expect(ours.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260102/${region}/${service}/aws4_request, SignedHeaders=${names.sort().join(';')}, Signature=[0-9a-f]{64}$`,
      ),
    )
    expect(ours.host).toBe(url.host)
    expect(ours['x-amz-date']).toBe('20260102T030405Z')
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken)
  })
})
