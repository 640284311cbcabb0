import { join } from 'node:path'
import { exec } from '../../lib/exec'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { type FaultProxy, startFaultProxy } from '../bench/fault-proxy'
import { type Moto, startMoto } from '../bench/moto'

/**
 * The environment that sends the provider's every AWS call to `endpoint`. S3 Control calls go to
 * `<account>.<endpoint host>`, a name no resolver knows, so they reach it as an HTTP proxy
 * (moto and the fault proxy both take a request in proxy form); Go sends loopback
 * addresses direct, so nothing else goes through the proxy.
 */
export function awsEnv(endpoint: string, region: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: endpoint,
    HTTP_PROXY: endpoint,
    http_proxy: endpoint,
    NO_PROXY: '',
    no_proxy: '',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: region,
  }
}

export interface MotoForTerraform {
  moto: Moto
  /** What Terraform's environment needs to send the provider's calls to moto. */
  env: NodeJS.ProcessEnv
  stop(): Promise<void>
}

/**
 * moto, behind the fault proxy, as the provider needs it. The CI role gets an AWS managed
 * policy, which moto has only when asked. And moto accepts tags inside CreateBucket's
 * configuration but drops them, so a bucket's default tags would read back empty and every
 * plan would re-add them: the proxy answers such a CreateBucket UnsupportedArgument, as an S3
 * without tag-on-create does, and the provider then creates the bucket bare and tags it after.
 */
export async function startMotoForTerraform(region: string): Promise<MotoForTerraform> {
  const moto = await startMoto({ settings: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } })
  let proxy: FaultProxy
  try {
    proxy = await startFaultProxy(moto.endpoint)
  } catch (error) {
    await moto.stop()
    throw error
  }
  proxy.inject({
    times: Number.POSITIVE_INFINITY,
    match: (call) => call.method === 'PUT' && /^\/[^/?]+$/.test(call.path) && call.body.includes('<Tags>'),
    fault: {
      type: 'respond',
      status: 400,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>UnsupportedArgument</Code><Message>tags on CreateBucket are not supported</Message><RequestId>bench</RequestId></Error>',
    },
  })
  return {
    moto,
    env: awsEnv(proxy.endpoint, region),
    async stop() {
      await proxy.stop()
      await moto.stop()
    },
  }
}

/** What moto holds, as test/terraform/moto_inventory.py reads it with boto3. */
export interface Inventory {
  buckets: Record<
    string,
    {
      versioning: string | null
      encryption: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID?: string }; BucketKeyEnabled?: boolean }[]
      public_access_block: Record<string, boolean> | null
      policy: { Statement: { Effect: string; Condition?: unknown }[] } | null
      lifecycle_rules: { ID: string; Status: string }[] | null
    }
  >
  repositories: Record<
    string,
    { tag_mutability: string; scan_on_push: boolean; encryption: string; lifecycle_policy: unknown; policy: PolicyDocument | null }
  >
  roles: Record<
    string,
    {
      role_id: string
      create_date: string
      trust_policy: { Statement: { Condition: unknown; Principal: unknown }[] }
      max_session_duration: number
      permissions_boundary: string | null
      managed_policies: string[]
      inline_policies: Record<string, PolicyDocument>
    }
  >
  /** The account's own managed policies, by name. */
  policies: Record<string, { arn: string; document: PolicyDocument }>
  kms_aliases: Record<string, string>
  oidc_providers: string[]
  kms_keys: Record<string, string>
  /** Each key's policy (its "default" policy), by key ID; null when it cannot be read. */
  kms_key_policies: Record<string, PolicyDocument | null>
  kms_key_descriptions: Record<string, string>
  vpcs: Record<string, { cidr: string; subnets: string[]; nat_gateways: string[]; flow_logs: number }>
  log_groups: string[]
  ebs_encryption_by_default: boolean
}

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Principal?: unknown
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version: string
  Statement: PolicyStatement[]
}

/** An IAM value that may be one string or a list, as a list. */
export const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

/** Adds GitHub's OIDC provider to moto's account with boto3, as most accounts already have it before any bootstrap. */
export async function addGithubOidcProvider(endpoint: string, region: string): Promise<void> {
  const script = join(import.meta.dirname, 'moto_inventory.py')
  const result = await exec(toolPaths().python, [script, endpoint, region, '--add-github-oidc-provider'], { silent: true })
  if (result.exitCode !== 0) throw new Error(`moto_inventory.py --add-github-oidc-provider failed: ${result.stderr}`)
}

/** Reads what exists in moto with boto3, not through Terraform. */
export async function motoInventory(endpoint: string, region: string): Promise<Inventory> {
  const script = join(import.meta.dirname, 'moto_inventory.py')
  const result = await exec(toolPaths().python, [script, endpoint, region], { silent: true })
  if (result.exitCode !== 0) throw new Error(`moto_inventory.py failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as Inventory
}
