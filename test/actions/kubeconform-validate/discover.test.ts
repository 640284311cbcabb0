import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { discoverFiles, toRelative } from '../../../actions/kubeconform-validate/src/discover'
import { UserError } from '../../../lib/errors'
import { repoRoot } from '../../harness/runner'
import { tempDir } from './helpers'

const seed = 'test/fixtures/manifests/seed-layout'

describe('discoverFiles', () => {
  it("lists namespace.yaml as excluded when the seed projects' [!kustomization]*.yaml leaves it out", async () => {
    const found = await discoverFiles([`${seed}/[!kustomization]*.yaml`], repoRoot)
    expect(found.files).toEqual([`${seed}/deployment.yaml`])
    expect(found.excluded).toEqual([
      { path: `${seed}/kustomization.yaml`, reason: `not matched by '${seed}/[!kustomization]*.yaml'` },
      { path: `${seed}/namespace.yaml`, reason: `not matched by '${seed}/[!kustomization]*.yaml'` },
    ])
  })

  it('takes every manifest of a folder and says why it leaves the others out', async () => {
    const found = await discoverFiles([seed], repoRoot)
    expect(found.files).toEqual([`${seed}/deployment.yaml`, `${seed}/namespace.yaml`])
    expect(found.excluded).toEqual([
      { path: `${seed}/kustomization.yaml`, reason: "a kustomization file, not a resource; list its folder under 'kustomize'" },
      { path: `${seed}/README.md`, reason: 'not a .yaml, .yml or .json file (kubeconform reads no other)' },
    ])
  })

  it('leaves Helm charts to the charts input, and names the chart', async () => {
    const found = await discoverFiles(['test/fixtures/charts/**/*.yaml'], repoRoot)
    expect(found.files).toEqual([])
    expect(found.excluded.map((file) => file.reason)).toContain(
      "inside the Helm chart 'test/fixtures/charts/demo'; list the chart under 'charts'",
    )
    expect(found.excluded.map((file) => file.path)).toContain('test/fixtures/charts/demo/templates/deployment.yaml')
  })

  it('applies ! exclusions after every include, and an explicit file wins over the folder rules', async () => {
    const found = await discoverFiles(
      ['test/fixtures/manifests/valid', '!**/rbac.yaml', `${seed}/kustomization.yaml`, 'test/fixtures/charts/demo/values.yaml'],
      repoRoot,
    )
    expect(found.files).toContain(`${seed}/kustomization.yaml`)
    expect(found.files).toContain('test/fixtures/charts/demo/values.yaml')
    expect(found.files).not.toContain('test/fixtures/manifests/valid/rbac.yaml')
    expect(found.excluded).toEqual([{ path: 'test/fixtures/manifests/valid/rbac.yaml', reason: "excluded by '!**/rbac.yaml'" }])
  })

  it('accepts absolute paths and reports them relative to the workspace', async () => {
    const found = await discoverFiles([join(repoRoot, seed, 'namespace.yaml')], repoRoot)
    expect(found.files).toEqual([`${seed}/namespace.yaml`])
  })

  it('excludes an explicitly named file kubeconform would not read', async () => {
    const found = await discoverFiles([`${seed}/README.md`], repoRoot)
    expect(found).toEqual({ files: [], excluded: [{ path: `${seed}/README.md`, reason: expect.stringContaining('not a .yaml') }] })
  })

  it.each([
    ['a path that does not exist', 'no/such/file.yaml', "Input 'paths': 'no/such/file.yaml' does not exist."],
    ['a pattern that matches nothing', 'test/fixtures/**/*.toml', "Input 'paths': the pattern 'test/fixtures/**/*.toml' matches no file."],
    ['a pattern under a missing folder', 'nowhere/*.yaml', "Input 'paths': the pattern 'nowhere/*.yaml' matches no file."],
  ])('fails on %s', async (_name, line, message) => {
    const error = await discoverFiles([line], repoRoot).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toBe(message)
  })

  describe('in a workspace with version control and packages', () => {
    let workspace = ''
    beforeAll(async () => {
      workspace = await tempDir('kcv-discover-')
      for (const dir of ['.git', 'node_modules/pkg', 'k8s/.hidden', 'k8s/apps']) await mkdir(join(workspace, dir), { recursive: true })
      for (const file of [
        '.git/config.yaml',
        'node_modules/pkg/x.yaml',
        'k8s/.hidden/h.yaml',
        'k8s/apps/a.yaml',
        'k8s/b.yml',
        'k8s/c.json',
      ]) {
        await writeFile(join(workspace, file), 'kind: x\n')
      }
    })

    it('never walks .git or node_modules, and keeps hidden folders out of ** unless named', async () => {
      const found = await discoverFiles(['**/*.{yaml,yml,json}'], workspace)
      expect(found.files).toEqual(['k8s/apps/a.yaml', 'k8s/b.yml', 'k8s/c.json'])
      expect(found.excluded).toEqual([{ path: 'k8s/.hidden/h.yaml', reason: "not matched by '**/*.{yaml,yml,json}'" }])
    })

    it('walks a folder named as a path, hidden folders included', async () => {
      const found = await discoverFiles(['.'], workspace)
      expect(found.files).toEqual(['k8s/.hidden/h.yaml', 'k8s/apps/a.yaml', 'k8s/b.yml', 'k8s/c.json'])
    })
  })
})

describe('toRelative', () => {
  it.each([
    ['/ws', 'a/b.yaml', 'a/b.yaml'],
    ['/ws', '/ws/a/b.yaml', 'a/b.yaml'],
    ['/ws', '/other/b.yaml', '../other/b.yaml'],
    ['/ws', '/ws', '.'],
  ])('%s + %s is %s', (workspace, path, expected) => {
    expect(toRelative(workspace, path)).toBe(expected)
  })
})
