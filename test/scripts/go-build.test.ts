import { describe, expect, it } from 'vitest'
import { mainModuleDirectives, throwawayGoMod } from '../../scripts/go-build.mjs'

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

exclude (
	// buildkit's shape: versions other modules pulled in, excluded so a release is used.
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc
)

exclude github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2
`

describe('building a Go command whose module has replace or exclude directives', () => {
  it('repeats the replaces that point at other modules (not local paths) and the excludes', () => {
    expect(mainModuleDirectives(goMod)).toEqual({
      replaces: [
        'github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
        'github.com/example/a => github.com/example/a-fork v1.0.1',
      ],
      excludes: [
        'github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2',
        'github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc',
      ],
    })
  })

  it('writes a throwaway module that requires the pinned version with those replaces and the same go line', () => {
    expect(throwawayGoMod(goMod, 'github.com/opentofu/opentofu', 'v1.12.6')).toBe(
      [
        'module bench.invalid/go-build',
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
        'exclude (',
        '\tgithub.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2',
        '\tgithub.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc',
        ')',
        '',
      ].join('\n'),
    )
  })

  it('refuses a go.mod without a go line', () => {
    expect(() => throwawayGoMod('module x\n', 'x', 'v1.0.0')).toThrow(/no go line/)
  })
})
