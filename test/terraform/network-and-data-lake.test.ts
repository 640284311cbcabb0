import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { MOTO_ACCOUNT } from '../bench/moto'
import { type MotoForTerraform, motoInventory, startMotoForTerraform } from './moto-for-terraform'
import { cleanUpAfterAll, copyOfTerraform, type TerraformCopy } from './terraform-copy'

/**
 * modules/network and modules/data-lake as envs/dev uses them, through a
 * whole create/destroy cycle with the real AWS provider on moto: the parts of
 * the environment moto can hold (it has no EKS add-ons, pod identity or
 * cluster security group, and its Redshift Serverless namespace never becomes
 * available, so envs/dev itself is only planned: envs-dev.test.ts).
 */

const REGION = 'eu-west-1'
const ROOT = `provider "aws" {
  default_tags {
    tags = { "managed-by" = "terraform" }
  }
}

module "network" {
  source = "../modules/network"
  name   = "probe"
}

module "data_lake" {
  source        = "../modules/data-lake"
  name          = "probe"
  force_destroy = true
}
`
const BUCKETS = ['raw', 'processed'].map((zone) => `probe-${zone}-${MOTO_ACCOUNT}-${REGION}`)

let aws: MotoForTerraform
let copy: TerraformCopy

beforeAll(async () => {
  aws = await startMotoForTerraform(REGION)
  copy = await copyOfTerraform()
  await mkdir(join(copy.root, 'probe'))
  await writeFile(join(copy.root, 'probe', 'main.tf'), ROOT)
  await copy.pointAtMoto('probe')
}, 300_000)

cleanUpAfterAll(() => ({ copy, aws }))

describe('modules/network and modules/data-lake with the AWS provider, on moto', () => {
  it('creates the VPC with its subnets, NAT gateway and flow logs, and the two data lake zones', async () => {
    const apply = await copy.run('probe', ['apply', '-auto-approve', '-input=false', '-no-color'], aws.env)
    expect(apply.exitCode, apply.stderr).toBe(0)
    const found = await motoInventory(aws.moto.endpoint, REGION)
    expect(Object.values(found.vpcs)).toEqual([
      {
        cidr: '10.40.0.0/16',
        // Two public /24s for the NAT gateway and load balancers, two private /20s for the nodes.
        subnets: ['10.40.0.0/24', '10.40.1.0/24', '10.40.16.0/20', '10.40.32.0/20'],
        nat_gateways: ['available'],
        flow_logs: 1,
      },
    ])
    expect(found.log_groups).toEqual(['/vpc/probe/flow-logs'])
    expect(Object.keys(found.buckets).sort()).toEqual([...BUCKETS].sort())
    for (const name of BUCKETS) {
      expect(found.buckets[name]).toMatchObject({
        versioning: 'Enabled',
        encryption: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        public_access_block: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      })
    }
  }, 300_000)

  it('plans no change when run again', async () => {
    const plan = await copy.run('probe', ['plan', '-detailed-exitcode', '-input=false', '-no-color'], aws.env)
    expect(plan.stdout).toContain('No changes.')
    expect(plan.exitCode, plan.stdout).toBe(0)
  })

  it('destroys all of it, as the pipeline destroy does', async () => {
    const destroy = await copy.run('probe', ['destroy', '-auto-approve', '-input=false', '-no-color'], aws.env)
    expect(destroy.exitCode, destroy.stderr).toBe(0)
    const found = await motoInventory(aws.moto.endpoint, REGION)
    expect(found.vpcs).toEqual({})
    expect(found.buckets).toEqual({})
    expect(found.log_groups).toEqual([])
    // KMS keys are never deleted at once: they wait out their deletion window.
    expect(new Set(Object.values(found.kms_keys))).toEqual(new Set(['PendingDeletion']))
  }, 300_000)
})
