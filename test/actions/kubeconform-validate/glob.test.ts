import { describe, expect, it } from 'vitest'
import { compileGlob, isGlob } from '../../../actions/kubeconform-validate/src/glob'

describe('compileGlob', () => {
  it.each([
    ['*.yaml', 'a.yaml', true],
    ['*.yaml', 'dir/a.yaml', false],
    ['*.yaml', '.hidden.yaml', false],
    ['.*.yaml', '.hidden.yaml', true],
    ['k8s/**/*.yaml', 'k8s/a.yaml', true],
    ['k8s/**/*.yaml', 'k8s/x/y/a.yaml', true],
    ['k8s/**/*.yaml', 'k8s/.github/a.yaml', false],
    ['**/*.yaml', 'a.yaml', true],
    ['**/*.yaml', 'deep/er/a.yaml', true],
    ['**', 'any/thing', true],
    ['k8s/**', 'k8s/a/b.yml', true],
    ['k8s/*.{yaml,yml}', 'k8s/a.yml', true],
    ['k8s/*.{yaml,yml}', 'k8s/a.json', false],
    ['k8s/{a,b{c,d}}.yaml', 'k8s/bd.yaml', true],
    ['file?.yaml', 'file1.yaml', true],
    ['file?.yaml', 'file10.yaml', false],
    ['[abc]*.yaml', 'b-x.yaml', true],
    // The seed projects' pattern: a character class, so it drops every file starting with one of its letters.
    ['[!kustomization]*.yaml', 'deployment.yaml', true],
    ['[!kustomization]*.yaml', 'kustomization.yaml', false],
    ['[!kustomization]*.yaml', 'namespace.yaml', false],
    ['[^a]*.yaml', 'b.yaml', true],
    ['./k8s/a.yaml', 'k8s/a.yaml', true],
    ['k8s//a.yaml/', 'k8s/a.yaml', true],
    ['a+b(c).yaml', 'a+b(c).yaml', true],
    ['unclosed[.yaml', 'unclosed[.yaml', true],
    ['brace{.yaml', 'brace{.yaml', true],
    ['win\\path\\*.yaml', 'win/path/a.yaml', true],
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).matches(path)).toBe(expected)
  })

  it.each([
    ['k8s/apps/*.yaml', 'k8s/apps'],
    ['**/*.yaml', ''],
    ['k8s/*/deploy.yaml', 'k8s'],
    ['a.yaml', ''],
  ])('walks %s from %s', (pattern, base) => {
    expect(compileGlob(pattern).base).toBe(base)
  })

  it('tells globs from plain paths', () => {
    expect(isGlob('k8s/*.yaml')).toBe(true)
    expect(isGlob('k8s/app.yaml')).toBe(false)
  })
})
