import { describe, expect, it } from 'vitest'
import { isAccessDenied, isTransientAwsError } from '../../../lib/aws/errors'
import { xmlText } from '../../../lib/aws/query-xml'
import { StsClient, StsError } from '../../../lib/aws/sts'
import { parseStsEndpointSetting, partitionOf, resolveStsEndpoint } from '../../../lib/aws/sts-endpoint'
import { UserError } from '../../../lib/errors'

describe('resolveStsEndpoint', () => {
  const url = (href: string) => ({ kind: 'url' as const, url: new URL(href) })
  it.each([
    ['commercial regional', 'eu-west-1', undefined, {}, 'https://sts.eu-west-1.amazonaws.com/', 'regional'],
    ['commercial FIPS', 'us-east-2', { kind: 'fips' as const }, {}, 'https://sts-fips.us-east-2.amazonaws.com/', 'fips'],
    ['China', 'cn-north-1', undefined, {}, 'https://sts.cn-north-1.amazonaws.com.cn/', 'regional'],
    ['GovCloud', 'us-gov-west-1', undefined, {}, 'https://sts.us-gov-west-1.amazonaws.com/', 'regional'],
    [
      'GovCloud FIPS is its regular endpoint',
      'us-gov-east-1',
      { kind: 'fips' as const },
      {},
      'https://sts.us-gov-east-1.amazonaws.com/',
      'fips',
    ],
    ['ISO', 'us-iso-east-1', undefined, {}, 'https://sts.us-iso-east-1.c2s.ic.gov/', 'regional'],
    ['ISO-B', 'us-isob-east-1', undefined, {}, 'https://sts.us-isob-east-1.sc2s.sgov.gov/', 'regional'],
    [
      'AWS_ENDPOINT_URL_STS',
      'us-east-1',
      { kind: 'fips' as const },
      { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5000' },
      'http://127.0.0.1:5000/',
      'environment',
    ],
    ['AWS_ENDPOINT_URL', 'us-east-1', undefined, { AWS_ENDPOINT_URL: 'http://localstack:4566' }, 'http://localstack:4566/', 'environment'],
    [
      'an input URL beats the environment',
      'us-east-1',
      url('https://vpce-1.sts.us-east-1.vpce.amazonaws.com'),
      { AWS_ENDPOINT_URL_STS: 'http://x' },
      'https://vpce-1.sts.us-east-1.vpce.amazonaws.com/',
      'input',
    ],
  ])('%s', (_name, region, setting, env, href, source) => {
    const resolved = resolveStsEndpoint(region, setting, env)
    expect(resolved.url.href).toBe(href)
    expect(resolved.source).toBe(source)
  })

  it.each([
    ['FIPS in China', 'cn-northwest-1', 'STS has no FIPS endpoint in partition aws-cn (region cn-northwest-1).'],
    ['an unknown partition', 'eu-isoe-west-1', "No STS endpoint is known for region 'eu-isoe-west-1'."],
  ])('refuses %s', (_name, region, message) => {
    expect(() => resolveStsEndpoint(region, { kind: 'fips' }, {})).toThrow(UserError)
    expect(() => resolveStsEndpoint(region, { kind: 'fips' }, {})).toThrow(message)
  })

  it('knows the partitions', () => {
    expect(partitionOf('ap-southeast-2')?.id).toBe('aws')
    expect(partitionOf('cn-north-1')?.id).toBe('aws-cn')
    expect(partitionOf('nowhere')).toBeUndefined()
  })

  it.each([
    ['', { kind: 'regional' }],
    ['Regional', { kind: 'regional' }],
    ['FIPS', { kind: 'fips' }],
    ['http://127.0.0.1:1234', { kind: 'url', url: new URL('http://127.0.0.1:1234') }],
  ])('parses the setting %j', (raw, expected) => expect(parseStsEndpointSetting('sts-endpoint', raw)).toEqual(expected))

  it.each([
    ['http://[::1]:1234/', 'IPv6 loopback'],
    ['http://localhost:5000', 'localhost'],
    ['http://127.0.0.42:5000', 'anywhere in 127.0.0.0/8'],
    ['https://sts.internal.example:8443', 'https anywhere'],
  ])('accepts %j (%s)', (raw) => {
    expect(parseStsEndpointSetting('sts-endpoint', raw)).toEqual({ kind: 'url', url: new URL(raw) })
  })

  it.each([
    ['http://sts.internal.example:8080', 'http://sts.internal.example:8080'],
    ['http://10.0.0.5/', 'http://10.0.0.5'],
    ['http://127.0.0.1.evil.example/', 'http://127.0.0.1.evil.example'],
    ['http://user:hunter2@sts.example/', 'http://sts.example'],
  ])('refuses plain http:// beyond loopback, %j, in one line naming the input and never the password', (raw, shown) => {
    const error = (() => {
      try {
        parseStsEndpointSetting('sts-endpoint', raw)
      } catch (caught) {
        return caught as Error
      }
      throw new Error('accepted')
    })()
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toBe(
      `Input 'sts-endpoint' must be an https:// URL (plain http:// only on a loopback address such as 127.0.0.1): the token and the credentials would cross the network unencrypted; got '${shown}'.`,
    )
    expect(error.message).not.toContain('hunter2')
  })

  it.each(['global', 'sts.amazonaws.com', 'https://'])('rejects the setting %j in one line', (raw) => {
    expect(() => parseStsEndpointSetting('sts-endpoint', raw)).toThrow(
      `Input 'sts-endpoint' must be regional, fips, or an http(s) URL; got '${raw}'.`,
    )
  })
})

describe('xmlText', () => {
  const xml =
    '<R xmlns="x"><A><Arn>arn:a</Arn></A><Arn>top</Arn><Msg>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42; &unknown;</Msg><Empty/></R>'
  it.each([
    [['A', 'Arn'], 'arn:a'],
    [['Arn'], 'arn:a'],
    [['Msg'], `a & b <c> "d" 'e' AB &unknown;`],
    [['Empty'], ''],
    [['R', 'Missing'], undefined],
    [['Ar'], undefined],
  ])('%j', (path, expected) => expect(xmlText(xml, ...path)).toBe(expected))
})

describe('StsClient', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
  function clientAnswering(status: number, body: string) {
    const requests: { url: string; init: RequestInit }[] = []
    const client = new StsClient({
      endpoint: new URL('https://sts.eu-west-1.amazonaws.com/'),
      region: 'eu-west-1',
      now: () => Date.UTC(2026, 0, 1),
      fetch: (async (url: string, init: RequestInit) => {
        requests.push({ url: String(url), init })
        return new Response(body, { status })
      }) as typeof fetch,
    })
    return { client, requests }
  }

  it('reads AssumeRole answers, including fractional expirations, and signs the call', async () => {
    const { client, requests } = clientAnswering(
      200,
      '<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-11-24T02:35:56.873551Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/r/x</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>',
    )
    const assumed = await client.assumeRole({ roleArn: 'arn:aws:iam::111122223333:role/r', roleSessionName: 'x' }, credentials)
    expect(assumed).toEqual({
      credentials: { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: '2026-11-24T02:35:56.873Z' },
      assumedRoleArn: 'arn:aws:sts::1:assumed-role/r/x',
      assumedRoleId: 'AROA:x',
    })
    const headers = requests[0]?.init.headers as Record<string, string>
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260101\/eu-west-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date, /,
    )
    expect(headers.host).toBeUndefined()
    expect(requests[0]?.init.body).toBe(
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=x',
    )
    expect(client.endpoint.href).toBe('https://sts.eu-west-1.amazonaws.com/')
  })

  it('keeps an expiration it cannot parse as STS sent it', async () => {
    const { client } = clientAnswering(
      200,
      '<R><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>soon</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>i</AssumedRoleId><Arn>a</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult></R>',
    )
    const assumed = await client.assumeRoleWithWebIdentity({ roleArn: 'r', roleSessionName: 's', webIdentityToken: 'jwt' })
    expect(assumed.credentials.expiration).toBe('soon')
  })

  it.each([
    [
      'an STS error',
      403,
      '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>',
      { code: 'AccessDenied', message: 'Not authorized', statusCode: 403, requestId: 'r-1' },
      { transient: false, denied: true },
    ],
    [
      'throttling',
      400,
      '<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>',
      { code: 'Throttling', message: 'Rate exceeded', statusCode: 400 },
      { transient: true, denied: false },
    ],
    [
      'a proxy page',
      502,
      '<html>\n<body>Bad Gateway</body>\n</html>',
      { code: 'HTTP502', message: 'HTTP 502: <html> <body>Bad Gateway</body> </html>', statusCode: 502 },
      { transient: true, denied: false },
    ],
    ['an empty 500', 500, '', { code: 'HTTP500', message: 'HTTP 500', statusCode: 500 }, { transient: true, denied: false }],
    [
      'an answer missing its fields',
      200,
      '<GetCallerIdentityResponse/>',
      { code: 'MalformedResponse', message: 'the GetCallerIdentity answer has no GetCallerIdentityResult/Account', statusCode: 200 },
      { transient: false, denied: false },
    ],
  ])('turns %s into an StsError that lib/aws/errors classifies', async (_name, status, body, fields, classified) => {
    const { client } = clientAnswering(status, body)
    const error = await client.getCallerIdentity(credentials).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StsError)
    expect(error).toMatchObject({ action: 'GetCallerIdentity', ...fields })
    expect(isTransientAwsError(error)).toBe(classified.transient)
    expect(isAccessDenied(error)).toBe(classified.denied)
  })
})
