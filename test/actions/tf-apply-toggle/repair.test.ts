import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../../actions/tf-apply-toggle/src/main'
import { type Moto, startMoto } from '../../bench/moto'
import { AWS_ENV, backendConfig, createBucket, readState, type State, workspaceWithFixture } from '../../bench/terraform-state'
import { runInProcess } from '../../harness/in-process'
import { fakeTerraform } from './fake-terraform'

/**
 * `targets` (-target) and `replace` (-replace) for repairs: checked as
 * addresses before anything runs, given to the saved plan (so the apply of
 * that plan is limited too), refused where Terraform's meaning is dangerous
 * or void, and shown in the summary. Real Terraform with its S3 state on moto,
 * in process.
 */

const KEY = 'repair/terraform.tfstate'
let moto: Moto
let workspace: string

beforeAll(async () => {
  moto = await startMoto()
  await createBucket(moto.endpoint)
  workspace = await workspaceWithFixture()
})

afterAll(async () => {
  await moto?.stop()
  if (workspace) await rm(workspace, { recursive: true, force: true })
})

function toggle(inputs: Record<string, string>) {
  return runInProcess(() => run({ cwd: workspace }), {
    inputs: {
      'working-directory': 'infra',
      'backend-config': backendConfig(moto.endpoint, KEY),
      variables: 'db_password=not-a-real-secret-1\nenvironment=dev',
      'lock-timeout': '1m',
      terraform: 'terraform',
      'github-token': '',
      ...inputs,
    },
    env: AWS_ENV,
  })
}

const attributes = (state: State | undefined, name: string) =>
  state?.resources.find((resource) => resource.name === name)?.instances[0]?.attributes

describe('a repair with replace and targets, on real Terraform', () => {
  it('creates everything first', async () => {
    const result = await toggle({ mode: 'create' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs['to-add']).toBe('4')
  })

  it('replaces one unchanged resource on purpose: a new object, the others kept, and the summary says so', async () => {
    const before = await readState(moto.endpoint, KEY)
    const result = await toggle({ mode: 'create', replace: 'terraform_data.notes' })
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ changes: 'true', 'to-add': '1', 'to-destroy': '1', 'to-change': '0' })
    expect(result.summary).toContain('**Replaced on purpose** (-replace): `terraform_data.notes`.')
    const after = await readState(moto.endpoint, KEY)
    expect(attributes(after, 'notes')?.id).not.toBe(attributes(before, 'notes')?.id)
    expect(attributes(after, 'network')?.id).toBe(attributes(before, 'network')?.id)
  })

  it('limits the saved plan, and so the apply, to the targets: other changes of the code wait', async () => {
    const before = await readState(moto.endpoint, KEY)
    // prod would change the network, the cluster and the bootstrap; only the notes are targeted.
    const result = await toggle({
      mode: 'create',
      variables: 'db_password=not-a-real-secret-1\nenvironment=prod\nnotes=repaired',
      targets: '# only the notes\nterraform_data.notes\n',
    })
    expect(result.failure).toBeUndefined()
    expect(result.outputs).toMatchObject({ 'to-add': '0', 'to-change': '1', 'to-destroy': '0' })
    expect(result.summary).toContain('**Only these targets** (-target): `terraform_data.notes`.')
    const after = await readState(moto.endpoint, KEY)
    expect(attributes(after, 'notes')?.input).toEqual({ type: 'string', value: 'repaired' })
    expect(attributes(after, 'network')).toEqual(attributes(before, 'network'))
    expect(attributes(after, 'cluster')).toEqual(attributes(before, 'cluster'))
  })
})

describe('the addresses reach the plan as one argument each, and only the plan', () => {
  it('passes module and keyed addresses unchanged to plan; the apply takes the saved plan alone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tf-repair-unit-'))
    try {
      await mkdir(join(root, 'infra'))
      const fake = fakeTerraform()
      const result = await runInProcess(() => run({ cwd: root, exec: fake.exec, write: () => {} }), {
        inputs: {
          mode: 'create',
          'working-directory': 'infra',
          'lock-timeout': '1m',
          terraform: 'terraform',
          targets: 'module.app["eu west"].aws_instance.web[0]\nmodule.network',
          replace: 'module.app["eu west"].aws_instance.web[0]',
        },
      })
      expect(result.failure).toBeUndefined()
      const plan = fake.calls.find((call) => call.args[0] === 'plan')?.args ?? []
      expect(plan).toEqual(
        expect.arrayContaining([
          '-target=module.app["eu west"].aws_instance.web[0]',
          '-target=module.network',
          '-replace=module.app["eu west"].aws_instance.web[0]',
        ]),
      )
      const apply = fake.calls.find((call) => call.args[0] === 'apply')?.args ?? []
      expect(apply.some((arg) => arg.startsWith('-target') || arg.startsWith('-replace'))).toBe(false)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

describe('bad addresses and modes fail in one line, before anything runs', () => {
  const cases: { name: string; inputs: Record<string, string>; failure: string }[] = [
    {
      name: 'a target that is not an address',
      inputs: { mode: 'create', targets: 'terraform_data.notes\naws_instance' },
      failure:
        "Input 'targets' line 2 must be a resource or module address such as aws_s3_bucket.logs, module.network or module.app[\"eu\"].aws_instance.web; got 'aws_instance'.",
    },
    {
      name: 'a target with an argument smuggled in',
      inputs: { mode: 'plan', targets: 'terraform_data.notes -lock=false' },
      failure:
        "Input 'targets' line 1 must be a resource or module address such as aws_s3_bucket.logs, module.network or module.app[\"eu\"].aws_instance.web; got 'terraform_data.notes -lock=false'.",
    },
    {
      name: 'a module to replace',
      inputs: { mode: 'create', replace: 'module.network' },
      failure:
        "Input 'replace' line 1 must be a managed resource address such as aws_instance.web or module.app.aws_instance.web[0] (not a module or data source); got 'module.network'.",
    },
    {
      name: 'a data source to replace',
      inputs: { mode: 'plan', replace: 'data.aws_ami.latest' },
      failure:
        "Input 'replace' line 1 must be a managed resource address such as aws_instance.web or module.app.aws_instance.web[0] (not a module or data source); got 'data.aws_ami.latest'.",
    },
    {
      name: 'targets with destroy',
      inputs: { mode: 'destroy', 'confirm-destroy': 'default', targets: 'terraform_data.notes' },
      failure:
        "Input 'targets' is not accepted with mode destroy: a targeted destroy also destroys everything that depends on the targets, and -replace is only valid in a normal plan. Destroy the whole workspace, or remove the resource from the configuration and run create.",
    },
    {
      name: 'replace with destroy',
      inputs: { mode: 'false', 'confirm-destroy': 'default', replace: 'terraform_data.notes' },
      failure:
        "Input 'replace' is not accepted with mode destroy: a targeted destroy also destroys everything that depends on the targets, and -replace is only valid in a normal plan. Destroy the whole workspace, or remove the resource from the configuration and run create.",
    },
  ]
  for (const { name, inputs, failure } of cases) {
    it(name, async () => {
      const fake = fakeTerraform()
      const result = await runInProcess(() => run({ cwd: workspace, exec: fake.exec, write: () => {} }), {
        inputs: { 'working-directory': 'infra', 'lock-timeout': '1m', terraform: 'terraform', ...inputs },
      })
      expect(result.exitCode).toBe(1)
      expect(result.failure).toBe(failure)
      expect(fake.calls).toEqual([])
    })
  }
})
