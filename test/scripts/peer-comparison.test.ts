import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The README's comparison with the single-purpose peers is a promise to users: every row says "yes"
// and names the test that proves it. This keeps the table honest as the code moves: a row whose test
// was renamed or deleted, or a "partial" row, fails here.
const ROOT = join(import.meta.dirname, '..', '..')
const HEADING = '## Beside the single-purpose actions'

interface Row {
  action: string
  feature: string
  peer: string
  ours: string
  provedBy: string
}

function comparisonRows(readme: string): Row[] {
  const start = readme.indexOf(`\n${HEADING}\n`)
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`)
  const rest = readme.slice(start + HEADING.length + 2)
  const end = rest.search(/\n## /)
  const section = end < 0 ? rest : rest.slice(0, end)
  const lines = section.split('\n').filter((line) => line.startsWith('|'))
  // The first two lines are the header and its separator.
  return lines.slice(2).map((line) => {
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(' | ')
      .map((cell) => cell.trim())
    if (cells.length !== 5) throw new Error(`comparison row has ${cells.length} cells, not 5: ${line}`)
    const [action = '', feature = '', peer = '', ours = '', provedBy = ''] = cells
    return { action, feature, peer, ours, provedBy }
  })
}

// "Proved by" cells read: `test/path.test.ts` › "a test's title"
const PROOF = /^`([^`]+\.test\.ts)` › "([^"]+)"$/

describe('the README comparison with the peers', () => {
  const rows = comparisonRows(readFileSync(join(ROOT, 'README.md'), 'utf8'))

  it('has a row for each of the five actions', () => {
    const actions = new Set(rows.map((row) => row.action))
    for (const action of ['oidc-auth', 'ecr-build-push', 'tf-apply-toggle', 'eks-wait-and-helm', 'kubeconform-validate'])
      expect(actions, action).toContain(`\`${action}\``)
  })

  it.each(rows.map((row) => [`${row.action} ${row.feature}`, row] as const))('%s is "yes" and proved by a test that exists', (_, row) => {
    expect(row.ours, row.feature).toMatch(/^yes\b/)
    const proof = PROOF.exec(row.provedBy)
    expect(proof, `"${row.provedBy}" is not \`file\` › "test title"`).not.toBeNull()
    const [, file = '', title = ''] = proof as RegExpExecArray
    expect(existsSync(join(ROOT, file)), file).toBe(true)
    expect(readFileSync(join(ROOT, file), 'utf8'), `${file} has no test titled "${title}"`).toContain(title)
  })
})
