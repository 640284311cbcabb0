import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MOTO_ACCOUNT, type Moto, startMoto } from '../bench/moto'
import { awsEnv } from './moto-for-terraform'
import { copyOfTerraform, type TerraformCopy } from './terraform-copy'

/**
 * envs/dev planned by Terraform with the real AWS provider against an empty
 * moto account: what the pipeline's first `create` run does. A plan finds
 * what validate cannot: a for_each over IDs that only the same apply will
 * know, a module output of the wrong shape, a variable validation that
 * refuses the value another module passes. (It found the first: the database
 * and warehouse ingress rules could not be planned on a new account.)
 * The state stays local: the S3 backend would need `terraform init`, which
 * Terraform refuses while the provider is overridden.
 */

const REGION = 'eu-west-1'
const CI_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev`
const variables = (cidrs: string[]) => ['-var', `ci_role_arn=${CI_ROLE}`, '-var', `eks_public_access_cidrs=${JSON.stringify(cidrs)}`]

interface ResourceChange {
  address: string
  type: string
  change: { actions: string[]; after: Record<string, unknown> }
}

let moto: Moto
let copy: TerraformCopy
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  moto = await startMoto()
  env = awsEnv(moto.endpoint, REGION)
  copy = await copyOfTerraform()
  await copy.pointAtMoto('envs/dev', { localState: true })
})

afterAll(async () => {
  await copy?.remove()
  await moto?.stop()
})

describe('terraform/envs/dev with the AWS provider, planned on an empty moto account', () => {
  it('plans the whole environment in one run, every for_each and count known at plan time', async () => {
    const plan = await copy.run(
      'envs/dev',
      ['plan', '-input=false', '-no-color', '-detailed-exitcode', '-out=first.tfplan', ...variables(['203.0.113.0/24'])],
      env,
    )
    expect(plan.stderr).toBe('')
    expect(plan.exitCode).toBe(2)
    const shown = JSON.parse((await copy.run('envs/dev', ['show', '-json', 'first.tfplan'], env)).stdout) as {
      complete: boolean
      errored: boolean
      resource_changes: ResourceChange[]
    }
    expect({ complete: shown.complete, errored: shown.errored }).toEqual({ complete: true, errored: false })
    const changes = new Map(shown.resource_changes.map((change) => [change.address, change]))
    const planned = (address: string) => changes.get(address)?.change.after
    expect(new Set(shown.resource_changes.map((change) => change.change.actions.join()))).toEqual(new Set(['create', 'read']))

    expect(planned('module.eks.aws_eks_cluster.this')).toMatchObject({
      version: '1.33',
      vpc_config: [{ endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] }],
      encryption_config: [{ resources: ['secrets'] }],
    })
    expect(planned(`module.eks.aws_eks_access_entry.admin["${CI_ROLE}"]`)).toMatchObject({ principal_arn: CI_ROLE })
    expect(planned('module.airflow_db.aws_db_instance.this')).toMatchObject({ publicly_accessible: false, storage_encrypted: true })
    // The rules that could not be planned while they were keyed by the node security group's unknown ID.
    expect(planned('module.airflow_db.aws_vpc_security_group_ingress_rule.from_nodes[0]')).toMatchObject({ from_port: 5432, to_port: 5432 })
    expect(planned('module.warehouse.aws_vpc_security_group_ingress_rule.from_nodes[0]')).toMatchObject({ from_port: 5439, to_port: 5439 })
    expect([...changes.keys()].filter((address) => address.startsWith('module.data_lake.aws_s3_bucket.zone'))).toEqual([
      'module.data_lake.aws_s3_bucket.zone["processed"]',
      'module.data_lake.aws_s3_bucket.zone["raw"]',
    ])
  })

  it('refuses a cluster API open to the whole internet before planning anything', async () => {
    const plan = await copy.run('envs/dev', ['plan', '-input=false', '-no-color', ...variables(['0.0.0.0/0'])], env)
    expect(plan.exitCode).toBe(1)
    expect(plan.stderr.replace(/\s+/g, ' ')).toContain('public_access_cidrs must list at least one CIDR and must not contain 0.0.0.0/0.')
  })
})
