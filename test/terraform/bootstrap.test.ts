import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MOTO_ACCOUNT } from '../bench/moto'
import { type Inventory, type MotoForTerraform, motoInventory, startMotoForTerraform } from './moto-for-terraform'
import { copyOfTerraform, type TerraformCopy } from './terraform-copy'

/**
 * terraform/bootstrap applied as its README says (local state, once per
 * account), by Terraform with the real AWS provider, against moto; what it
 * made is then read back with boto3, not through Terraform.
 */

const REGION = 'eu-west-1'
const STATE_BUCKET = `datapipe-tfstate-${MOTO_ACCOUNT}`
const POLICY = 'arn:aws:iam::aws:policy/PowerUserAccess'
const VARIABLES = ['-var', 'github_repository=example-org/data-pipeline', '-var', `ci_policy_arns=["${POLICY}"]`]

let aws: MotoForTerraform
let copy: TerraformCopy

async function inventory(): Promise<Inventory> {
  return motoInventory(aws.moto.endpoint, REGION)
}

beforeAll(async () => {
  aws = await startMotoForTerraform(REGION)
  copy = await copyOfTerraform()
  // bootstrap keeps local state by design: it creates the bucket remote state lives in.
  await copy.pointAtMoto('bootstrap')
}, 300_000)

afterAll(async () => {
  await copy?.remove()
  await aws?.stop()
})

describe('terraform/bootstrap with the AWS provider, on moto', () => {
  it('creates the state bucket, the image repositories and the CI role as the pipeline needs them', async () => {
    const apply = await copy.run('bootstrap', ['apply', '-auto-approve', '-input=false', '-no-color', ...VARIABLES], aws.env)
    expect(apply.exitCode, apply.stderr).toBe(0)
    const outputs = JSON.parse((await copy.run('bootstrap', ['output', '-json'], aws.env)).stdout) as Record<string, { value: unknown }>
    expect(outputs.state_bucket?.value).toBe(STATE_BUCKET)
    expect(outputs.image_repository?.value).toBe('datapipe/airflow')
    expect(outputs.ci_role_arn?.value).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev`)

    const found = await inventory()
    const bucket = found.buckets[STATE_BUCKET]
    expect(bucket?.versioning).toBe('Enabled')
    expect(bucket?.encryption).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.stringMatching(/^arn:aws:kms:/) },
        BucketKeyEnabled: true,
      },
    ])
    expect(bucket?.public_access_block).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    })
    expect(bucket?.policy?.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ])
    expect(bucket?.lifecycle_rules?.map((rule) => [rule.ID, rule.Status])).toEqual([['expire-old-state-versions', 'Enabled']])

    expect(found.repositories['datapipe/airflow']).toMatchObject({ tag_mutability: 'IMMUTABLE', scan_on_push: true, encryption: 'KMS' })
    expect(found.repositories['datapipe/airflow-build-cache']).toMatchObject({ tag_mutability: 'MUTABLE', encryption: 'KMS' })

    const role = found.roles['datapipe-pipeline-dev']
    expect(role?.managed_policies).toEqual([POLICY])
    expect(role?.trust_policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Federated: `arn:aws:iam::${MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:example-org/data-pipeline:environment:dev',
          },
        },
      }),
    ])
    expect(found.oidc_providers).toEqual([`arn:aws:iam::${MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`])
    expect(Object.values(found.kms_keys)).toEqual(['Enabled', 'Enabled'])
  }, 300_000)

  it('plans no change when run again (nothing the provider reads back differs from the configuration)', async () => {
    const plan = await copy.run('bootstrap', ['plan', '-detailed-exitcode', '-input=false', '-no-color', ...VARIABLES], aws.env)
    expect(plan.stdout).toContain('No changes.')
    expect(plan.exitCode, plan.stdout).toBe(0)
  })

  it('refuses a destroy that would delete the state bucket, and deletes nothing', async () => {
    const before = await inventory()
    const destroy = await copy.run('bootstrap', ['destroy', '-auto-approve', '-input=false', '-no-color', ...VARIABLES], aws.env)
    expect(destroy.exitCode).toBe(1)
    expect(destroy.stderr.replace(/\s+/g, ' ')).toContain('Instance cannot be destroyed')
    expect(destroy.stderr).toContain('module.state_backend.aws_s3_bucket.this')
    expect(await inventory()).toEqual(before)
  })
})
