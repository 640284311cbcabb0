import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ActionRun, runAction } from '../../harness/runner'
import { expectNoForgery, type Origin, startOrigin, workspaceWith } from './hostile'

/**
 * Faults that are an endpoint's or an input's, not the action's, through the
 * committed bundles: each ends the step with one line naming the endpoint or
 * input at fault, never "This is a bug", never blaming another party, and a
 * refused AWS endpoint is not retried until the wait's timeout.
 */

let page: Origin
/** A port nothing listens on: connections are refused. */
let refused: string
let workspace: string

beforeAll(async () => {
  page = await startOrigin((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>'))
  const closed = await startOrigin(() => {})
  refused = closed.url
  await closed.stop()
  workspace = await workspaceWith({ Dockerfile: 'FROM scratch\n', token: 'header.payload.signature' })
})
afterAll(async () => {
  await page?.stop()
  await rm(workspace, { recursive: true, force: true })
})

const AWS = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_REGION: 'us-east-1' }
const ROLE = 'arn:aws:iam::123456789012:role/ci'
const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
]

const ecr = (endpoint: () => string) => () =>
  runAction('ecr-build-push', {
    cwd: workspace,
    post: false,
    inputs: { repository: 'app' },
    env: { ...AWS, AWS_ENDPOINT_URL_ECR: endpoint() },
  })
const eks =
  (endpoint: () => string, inputs: Record<string, string> = {}) =>
  () =>
    runAction('eks-wait-and-helm', {
      cwd: workspace,
      inputs: { 'cluster-name': 'data', ...inputs },
      env: { ...AWS, AWS_ENDPOINT_URL_EKS: endpoint() },
    })

interface Case {
  name: string
  run: () => Promise<ActionRun>
  /** What the one failure line must name. */
  names: () => string | RegExp
  /** What it must not say (another party blamed). */
  not?: string
}

const CASES: Case[] = [
  {
    name: 'ecr-build-push: ECR answers a web page',
    run: ecr(() => page.url),
    names: () => `ECR at ${page.url} answered HTTP 200 with something that is not an ECR API answer.`,
  },
  {
    name: 'ecr-build-push: ECR refuses connections',
    run: ecr(() => refused),
    names: () => `Could not reach ECR at ${refused} (ECONNREFUSED).`,
  },
  { name: 'eks-wait-and-helm: EKS answers a web page', run: eks(() => page.url), names: () => `EKS at ${page.url} answered HTTP 200` },
  {
    name: 'eks-wait-and-helm: EKS refuses connections (not retried for the whole 30-minute wait)',
    run: eks(() => refused, { timeout: '30m' }),
    names: () => `Could not reach EKS at ${refused} (ECONNREFUSED).`,
  },
  {
    name: 'eks-wait-and-helm: releases with a YAML alias bomb',
    run: eks(() => refused, { releases: `- name: x\n  chart: ./chart\n  values:\n${BOMB.map((line) => `    ${line}`).join('\n')}` }),
    names: () => /^Input 'releases' uses YAML aliases that expand too far/,
  },
  {
    name: 'oidc-auth: a 60,000-deep inline session policy',
    run: () =>
      runAction('oidc-auth', {
        cwd: workspace,
        inputs: {
          'role-to-assume': ROLE,
          'aws-region': 'us-east-1',
          'web-identity-token-file': 'token',
          'inline-session-policy': `{"Statement":${'['.repeat(60_000)}${']'.repeat(60_000)}}`,
        },
        env: { AWS_ENDPOINT_URL_STS: refused },
      }),
    names: () => /^Input 'inline-session-policy' must be at most 2048 characters of JSON/,
  },
  {
    name: "oidc-auth: GitHub's token service refuses connections (STS is not to blame)",
    run: () =>
      runAction('oidc-auth', {
        cwd: workspace,
        inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', 'retry-max-attempts': '2' },
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${refused}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x', AWS_ENDPOINT_URL_STS: page.url },
      }),
    names: () => "GitHub's OIDC token service",
    not: 'STS at',
  },
]

describe('a fault is named as the endpoint’s or the input’s, never as a bug', () => {
  it.each(CASES)('$name', async ({ run: start, names, not }) => {
    const run = await start()
    expectNoForgery(run)
    expect(run.exitCode).toBe(1)
    const expected = names()
    if (typeof expected === 'string') expect(run.failure).toContain(expected)
    else expect(run.failure).toMatch(expected)
    expect(run.failure).not.toContain('This is a bug')
    if (not) expect(run.failure).not.toContain(not)
  })
})
