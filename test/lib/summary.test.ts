import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { annotateError, annotateWarning } from '../../lib/annotations'
import { appendSummary, cell, codeBlock, details, markdownTable } from '../../lib/summary'

afterEach(() => {
  vi.restoreAllMocks()
  delete process.env.GITHUB_STEP_SUMMARY
})

describe('summary helpers', () => {
  it('escapes table cells', () => {
    expect(cell('a|b\nc\\')).toBe('a\\|b<br>c\\\\')
    expect(markdownTable(['name', 'n'], [['x|y', 1]])).toBe('| name | n |\n| --- | --- |\n| x\\|y | 1 |')
  })
  it('collapses long blocks and fences code safely', () => {
    expect(details('Plan', 'body')).toBe('<details><summary>Plan</summary>\n\nbody\n\n</details>')
    expect(codeBlock('x', 'hcl')).toBe('```hcl\nx\n```')
    expect(codeBlock('has ``` inside')).toBe('````\nhas ``` inside\n````')
    // Issue #16: plan text with a longer run of backticks than the fence would end the block early.
    expect(codeBlock('a ````` run')).toBe('``````\na ````` run\n``````')
    expect(codeBlock('`` and ```` and `')).toBe('`````\n`` and ```` and `\n`````')
  })
  it('appends to the job summary file, and skips it outside a runner', async () => {
    await appendSummary('ignored')
    const file = join(await mkdtemp(join(tmpdir(), 'summary-')), 'summary.md')
    await writeFile(file, '')
    process.env.GITHUB_STEP_SUMMARY = file
    await appendSummary('## one')
    await appendSummary('## two')
    expect(await readFile(file, 'utf8')).toBe('## one\n## two\n')
  })
})

describe('annotations', () => {
  it('writes error and warning commands with file and line', () => {
    const writes: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk))
      return true
    })
    annotateError('bad field', { file: 'k8s/app.yaml', line: 12, title: 'Deployment/web' })
    annotateWarning('cache miss', { file: 'Dockerfile', line: 3, column: 2 })
    expect(writes.join('')).toContain('::error title=Deployment/web,file=k8s/app.yaml,line=12::bad field')
    expect(writes.join('')).toContain('::warning file=Dockerfile,line=3,col=2::cache miss')
  })
})
