import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FaultProxy, startFaultProxy } from '../../bench/fault-proxy'
import { MOTO_ACCOUNT, type Moto, startMoto } from '../../bench/moto'
import { type ActionRun, runAction } from '../../harness/runner'
import { CONFIG_MAP, expectNoForgery, type Origin, schemaHandler, startOrigin, toolCacheWithKubeconform, workspaceWith } from './hostile'

/**
 * Servers that answer 200 with something that is not what was asked for (a
 * web page, a proxy's login form, JSON of another shape), through the
 * committed bundles: each must fail the step naming the endpoint, never be
 * taken as an image that exists, a schema that is missing, or credentials.
 */

const PAGE = '<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>'
const html = { type: 'respond' as const, status: 200, body: PAGE, headers: { 'content-type': 'text/html' } }

let moto: Moto
let schemas: Origin
/** The schema host, or the registry, behind the fault proxy that answers with the page. */
let schemaProxy: FaultProxy
let registryProxy: FaultProxy
let stsProxy: FaultProxy
const cleanup: string[] = []

beforeAll(async () => {
  moto = await startMoto()
  schemas = await startOrigin(schemaHandler)
  ;[schemaProxy, registryProxy, stsProxy] = await Promise.all([
    startFaultProxy(schemas.url),
    // No registry is needed behind it: every manifest request gets the page.
    startFaultProxy(schemas.url),
    startFaultProxy(moto.endpoint),
  ])
})
afterAll(async () => {
  await Promise.all([schemaProxy?.stop(), registryProxy?.stop(), stsProxy?.stop(), schemas?.stop(), moto?.stop()])
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  for (const proxy of [schemaProxy, registryProxy, stsProxy]) proxy.clear()
})

async function kubeconform(inputs: Record<string, string>): Promise<ActionRun> {
  const cwd = await workspaceWith({ 'manifests/config.yaml': CONFIG_MAP })
  const cache = await toolCacheWithKubeconform()
  cleanup.push(cwd, cache)
  return runAction('kubeconform-validate', {
    cwd,
    inputs: { paths: 'manifests', 'schema-locations': `${schemaProxy.endpoint}/k8s/`, ...inputs },
    env: { PIPELINE_ACTIONS_TOOL_CACHE: cache },
  })
}

interface Case {
  name: string
  run: () => Promise<ActionRun>
  /** The failure must name this endpoint. */
  endpoint: () => string
  /** Outputs the step must not have set as if it succeeded. */
  notSet?: Record<string, string>
}

const CASES: Case[] = [
  {
    name: 'kubeconform-validate: a schema host answering a web page, with ignore-missing-schemas',
    run: () => {
      schemaProxy.inject({ fault: html, times: 100 })
      return kubeconform({ 'ignore-missing-schemas': 'true' })
    },
    endpoint: () => schemaProxy.endpoint,
    notSet: { valid: '1' },
  },
  {
    name: 'kubeconform-validate: a schema host answering JSON that is not a schema',
    run: () => {
      schemaProxy.inject({ fault: { type: 'respond', status: 200, body: ['not', 'a', 'schema'] }, times: 100 })
      return kubeconform({ 'ignore-missing-schemas': 'true' })
    },
    endpoint: () => schemaProxy.endpoint,
    notSet: { valid: '1' },
  },
  {
    name: 'ecr-build-push: a registry answering a web page to the tag look-up',
    run: async () => {
      registryProxy.inject({ fault: html, times: 100 })
      const cwd = await workspaceWith({ Dockerfile: 'FROM scratch\n' })
      cleanup.push(cwd)
      return runAction('ecr-build-push', {
        cwd,
        inputs: { repository: 'app', 'aws-region': 'us-east-1', registry: registryProxy.endpoint },
        env: { ...moto.env },
      })
    },
    endpoint: () => registryProxy.endpoint,
    notSet: { skipped: 'true' },
  },
  {
    name: 'oidc-auth: an STS endpoint answering a web page',
    run: async () => {
      stsProxy.inject({ fault: html, times: 100 })
      const cwd = await workspaceWith({ token: 'header.payload.signature' })
      cleanup.push(cwd)
      return runAction('oidc-auth', {
        cwd,
        inputs: {
          'role-to-assume': `arn:aws:iam::${MOTO_ACCOUNT}:role/ci`,
          'aws-region': 'us-east-1',
          'web-identity-token-file': 'token',
          'retry-max-attempts': '1',
        },
        env: { AWS_ENDPOINT_URL_STS: stsProxy.endpoint },
      })
    },
    endpoint: () => stsProxy.endpoint,
  },
]

describe('an answer that is not what was asked for is an error naming its endpoint', () => {
  it.each(CASES)('$name', async ({ run: start, endpoint, notSet }) => {
    const run = await start()
    expectNoForgery(run)
    expect(run.exitCode).toBe(1)
    // The failure, or the annotation it points to (kubeconform-validate reports each file's error there).
    const said = [run.failure, ...run.annotations.map((annotation) => annotation.message)].join('\n')
    expect(said).toContain(new URL(endpoint()).host)
    expect(said).not.toContain('This is a bug')
    expect(run.exportedEnv.AWS_ACCESS_KEY_ID).toBeUndefined()
    for (const [name, value] of Object.entries(notSet ?? {})) expect(run.outputs[name]).not.toBe(value)
  })
})
