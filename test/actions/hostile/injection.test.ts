import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ActionRun, runAction } from '../../harness/runner'
import {
  CONFIG_MAP,
  expectNoForgery,
  logOf,
  MARK,
  type Origin,
  schemaHandler,
  startOrigin,
  toolCacheWithKubeconform,
  workspaceWith,
} from './hostile'

/**
 * Inputs, file names and tool output carrying workflow commands after every
 * line break the runner knows (LF, CRLF, a bare CR) and after leading blanks,
 * through the committed bundles: the runner must see none of them.
 */

let schemas: Origin
const cleanup: string[] = []
beforeAll(async () => {
  schemas = await startOrigin(schemaHandler)
})
afterAll(async () => {
  await schemas?.stop()
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true })
})

const forged = (separator: string) =>
  `${separator}::stop-commands::${MARK}${separator}::add-mask::${MARK}${separator}  ::warning title=${MARK}::x${separator}##[error]${MARK}`

interface Case {
  name: string
  run: () => Promise<ActionRun>
  /** The run's exit code: a refused input fails, hostile text that is only data passes. */
  exitCode: number
  /** Text the run must have printed, so the hostile text did reach the log (defused). */
  printed?: string
}

const ROLE = 'arn:aws:iam::123456789012:role/ci'

async function inWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await workspaceWith(files)
  cleanup.push(dir)
  return dir
}

const oidc = (inputs: Record<string, string>, cwd?: string) =>
  runAction('oidc-auth', {
    cwd,
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs },
    // The STS endpoint is never reached: the hostile input is refused or the token file is read first.
    env: {
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x',
    },
  })

const NOTE_MODULE = `
variable "note" {
  type = string
}
resource "terraform_data" "note" {
  input = var.note
}
`

async function kubeconform(inputs: Record<string, string>, files: Record<string, string>): Promise<ActionRun> {
  const cwd = await inWorkspace(files)
  const cache = await toolCacheWithKubeconform()
  cleanup.push(cache)
  return runAction('kubeconform-validate', {
    cwd,
    inputs: { 'schema-locations': `${schemas.url}/k8s/`, ...inputs },
    env: { PIPELINE_ACTIONS_TOOL_CACHE: cache },
  })
}

const CASES: Case[] = [
  ...['\n', '\r\n', '\r'].map((separator) => ({
    name: `oidc-auth: audience with ${JSON.stringify(separator)}`,
    run: () => oidc({ audience: `sts.amazonaws.com${forged(separator)}` }),
    exitCode: 1,
  })),
  {
    name: 'oidc-auth: web-identity-token-file named with a bare CR',
    run: async () => oidc({ 'web-identity-token-file': `token${forged('\r')}` }, await inWorkspace({})),
    exitCode: 1,
    printed: `: :stop-commands::${MARK}`,
  },
  {
    name: "tf-apply-toggle: a variable's value in the plan text (real Terraform)",
    run: async () =>
      runAction('tf-apply-toggle', {
        cwd: await inWorkspace({ 'infra/main.tf': NOTE_MODULE }),
        post: false,
        inputs: { mode: 'plan', 'working-directory': 'infra', variables: JSON.stringify({ note: `first line${forged('\n')}` }) },
        env: { CHECKPOINT_DISABLE: '1' },
      }),
    exitCode: 0,
    printed: `: :add-mask::${MARK}`,
  },
  {
    name: 'kubeconform-validate: a report path with a bare CR ("Wrote …")',
    run: () => kubeconform({ paths: 'manifests', report: `report${forged('\r')}.xml` }, { 'manifests/config.yaml': CONFIG_MAP }),
    exitCode: 0,
    printed: 'Wrote ',
  },
  {
    name: 'kubeconform-validate: a manifest file named with a bare CR',
    run: () => kubeconform({ paths: 'manifests' }, { [`manifests/a${forged('\r').replace(/\//g, '')}.yaml`]: CONFIG_MAP }),
    exitCode: 0,
  },
]

describe('no forged workflow command, through the committed bundles', () => {
  it.each(CASES)('$name', async ({ run: start, exitCode, printed }) => {
    const run = await start()
    expectNoForgery(run)
    expect(run.masks.filter((mask) => mask.includes(MARK))).toEqual([])
    if (printed) expect(logOf(run)).toContain(printed)
    expect({ exitCode: run.exitCode, failure: run.failure }).toMatchObject({ exitCode })
  })
})
