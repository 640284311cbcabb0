import { setTimeout as sleep } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { MOTO_ACCOUNT } from '../bench/moto'
import { addGithubOidcProvider, type MotoForTerraform, motoInventory, startMotoForTerraform } from './moto-for-terraform'
import { cleanUpAfterAll, copyWithBootstrapOnMoto, type TerraformCopy } from './terraform-copy'

/**
 * envs/dev planned by Terraform with the real AWS provider against a moto
 * account that has been bootstrapped (account layer, then the dev
 * environment layer, which holds the data that outlives the environment):
 * what the pipeline's first `create` run does. A plan finds what validate
 * cannot: a for_each over IDs that only the same apply will know, a module
 * output of the wrong shape, a variable validation that refuses the value
 * another module passes, a lookup of something bootstrap did not make.
 * The state stays local: the S3 backend would need `terraform init`, which
 * Terraform refuses while the provider is overridden.
 */

const REGION = 'eu-west-1'
const APPLY_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev-apply`
const DEPLOY_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev-deploy`
const BOUNDARY = `arn:aws:iam::${MOTO_ACCOUNT}:policy/datapipe-pipeline-boundary`
const SNAPSHOT = /^datapipe-dev-airflow-final-\d{14}$/

const ROLES = { apply_role_arn: APPLY_ROLE, deploy_role_arn: DEPLOY_ROLE }
const asVars = (variables: Record<string, string>) => Object.entries(variables).flatMap(([name, value]) => ['-var', `${name}=${value}`])
const variables = (more: Record<string, string> = {}) =>
  asVars({ region: REGION, ...ROLES, eks_public_access_cidrs: '["203.0.113.0/24"]', ...more })

interface ResourceChange {
  address: string
  type: string
  change: { actions: string[]; after: Record<string, unknown> }
}

let aws: MotoForTerraform
let copy: TerraformCopy

async function plan(args: string[], out: string) {
  const run = await copy.run('envs/dev', ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${out}`, ...args], aws.env)
  const shown =
    run.exitCode === 2
      ? (JSON.parse((await copy.run('envs/dev', ['show', '-json', out], aws.env)).stdout) as {
          complete: boolean
          errored: boolean
          resource_changes: ResourceChange[]
        })
      : undefined
  const changes = new Map((shown?.resource_changes ?? []).map((change) => [change.address, change]))
  return { run, shown, changes, planned: (address: string) => changes.get(address)?.change.after }
}

async function refused(args: string[]) {
  const run = await copy.run('envs/dev', ['plan', '-input=false', '-no-color', ...args], aws.env)
  expect(run.exitCode).toBe(1)
  return run.stderr.replace(/\s+/g, ' ')
}

beforeAll(async () => {
  aws = await startMotoForTerraform(REGION)
  await addGithubOidcProvider(aws.moto.endpoint, REGION)
  copy = await copyWithBootstrapOnMoto()
  await copy.pointAtMoto('envs/dev', { localState: true })
  for (const [folder, vars] of [
    ['bootstrap/account', asVars({ region: REGION })],
    [
      'bootstrap/environment',
      asVars({
        region: REGION,
        github_repository: 'example-org/data-pipeline',
        github_environment: 'dev',
        job_workflow_ref: 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1',
      }),
    ],
  ] as const) {
    const apply = await copy.run(folder, ['apply', '-auto-approve', '-input=false', '-no-color', ...vars], aws.env)
    if (apply.exitCode !== 0) throw new Error(`${folder}: ${apply.stderr}`)
  }
}, 600_000)

cleanUpAfterAll(() => ({ copy, aws }))

describe('terraform/envs/dev with the AWS provider, planned on a bootstrapped moto account', () => {
  it('plans the whole environment in one run, every for_each and count known at plan time', async () => {
    const { run, shown, changes, planned } = await plan(variables(), 'first.tfplan')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    expect({ complete: shown?.complete, errored: shown?.errored }).toEqual({ complete: true, errored: false })
    expect(new Set(shown?.resource_changes.map((change) => change.change.actions.join()))).toEqual(new Set(['create', 'read']))

    expect(planned('module.eks.aws_eks_cluster.this')).toMatchObject({
      // In EKS standard support on 2026-12-06 (1.34's ended on 2026-12-02).
      version: '1.35',
      vpc_config: [{ endpoint_public_access: true, endpoint_private_access: true, public_access_cidrs: ['203.0.113.0/24'] }],
      encryption_config: [{ resources: ['secrets'] }],
    })
    // The apply and deploy roles, and no other, can use the cluster from the first run.
    expect([...changes.keys()].filter((address) => address.startsWith('module.eks.aws_eks_access_entry.admin')).sort()).toEqual(
      [`module.eks.aws_eks_access_entry.admin["${APPLY_ROLE}"]`, `module.eks.aws_eks_access_entry.admin["${DEPLOY_ROLE}"]`].sort(),
    )
    expect(planned('module.airflow_db.aws_db_instance.this')).toMatchObject({ publicly_accessible: false, storage_encrypted: true })
    // The rules that could not be planned while they were keyed by the node security group's unknown ID.
    expect(planned('module.airflow_db.aws_vpc_security_group_ingress_rule.from_nodes[0]')).toMatchObject({ from_port: 5432, to_port: 5432 })
    expect(planned('module.warehouse.aws_vpc_security_group_ingress_rule.from_nodes[0]')).toMatchObject({ from_port: 5439, to_port: 5439 })
    // The data lake is bootstrap's, read here: a destroy of the environment cannot touch it.
    expect(
      [...changes.keys()].filter((address) => /aws_s3_bucket\b/.test(address) && changes.get(address)?.change.actions.includes('create')),
    ).toEqual([])
    expect([...changes.keys()].filter((address) => address.startsWith('data.aws_s3_bucket.zone'))).toEqual([])
  })

  it('makes volume claims bind (EKS >= 1.30 has no default class) and NetworkPolicies enforced', async () => {
    const { planned } = await plan(variables(), 'addons.tfplan')
    const ebs = planned('module.eks.aws_eks_addon.ebs_csi') as { configuration_values: string; pod_identity_association: unknown[] }
    // The add-on's own default StorageClass, ebs-csi-default-sc, which helm/airflow/values.yaml names.
    expect(JSON.parse(ebs.configuration_values)).toEqual({ defaultStorageClass: { enabled: true } })
    // The driver's controller gets its AWS rights through EKS Pod Identity (the role's ARN is known after apply).
    expect(ebs.pod_identity_association).toEqual([{ service_account: 'ebs-csi-controller-sa' }])
    const cni = planned('module.eks.aws_eks_addon.core["vpc-cni"]') as { configuration_values: string }
    expect(JSON.parse(cni.configuration_values)).toEqual({ enableNetworkPolicy: 'true' })
  })

  it('gives every role it creates the account permissions boundary', async () => {
    const { shown } = await plan(variables(), 'roles.tfplan')
    const roles = (shown?.resource_changes ?? []).filter((change) => change.type === 'aws_iam_role')
    expect(roles.map((role) => role.address).sort()).toEqual(
      [
        'aws_iam_role.airflow_tasks',
        'module.airflow_db.aws_iam_role.monitoring',
        'module.eks.aws_iam_role.cluster',
        'module.eks.aws_iam_role.ebs_csi',
        'module.eks.aws_iam_role.node',
        'module.network.aws_iam_role.flow',
        'module.warehouse.aws_iam_role.copy[0]',
      ].sort(),
    )
    for (const role of roles) expect(role.change.after.permissions_boundary, role.address).toBe(BOUNDARY)
  })

  it('encrypts the database with the kept key and names its final snapshot after its creation time, so each destroy leaves its own', async () => {
    const found = await motoInventory(aws.moto.endpoint, REGION)
    const keyId = found.kms_aliases['alias/datapipe-dev-database']
    const first = await plan(variables(), 'snapshot-1.tfplan')
    await sleep(1_100)
    const second = await plan(variables(), 'snapshot-2.tfplan')
    const database = (p: typeof first) => p.planned('module.airflow_db.aws_db_instance.this') as Record<string, string>
    expect(database(first).kms_key_id).toBe(`arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/${keyId}`)
    expect(database(first).master_user_secret_kms_key_id).toBe(`arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/${keyId}`)
    expect(database(first).skip_final_snapshot).toBe(false)
    expect(database(first).final_snapshot_identifier).toMatch(SNAPSHOT)
    expect(database(second).final_snapshot_identifier).toMatch(SNAPSHOT)
    expect(database(second).final_snapshot_identifier).not.toBe(database(first).final_snapshot_identifier)
  })

  it('plans a private cluster, and a public one open to all only when asked for by name', async () => {
    const privately = await plan(asVars({ region: REGION, ...ROLES, cluster_endpoint_access: 'private' }), 'private.tfplan')
    expect(privately.run.exitCode, privately.run.stderr).toBe(2)
    expect(privately.planned('module.eks.aws_eks_cluster.this')).toMatchObject({
      vpc_config: [{ endpoint_public_access: false, endpoint_private_access: true }],
    })
    const open = await plan(asVars({ region: REGION, ...ROLES, public_api_open_to_all: 'true' }), 'open.tfplan')
    expect(open.run.exitCode, open.run.stderr).toBe(2)
    expect(open.planned('module.eks.aws_eks_cluster.this')).toMatchObject({
      vpc_config: [{ endpoint_public_access: true, public_access_cidrs: ['0.0.0.0/0'] }],
    })
  })

  it.each([
    ['0.0.0.0/0', '["0.0.0.0/0"]'],
    ['the internet in two halves', '["0.0.0.0/1","128.0.0.0/1"]'],
    ['a /7', '["10.0.0.0/7"]'],
    ['an IPv6 range', '["2001:db8::/32"]'],
  ])('refuses a cluster API open to %s without the opt-in, before planning anything', async (_name, cidrs) => {
    expect(await refused(variables({ eks_public_access_cidrs: cidrs }))).toContain(
      'eks_public_access_cidrs must be IPv4 CIDRs of /8 or longer: 0.0.0.0/0, and 0.0.0.0/1 with 128.0.0.0/1, are the whole internet. To open the API to all, say so with public_api_open_to_all = true.',
    )
  })

  it.each([
    [
      'more than 40 CIDRs',
      { eks_public_access_cidrs: JSON.stringify(Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`)) },
      'takes at most 40 CIDRs',
    ],
    [
      'a public API with no CIDR',
      { eks_public_access_cidrs: '[]' },
      'With cluster_endpoint_access = "public" list the allowed CIDRs in eks_public_access_cidrs',
    ],
    ['CIDRs on a private API', { cluster_endpoint_access: 'private' }, 'with "private" leave eks_public_access_cidrs empty'],
    [
      'the opt-in beside CIDRs',
      { public_api_open_to_all: 'true' },
      'or set public_api_open_to_all = true with no CIDRs (it means 0.0.0.0/0)',
    ],
    ['an unknown endpoint mode', { cluster_endpoint_access: 'vpn' }, 'cluster_endpoint_access must be "private" or "public".'],
  ])('refuses %s', async (_name, more, message) => {
    expect(await refused(variables(more))).toContain(message)
  })

  // After the plans above, which start from an empty state: this one applies part of the plan.
  it("makes the volumes' KMS key and lets the EBS CSI driver use it, through EC2 only: applied on moto and read back", async () => {
    const { planned } = await plan(variables(), 'volumes.tfplan')
    expect(planned('module.eks.aws_kms_key.volumes')).toMatchObject({ enable_key_rotation: true })
    expect(planned('module.eks.aws_iam_role_policy.ebs_csi_volumes_key')).toMatchObject({ name: 'volumes-key' })

    // The key and the driver's role policy, with what they need (the role, the documents) and nothing else.
    const targets = ['module.eks.aws_iam_role_policy.ebs_csi_volumes_key', 'module.eks.aws_kms_key.volumes']
    const apply = await copy.run(
      'envs/dev',
      ['apply', '-auto-approve', '-input=false', '-no-color', ...targets.map((target) => `-target=${target}`), ...variables()],
      aws.env,
    )
    expect(apply.exitCode, apply.stderr).toBe(0)
    const output = await copy.run('envs/dev', ['output', '-json', 'volume_kms_key_arn'], aws.env)
    const keyArn = JSON.parse(output.stdout) as string
    expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/[0-9a-f-]{36}$`))

    const found = await motoInventory(aws.moto.endpoint, REGION)
    const keyId = keyArn.split('/')[1] as string
    expect(found.kms_key_descriptions[keyId]).toBe("datapipe-dev EBS volumes of the cluster's persistent volume claims")
    // The key policy grants nothing by itself: the account administers the key and delegates its use to IAM.
    expect(found.kms_key_policies[keyId]?.Statement).toEqual([
      {
        Sid: 'AccountAdministers',
        Effect: 'Allow',
        Action: 'kms:*',
        Resource: '*',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT}:root` },
      },
    ])
    const [role] = Object.entries(found.roles).filter(([name]) => name.startsWith('datapipe-dev-ebs-csi-'))
    expect(role?.[1].permissions_boundary).toBe(BOUNDARY)
    expect(role?.[1].inline_policies['volumes-key']?.Statement).toEqual([
      {
        Sid: 'VolumeKeyGrants',
        Effect: 'Allow',
        Action: ['kms:RevokeGrant', 'kms:ListGrants', 'kms:CreateGrant'],
        Resource: keyArn,
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      {
        Sid: 'VolumeKeyUse',
        Effect: 'Allow',
        Action: ['kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:DescribeKey', 'kms:Decrypt'],
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } },
      },
    ])
  })

  it('needs the region: the pipeline passes its aws-region, nothing defaults to another', async () => {
    const stderr = await refused(asVars({ ...ROLES, eks_public_access_cidrs: '["203.0.113.0/24"]' }))
    expect(stderr).toContain('No value for required variable')
    expect(stderr).toContain('variable "region"')
  })
})
