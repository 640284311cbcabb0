import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../harness/runner'
import { copyOfTerraform, type TerraformCopy, validationProblems } from './terraform-copy'

/**
 * Every configuration under terraform/ that uses the AWS provider, validated
 * by Terraform with the real provider's schemas: a misspelt argument, a wrong
 * type, a block the provider no longer has or a deprecated attribute fails
 * here, not on a user's first apply.
 */

const modules = readdirSync(join(repoRoot, 'terraform', 'modules')).map((name) => `modules/${name}`)
const roots = ['bootstrap/account', 'bootstrap/environment', 'envs/dev', ...modules]

let copy: TerraformCopy
beforeAll(async () => {
  copy = await copyOfTerraform()
})
afterAll(async () => {
  await copy?.remove()
})

describe('terraform validate with the AWS provider', () => {
  it.each(roots)('%s is valid, without errors or warnings', async (root) => {
    const get = await copy.run(root, ['get', '-no-color'])
    expect(get.exitCode, get.stderr).toBe(0)
    const validate = await copy.run(root, ['validate', '-json', '-no-color'])
    expect(validationProblems(validate.stdout)).toEqual([])
    expect(validate.exitCode).toBe(0)
  })
})
