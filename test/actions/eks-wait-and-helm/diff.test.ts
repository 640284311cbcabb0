import { describe, expect, it } from 'vitest'
import type { EntryReport } from '../../../actions/eks-wait-and-helm/src/diff/diff-releases'
import { diffObjects } from '../../../actions/eks-wait-and-helm/src/diff/object-diff'
import { renderDiff } from '../../../actions/eks-wait-and-helm/src/diff/report'
import type { KubeObject } from '../../../actions/eks-wait-and-helm/src/manifests/objects'
import { COMMENT_LIMIT, charLength } from '../../../lib/text-budget'

const secret = (fields: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'apps' },
  ...fields,
})
const b64 = (text: string) => Buffer.from(text).toString('base64')

describe('diffObjects', () => {
  it.each([
    {
      name: 'a changed Secret value is marked changed, never shown',
      current: [secret({ data: { password: b64('old-value-1') } })],
      proposed: [secret({ stringData: { password: 'new-value-2' } })],
      shows: ['-  password: (redacted)', '+  password: (redacted, changed)'],
      action: 'change',
    },
    {
      name: 'stringData and data holding the same value compare equal',
      current: [secret({ data: { password: b64('same-value-3') } })],
      proposed: [secret({ stringData: { password: 'same-value-3' } })],
      shows: [],
    },
    {
      name: 'a new key shows as added, its value redacted',
      current: [secret({ data: { a: b64('v-a-4') } })],
      proposed: [secret({ data: { a: b64('v-a-4'), b: b64('v-b-5') } })],
      shows: ['+  b: (redacted)'],
      action: 'change',
    },
    {
      name: "the server's own fields and kubectl's last-applied copy are not differences",
      current: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'c',
            namespace: 'apps',
            resourceVersion: '41',
            uid: 'u-1',
            managedFields: [{ manager: 'x' }],
            annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"last-applied-6"}}' },
          },
          data: { a: '1' },
        },
      ],
      proposed: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'apps', resourceVersion: '42' }, data: { a: '1' } },
      ],
      shows: [],
    },
  ])('$name', ({ current, proposed, shows, action }) => {
    const result = diffObjects(current as KubeObject[], proposed as KubeObject[])
    const text = result.changes.map((change) => change.diff).join('\n')
    for (const line of shows) expect(text).toContain(line)
    if (shows.length === 0) expect(result).toEqual({ changes: [], unchanged: 1 })
    else expect(result.changes.map((change) => change.action)).toEqual([action])
    expect(text).not.toMatch(/value-\d|dmFsdW|last-applied-6/)
  })

  it('keys objects by group, kind, namespace and name: added, removed, and a default namespace for rendered ones', () => {
    const cm = (name: string, namespace?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      data: {},
    })
    const result = diffObjects([cm('old'), cm('kept', 'apps')], [cm('new'), cm('kept', 'apps')], 'apps')
    expect(result.unchanged).toBe(1)
    expect(result.changes.map(({ key, action }) => [key, action])).toEqual([
      ['ConfigMap apps/new', 'add'],
      ['ConfigMap apps/old', 'remove'],
    ])
  })
})

describe('renderDiff', () => {
  it('cuts a diff longer than a comment, saying so and linking the run', () => {
    const huge: EntryReport = {
      name: 'big',
      namespace: 'apps',
      kind: 'release',
      revision: 3,
      unchanged: 0,
      changes: [{ key: 'ConfigMap apps/big', action: 'change', diff: `+${'x'.repeat(80)}\n`.repeat(2000) }],
    }
    const body = renderDiff(
      [huge],
      '### Diff',
      { budget: COMMENT_LIMIT, measure: charLength, fullDiffLink: 'https://example.test/run' },
      '<!-- m -->',
    )
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(body.startsWith('<!-- m -->\n### Diff')).toBe(true)
    expect(body).toContain('The diff was cut to fit; the whole diff is in the [job summary](https://example.test/run).')
    expect(body).toContain('| release `big` | apps | revision 3 | 0 | 1 | 0 | 0 |')
  })
})
