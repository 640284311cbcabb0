import { describe, expect, it } from 'vitest'
import { moduleReplaces, throwawayGoMod } from '../../scripts/go-replace-build.mjs'

// The shape of OpenTofu's go.mod: one replace on a line of its own, and a block with a comment and a local path.
const goMod = `module github.com/opentofu/opentofu

go 1.26.6

require (
	github.com/hashicorp/hcl/v2 v2.20.1
)

replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828

replace (
	github.com/example/a => github.com/example/a-fork v1.0.1 // a fork
	github.com/example/local => ./internal/local
)
`

describe('building a Go command whose module needs replace directives', () => {
  it('repeats the replaces that point at other modules, and not local paths', () => {
    expect(moduleReplaces(goMod)).toEqual([
      'github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
      'github.com/example/a => github.com/example/a-fork v1.0.1',
    ])
  })

  it('writes a throwaway module that requires the pinned version with those replaces and the same go line', () => {
    expect(throwawayGoMod(goMod, 'github.com/opentofu/opentofu', 'v1.12.6')).toBe(
      [
        'module bench.invalid/go-replace-build',
        '',
        'go 1.26.6',
        '',
        'require github.com/opentofu/opentofu v1.12.6',
        '',
        'replace (',
        '\tgithub.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
        '\tgithub.com/example/a => github.com/example/a-fork v1.0.1',
        ')',
        '',
      ].join('\n'),
    )
  })

  it('refuses a go.mod without a go line', () => {
    expect(() => throwawayGoMod('module x\n', 'x', 'v1.0.0')).toThrow(/no go line/)
  })
})
