import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { credentialsFromEnv } from '../../../actions/eks-wait-and-helm/src/access/credentials'
import { execCredential, parseTokenCommandArgs, tokenCommandArgs } from '../../../actions/eks-wait-and-helm/src/access/exec-credential'
import { renderKubeconfig, writeKubeconfig } from '../../../actions/eks-wait-and-helm/src/access/kubeconfig'
import { createEksToken, stsEndpoint } from '../../../actions/eks-wait-and-helm/src/access/token'
import { isUserError } from '../../../lib/errors'
import { decodeEksToken, tokenSignatureValid } from './sigv4-verify'

const now = new Date('2026-03-01T12:34:56.789Z')
const credentials = {
  accessKeyId: 'ASIAEXAMPLEKEY',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjE+/=token',
}

describe('createEksToken', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned GetCallerIdentity URL that signs the cluster header', async () => {
    const { token, expiresAt } = await createEksToken({ clusterName: 'data-dev', credentials, endpoint: stsEndpoint('eu-west-1', {}), now })
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/)
    const { url, params } = decodeEksToken(token)
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com')
    expect(url.pathname).toBe('/')
    expect(params).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'ASIAEXAMPLEKEY/20260301/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20260301T123456Z',
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': credentials.sessionToken,
    })
    expect(params['X-Amz-SignedHeaders']?.split(';')).toEqual(['host', 'x-k8s-aws-id'])
    expect(tokenSignatureValid(token, 'data-dev', credentials.secretAccessKey)).toBe(true)
    // The signature binds the token to its cluster and key: another cluster name or secret does not verify.
    expect(tokenSignatureValid(token, 'data-prod', credentials.secretAccessKey)).toBe(false)
    expect(tokenSignatureValid(token, 'data-dev', 'another-secret')).toBe(false)
    expect(expiresAt.toISOString()).toBe('2026-03-01T12:48:56.789Z')
  })

  it('leaves the session token out for long-term keys', async () => {
    const { token } = await createEksToken({
      clusterName: 'c',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
      endpoint: stsEndpoint('us-east-1', {}),
      now,
    })
    const { params } = decodeEksToken(token)
    expect(params['X-Amz-Security-Token']).toBeUndefined()
    expect(tokenSignatureValid(token, 'c', 'secret')).toBe(true)
  })

  it('signs for an endpoint override with its port', async () => {
    const { token } = await createEksToken({
      clusterName: 'c',
      credentials,
      endpoint: stsEndpoint('us-east-1', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566' }),
      now,
    })
    expect(decodeEksToken(token).url.host).toBe('127.0.0.1:4566')
    expect(tokenSignatureValid(token, 'c', credentials.secretAccessKey)).toBe(true)
  })
})

describe('stsEndpoint', () => {
  it.each([
    ['us-east-1', {}, 'https://sts.us-east-1.amazonaws.com/'],
    ['cn-north-1', {}, 'https://sts.cn-north-1.amazonaws.com.cn/'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, 'http://127.0.0.1:5000/'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_STS: 'http://b:2' }, 'http://b:2/'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'http://a:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, 'https://sts.eu-west-1.amazonaws.com/'],
  ])('%s with %j → %s', (region, env, expected) => {
    const endpoint = stsEndpoint(region, env)
    expect(endpoint.url.href).toBe(expected)
    expect(endpoint.signingRegion).toBe(region)
  })
})

describe('credentialsFromEnv', () => {
  it('reads the exported keys and the optional session token', () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: ' AKIA ', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      accessKeyId: 'AKIA',
      secretAccessKey: 's',
    })
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }).sessionToken).toBe('t')
  })

  it('fails with what to run when the keys are missing', () => {
    const error = (() => {
      try {
        credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A' })
      } catch (caught) {
        return caught
      }
    })()
    expect(isUserError(error)).toBe(true)
    expect((error as Error).message).toMatch(/No AWS credentials in the environment/)
  })
})

describe('the exec credential plugin', () => {
  it('prints an ExecCredential with a fresh token and a 14-minute expiry', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 'secret1', AWS_SESSION_TOKEN: 'tok' }
    const credential = await execCredential({ clusterName: 'demo', region: 'us-west-2' }, env, now)
    expect(credential).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {} })
    expect(credential.status.expirationTimestamp).toBe('2026-03-01T12:48:56Z')
    expect(tokenSignatureValid(credential.status.token, 'demo', 'secret1')).toBe(true)
  })

  it.each([
    [['--cluster-name', 'a', '--region', 'us-east-1'], { clusterName: 'a', region: 'us-east-1' }],
    [['--region', 'eu-west-1', '--cluster-name', 'b'], { clusterName: 'b', region: 'eu-west-1' }],
  ])('parses %j', (args, expected) => {
    expect(parseTokenCommandArgs(args)).toEqual(expected)
    expect(parseTokenCommandArgs(tokenCommandArgs(expected))).toEqual(expected)
  })

  it.each([[[]], [['--cluster-name']], [['cluster', 'x']], [['--cluster-name', 'a']]])('refuses %j with its usage', (args) => {
    expect(() => parseTokenCommandArgs(args)).toThrow(/usage: token --cluster-name <name> --region <region>/)
  })
})

describe('the kubeconfig', () => {
  const spec = {
    clusterName: 'demo',
    clusterArn: 'arn:aws:eks:us-east-1:123456789012:cluster/demo',
    region: 'us-east-1',
    endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
    certificateAuthority: 'Q0EtREFUQQ==',
    nodePath: '/opt/runner/externals/node24/bin/node',
    tokenScript: '/opt/actions/eks-wait-and-helm/dist/bin/token/index.js',
  }

  it('points at the cluster and runs the bundled token plugin with the runner node, holding no secret', () => {
    const config = parse(renderKubeconfig(spec))
    expect(config).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': spec.clusterArn,
      clusters: [{ name: spec.clusterArn, cluster: { server: spec.endpoint, 'certificate-authority-data': 'Q0EtREFUQQ==' } }],
      contexts: [{ name: spec.clusterArn, context: { cluster: spec.clusterArn, user: spec.clusterArn } }],
      users: [
        {
          name: spec.clusterArn,
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: spec.nodePath,
              args: [spec.tokenScript, '--cluster-name', 'demo', '--region', 'us-east-1'],
              interactiveMode: 'Never',
            },
          },
        },
      ],
    })
    expect(JSON.stringify(config)).not.toMatch(/token"|AKIA|secret/i)
  })

  it('is named by cluster name when the ARN is unknown', () => {
    const { clusterArn: _, ...withoutArn } = spec
    expect(parse(renderKubeconfig(withoutArn))['current-context']).toBe('demo')
  })

  it('is written owner-only, even over an earlier, wider file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'))
    const path = join(dir, 'nested', 'demo.kubeconfig')
    await writeKubeconfig(path, 'first')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await writeFile(path, 'wide', { mode: 0o644 })
    const { chmod } = await import('node:fs/promises')
    await chmod(path, 0o644)
    await writeKubeconfig(path, 'second')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readFile(path, 'utf8')).toBe('second')
  })
})
