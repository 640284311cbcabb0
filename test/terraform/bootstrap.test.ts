import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { MOTO_ACCOUNT } from '../bench/moto'
import { repoRoot } from '../harness/runner'
import {
  addGithubOidcProvider,
  type Inventory,
  listOf,
  type MotoForTerraform,
  motoInventory,
  type PolicyDocument,
  startMotoForTerraform,
} from './moto-for-terraform'
import { cleanUpAfterAll, copyWithBootstrapOnMoto, type TerraformCopy } from './terraform-copy'

/**
 * terraform/bootstrap's two layers applied as examples/README.md says, by
 * Terraform with the real AWS provider, against moto (which stores IAM
 * policies but evaluates none): the account layer once, with local state,
 * in an account that already has GitHub's OIDC provider; the environment
 * layer once per GitHub environment, each with its own state (here a local
 * state file per environment; in AWS a key per environment). What they made
 * is read back with boto3, not through Terraform.
 */

const REGION = 'eu-west-1'
const REPOSITORY = 'example-org/data-pipeline'
const PIPELINE = 'example-org/pipeline-actions/.github/workflows/pipeline.yml@refs/tags/v1'
const VALIDATE = 'example-org/pipeline-actions/.github/workflows/validate.yml@refs/tags/v1'
const STATE_BUCKET = `datapipe-tfstate-${MOTO_ACCOUNT}`
const BOUNDARY = `arn:aws:iam::${MOTO_ACCOUNT}:policy/datapipe-pipeline-boundary`
const PROVIDER = `arn:aws:iam::${MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`
const ISSUER = 'token.actions.githubusercontent.com'
const PURPOSES = ['plan', 'apply', 'image', 'deploy'] as const
const DEV_ROLES = PURPOSES.map((purpose) => `datapipe-pipeline-dev-${purpose}`)
const DATA_BUCKETS = ['raw', 'processed'].map((zone) => `datapipe-dev-${zone}-${MOTO_ACCOUNT}-${REGION}`)
// Actions that only read: what the plan role may do anywhere.
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|BatchGet)[A-Za-z*]*$/

const ACCOUNT_VARIABLES = ['-var', `region=${REGION}`]
const environmentVariables = (environment: string, more: Record<string, string> = {}) =>
  Object.entries({
    region: REGION,
    github_repository: REPOSITORY,
    github_environment: environment,
    job_workflow_ref: PIPELINE,
    ...more,
  }).flatMap(([name, value]) => ['-var', `${name}=${value}`])

let aws: MotoForTerraform
let copy: TerraformCopy
let dev: Record<string, string | null>

const inventory = (): Promise<Inventory> => motoInventory(aws.moto.endpoint, REGION)

async function applyEnvironment(environment: string, more: Record<string, string> = {}) {
  const state = `-state=${environment}.tfstate`
  const apply = await copy.run(
    'bootstrap/environment',
    ['apply', '-auto-approve', '-input=false', '-no-color', state, ...environmentVariables(environment, more)],
    aws.env,
  )
  expect(apply.exitCode, apply.stderr).toBe(0)
  const output = await copy.run('bootstrap/environment', ['output', '-json', state], aws.env)
  const values = JSON.parse(output.stdout) as Record<string, { value: string | null }>
  return Object.fromEntries(Object.entries(values).map(([name, { value }]) => [name, value]))
}

function policyOf(found: Inventory, role: string): PolicyDocument {
  const policies = Object.values(found.roles[role]?.inline_policies ?? {})
  expect(policies).toHaveLength(1)
  return policies[0] as PolicyDocument
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (name === '.terraform') return []
    if (statSync(path).isDirectory()) return tfFiles(path)
    return /\.(tf|md)$/.test(name) ? [path] : []
  })
}

beforeAll(async () => {
  aws = await startMotoForTerraform(REGION)
  await addGithubOidcProvider(aws.moto.endpoint, REGION)
  copy = await copyWithBootstrapOnMoto()
}, 300_000)

cleanUpAfterAll(() => ({ copy, aws }))

describe('terraform/bootstrap/account with the AWS provider, on moto', () => {
  it('creates the state bucket, the image repositories and the boundary, and adopts the existing OIDC provider', async () => {
    const apply = await copy.run(
      'bootstrap/account',
      ['apply', '-auto-approve', '-input=false', '-no-color', ...ACCOUNT_VARIABLES],
      aws.env,
    )
    expect(apply.exitCode, apply.stderr).toBe(0)
    const outputs = JSON.parse((await copy.run('bootstrap/account', ['output', '-json'], aws.env)).stdout) as Record<
      string,
      { value: unknown }
    >
    expect(outputs.state_bucket?.value).toBe(STATE_BUCKET)
    expect(outputs.image_repository?.value).toBe('datapipe/airflow')
    expect(outputs.image_build_cache_repository?.value).toBe('datapipe/airflow-build-cache')
    expect(outputs.oidc_provider_arn?.value).toBe(PROVIDER)
    expect(outputs.permissions_boundary_arn?.value).toBe(BOUNDARY)

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
    expect(found.kms_aliases).toHaveProperty(`alias/${STATE_BUCKET}`)

    expect(found.repositories['datapipe/airflow']).toMatchObject({ tag_mutability: 'IMMUTABLE', scan_on_push: true, encryption: 'KMS' })
    expect(found.repositories['datapipe/airflow-build-cache']).toMatchObject({ tag_mutability: 'MUTABLE', encryption: 'KMS' })
    // PersistentVolumeClaims go through the EBS CSI driver's default class, which sets no encryption itself.
    expect(found.ebs_encryption_by_default).toBe(true)
    // The provider that was there before is read, not duplicated, and no role exists yet.
    expect(found.oidc_providers).toEqual([PROVIDER])
    expect(found.roles).toEqual({})
    expect(found.policies['datapipe-pipeline-boundary']?.arn).toBe(BOUNDARY)
    const boundaryActions = found.policies['datapipe-pipeline-boundary']?.document.Statement.flatMap((s) => listOf(s.Action)) ?? []
    expect(boundaryActions.filter((action) => action.startsWith('iam:') || action.startsWith('sts:'))).toEqual([
      'iam:CreateServiceLinkedRole',
    ])
    expect(Object.values(found.kms_keys)).toEqual(['Enabled', 'Enabled'])
  }, 300_000)

  it('plans no change when run again', async () => {
    const plan = await copy.run(
      'bootstrap/account',
      ['plan', '-detailed-exitcode', '-input=false', '-no-color', ...ACCOUNT_VARIABLES],
      aws.env,
    )
    expect(plan.stdout).toContain('No changes.')
    expect(plan.exitCode, plan.stdout).toBe(0)
  })
})

describe("the image repositories' own policies (what makes skip-if-tag-exists and the build cache trustworthy)", () => {
  // moto stores repository policies but evaluates none: the statements are read back and checked for what
  // they deny to whom. A Deny in a resource policy overrides every Allow of the principal's IAM policies.
  const IMAGE_ROLES = `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-*-image`
  const ROOT = `arn:aws:iam::${MOTO_ACCOUNT}:root`
  const WRITES = ['ecr:BatchDeleteImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart']
  const CONTROL = ['ecr:DeleteRepositoryPolicy', 'ecr:PutImageTagMutability', 'ecr:SetRepositoryPolicy']

  /** The principals (aws:PrincipalArn patterns) a repository policy leaves `action` to: everyone if no Deny covers it. */
  function allowedTo(policy: PolicyDocument | null, action: string): string[] | 'everyone' {
    const denies = (policy?.Statement ?? []).filter((statement) => statement.Effect === 'Deny' && listOf(statement.Action).includes(action))
    if (denies.length === 0) return 'everyone'
    expect(denies).toHaveLength(1)
    expect(denies[0]?.Principal).toBe('*')
    return listOf(denies[0]?.Condition?.StringNotLike?.['aws:PrincipalArn']).sort()
  }

  it.each(['datapipe/airflow', 'datapipe/airflow-build-cache'])(
    '%s: only the image roles and the administrators write images',
    async (name) => {
      const found = await inventory()
      const repository = found.repositories[name]
      expect(repository?.policy?.Statement.length).toBeGreaterThan(0)
      // Whoever applied the account layer (moto's caller) and the root user administer; nobody else.
      const administrators = allowedTo(repository?.policy ?? null, 'ecr:SetRepositoryPolicy')
      expect(administrators).toContain(ROOT)
      expect(administrators).toHaveLength(2)
      for (const action of WRITES) expect(allowedTo(repository?.policy ?? null, action)).toEqual([...administrators, IMAGE_ROLES].sort())
      for (const action of CONTROL) expect(allowedTo(repository?.policy ?? null, action)).toEqual(administrators)
      // No statement of the policy grants anything.
      expect(repository?.policy?.Statement.filter((statement) => statement.Effect !== 'Deny')).toEqual([])
    },
  )

  it('keeps the image tags immutable', async () => {
    const found = await inventory()
    expect(found.repositories['datapipe/airflow']?.tag_mutability).toBe('IMMUTABLE')
  })
})

describe('terraform/bootstrap/environment with the AWS provider, on moto', () => {
  it('creates the four roles of the dev environment, each trusting exactly the repository, the environment and the workflow', async () => {
    dev = await applyEnvironment('dev')
    for (const purpose of PURPOSES) {
      expect(dev[`${purpose}_role_arn`]).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev-${purpose}`)
    }
    expect(dev).toMatchObject({
      state_bucket: STATE_BUCKET,
      state_key: 'datapipe/dev/terraform.tfstate',
      image_repository: 'datapipe/airflow',
    })
    const subject = `repo:${REPOSITORY}:environment:dev:job_workflow_ref:${PIPELINE}`
    expect(dev.subject).toBe(subject)

    const found = await inventory()
    expect(found.oidc_providers).toEqual([PROVIDER])
    for (const role of DEV_ROLES) {
      expect(found.roles[role]?.trust_policy.Statement).toEqual([
        {
          Effect: 'Allow',
          Sid: 'GitHubActionsOidc',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com', [`${ISSUER}:sub`]: subject } },
        },
      ])
      // Apply and destroy jobs run up to 90 minutes; the session must outlast them.
      expect(found.roles[role]?.max_session_duration).toBe(role.endsWith('-apply') ? 7200 : 3600)
    }
  }, 300_000)

  it('keeps the data that must outlive the pipeline destroy: the data-lake buckets and the database key', async () => {
    const found = await inventory()
    for (const name of DATA_BUCKETS) expect(found.buckets[name]).toMatchObject({ versioning: 'Enabled' })
    expect(dev).toMatchObject({ raw_bucket: DATA_BUCKETS[0], processed_bucket: DATA_BUCKETS[1] })
    expect(Object.keys(found.kms_aliases)).toEqual(expect.arrayContaining(['alias/datapipe-dev-database', 'alias/datapipe-dev-data-lake']))
    expect(dev.database_kms_key_arn).toMatch(new RegExp(`:key/${found.kms_aliases['alias/datapipe-dev-database']}$`))
  })

  it("gives the plan role no write but the state lock file and its pull requests' saved plans, and denies it secret values and data", async () => {
    const found = await inventory()
    const policy = policyOf(found, 'datapipe-pipeline-dev-plan')
    const lockFile = `arn:aws:s3:::${STATE_BUCKET}/datapipe/dev/terraform.tfstate.tflock`
    const savedPlans = `arn:aws:s3:::${STATE_BUCKET}/plans/*/datapipe/dev/terraform.tfstate/pr-*`
    const stateKey = `arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/${found.kms_aliases[`alias/${STATE_BUCKET}`]}`
    const allows = policy.Statement.filter((statement) => statement.Effect === 'Allow')
    const beyondReading = allows.flatMap((statement) =>
      listOf(statement.Action)
        .filter((action) => !READ_ONLY.test(action))
        .map((action) => ({ action, resources: listOf(statement.Resource) })),
    )
    expect(beyondReading).toEqual(
      expect.arrayContaining([
        { action: 's3:PutObject', resources: [lockFile] },
        { action: 's3:DeleteObject', resources: [lockFile] },
        { action: 's3:PutObject', resources: [savedPlans] },
      ]),
    )
    // Nothing else but the state key's decrypt/encrypt for the lock object, the state and the saved plans.
    const others = beyondReading.filter(
      ({ resources }) => !(resources.length === 1 && [lockFile, savedPlans].includes(resources[0] as string)),
    )
    expect(others.sort((a, b) => a.action.localeCompare(b.action))).toEqual([
      { action: 'kms:Decrypt', resources: [stateKey] },
      { action: 'kms:GenerateDataKey', resources: [stateKey] },
    ])
    const getObject = allows.filter((statement) => listOf(statement.Action).includes('s3:GetObject'))
    expect(getObject.flatMap((statement) => listOf(statement.Resource)).sort()).toEqual(
      [`arn:aws:s3:::${STATE_BUCKET}/datapipe/dev/terraform.tfstate`, lockFile, savedPlans].sort(),
    )

    const denies = policy.Statement.filter((statement) => statement.Effect === 'Deny')
    const denied = (action: string) =>
      denies.filter((statement) => listOf(statement.Action).includes(action)).flatMap((s) => listOf(s.Resource))
    expect(denied('secretsmanager:GetSecretValue')).toEqual(['*'])
    expect(denied('kms:Decrypt').sort()).toEqual(
      [dev.database_kms_key_arn, `arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/${found.kms_aliases['alias/datapipe-dev-data-lake']}`].sort(),
    )
    expect(denied('s3:GetObject').sort()).toEqual(DATA_BUCKETS.map((bucket) => `arn:aws:s3:::${bucket}/*`).sort())
  })

  it('lets the apply role create or change roles only with the permissions boundary, never its own or the boundary', async () => {
    const found = await inventory()
    const policy = policyOf(found, 'datapipe-pipeline-dev-apply')
    const allows = policy.Statement.filter((statement) => statement.Effect === 'Allow')
    const roleWriters = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary']
    const granting = allows.filter((statement) =>
      listOf(statement.Action).some((action) => roleWriters.includes(action) || action === 'iam:*'),
    )
    expect(granting.length).toBeGreaterThan(0)
    for (const statement of granting) {
      expect(listOf(statement.Action)).not.toContain('iam:*')
      expect(statement.Condition?.StringEquals?.['iam:PermissionsBoundary']).toBe(BOUNDARY)
    }
    expect(allows.flatMap((statement) => listOf(statement.Action))).not.toContain('*')
    const denies = policy.Statement.filter((statement) => statement.Effect === 'Deny')
    expect(denies).toContainEqual(
      expect.objectContaining({
        Action: 'iam:*',
        Resource: expect.arrayContaining([BOUNDARY, `arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-*`]),
      }),
    )
    expect(denies.flatMap((statement) => listOf(statement.Action))).toContain('iam:DeleteRolePermissionsBoundary')
  })

  it('limits the image role to its repositories and the deploy role to the cluster and the database secret', async () => {
    const found = await inventory()
    const image = policyOf(found, 'datapipe-pipeline-dev-image')
    expect(
      image.Statement.filter((s) => s.Effect === 'Allow')
        .flatMap((s) => listOf(s.Resource))
        .sort(),
    ).toEqual(
      [
        '*',
        `arn:aws:ecr:${REGION}:${MOTO_ACCOUNT}:repository/datapipe/airflow`,
        `arn:aws:ecr:${REGION}:${MOTO_ACCOUNT}:repository/datapipe/airflow-build-cache`,
      ].sort(),
    )
    expect(image.Statement.find((s) => listOf(s.Resource).includes('*'))?.Action).toBe('ecr:GetAuthorizationToken')

    const deploy = policyOf(found, 'datapipe-pipeline-dev-deploy')
    const secret = deploy.Statement.find((s) => listOf(s.Action).includes('secretsmanager:GetSecretValue'))
    expect(secret).toMatchObject({
      Resource: `arn:aws:secretsmanager:${REGION}:${MOTO_ACCOUNT}:secret:rds!db-*`,
      Condition: {
        StringEquals: {
          'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn': `arn:aws:rds:${REGION}:${MOTO_ACCOUNT}:db:datapipe-dev-airflow`,
        },
      },
    })
    const clusterActions = deploy.Statement.flatMap((s) => listOf(s.Action)).filter((action) => action.startsWith('eks:'))
    expect(clusterActions.sort()).toEqual(['eks:DescribeCluster', 'eks:DescribeNodegroup', 'eks:ListNodegroups'])
  })

  it('attaches AdministratorAccess nowhere, and terraform/ does not mention it', async () => {
    const found = await inventory()
    for (const role of Object.values(found.roles)) {
      expect(role.managed_policies).toEqual([])
      for (const policy of Object.values(role.inline_policies)) {
        for (const statement of policy.Statement) if (statement.Effect === 'Allow') expect(listOf(statement.Action)).not.toContain('*')
      }
    }
    const mentions = tfFiles(join(repoRoot, 'terraform')).filter((file) => readFileSync(file, 'utf8').includes('AdministratorAccess'))
    expect(mentions).toEqual([])
  })

  it('bootstraps dev-plan and prod beside dev without changing the dev roles', async () => {
    const before = await inventory()
    const devRoles = () => Object.fromEntries(DEV_ROLES.map((role) => [role, before.roles[role]]))
    expect(Object.values(devRoles()).every(Boolean)).toBe(true)

    // A reviewer-free GitHub environment for pull-request plans: only a plan role, bound to validate.yml, reading dev's state.
    const devPlan = await applyEnvironment('dev-plan', { target_environment: 'dev', roles: '["plan"]', job_workflow_ref: VALIDATE })
    expect(devPlan.plan_role_arn).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-dev-plan-plan`)
    // Terraform leaves null outputs out.
    expect(devPlan.apply_role_arn ?? null).toBeNull()
    expect(devPlan.state_key).toBe('datapipe/dev/terraform.tfstate')
    expect(devPlan.subject).toBe(`repo:${REPOSITORY}:environment:dev-plan:job_workflow_ref:${VALIDATE}`)
    const prod = await applyEnvironment('prod')
    expect(prod.apply_role_arn).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/datapipe-pipeline-prod-apply`)
    expect(prod.state_key).toBe('datapipe/prod/terraform.tfstate')

    const after = await inventory()
    expect(Object.fromEntries(DEV_ROLES.map((role) => [role, after.roles[role]]))).toEqual(devRoles())
    expect(Object.keys(after.roles).sort()).toEqual(
      [...DEV_ROLES, 'datapipe-pipeline-dev-plan-plan', ...PURPOSES.map((purpose) => `datapipe-pipeline-prod-${purpose}`)].sort(),
    )
    // dev-plan made no data of its own; prod has its own.
    const buckets = Object.keys(after.buckets).filter((name) => !name.startsWith('datapipe-tfstate-'))
    expect(buckets.sort()).toEqual(
      [...DATA_BUCKETS, ...['raw', 'processed'].map((zone) => `datapipe-prod-${zone}-${MOTO_ACCOUNT}-${REGION}`)].sort(),
    )
  }, 600_000)

  it('plans no change for dev when run again', async () => {
    const plan = await copy.run(
      'bootstrap/environment',
      ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-state=dev.tfstate', ...environmentVariables('dev')],
      aws.env,
    )
    expect(plan.stdout).toContain('No changes.')
    expect(plan.exitCode, plan.stdout).toBe(0)
  })
})

describe('terraform/bootstrap/account destroy', () => {
  it('is refused by the state bucket, and deletes nothing', async () => {
    const before = await inventory()
    const destroy = await copy.run(
      'bootstrap/account',
      ['destroy', '-auto-approve', '-input=false', '-no-color', ...ACCOUNT_VARIABLES],
      aws.env,
    )
    expect(destroy.exitCode).toBe(1)
    expect(destroy.stderr.replace(/\s+/g, ' ')).toContain('Instance cannot be destroyed')
    expect(destroy.stderr).toContain('module.state_backend.aws_s3_bucket.this')
    expect(await inventory()).toEqual(before)
  })
})
