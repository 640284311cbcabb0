import { describe, expect, it } from 'vitest'
import { planKeys, planLocation } from '../../../actions/tf-apply-toggle/src/plan-store'
import { mergedAs } from '../../../actions/tf-apply-toggle/src/pull-requests'
import { checkFresh, type PlanMetadata, summaryDigest } from '../../../actions/tf-apply-toggle/src/reviewed-plan'

/** The reviewed-plan flow's pure parts: where a plan is kept, which pull request a commit merged, when a plan is stale. */

describe('planLocation', () => {
  it('reads the bucket, key, region, endpoint and path style from backend-config', () => {
    const backend = new Map([
      ['bucket', 'state'],
      ['key', 'datapipe/dev/terraform.tfstate'],
      ['region', 'eu-west-1'],
      ['use_path_style', 'true'],
      ['endpoints', '{ s3 = "http://127.0.0.1:5000", sts = "http://127.0.0.1:5001" }'],
    ])
    const location = planLocation(backend, 'default', {}, 'alias/state')
    expect(location).toEqual({
      bucket: 'state',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      pathStyle: true,
      prefix: 'plans/default/datapipe/dev/terraform.tfstate',
      kmsKey: 'alias/state',
    })
    expect(location && planKeys(location, 42)).toEqual({
      plan: 'plans/default/datapipe/dev/terraform.tfstate/pr-42.tfplan',
      metadata: 'plans/default/datapipe/dev/terraform.tfstate/pr-42.json',
    })
  })

  it('takes the region from the environment when backend-config has none, and keeps workspaces apart', () => {
    const location = planLocation(
      new Map([
        ['bucket', 'b'],
        ['key', 'k'],
      ]),
      'staging',
      { AWS_REGION: 'us-west-2' },
    )
    expect(location).toMatchObject({ region: 'us-west-2', pathStyle: false, prefix: 'plans/staging/k' })
    expect(location?.endpoint).toBeUndefined()
  })

  it('is undefined without a bucket or a key', () => {
    expect(planLocation(new Map([['bucket', 'b']]), 'default', {})).toBeUndefined()
    expect(planLocation(new Map([['key', 'k']]), 'default', {})).toBeUndefined()
  })
})

describe('mergedAs', () => {
  const merge = 'a'.repeat(40)
  it.each([
    ['the pull request merged as the commit', [{ number: 3, headSha: 'b'.repeat(40), merged: true, mergeCommitSha: merge }], 3],
    ['a pull request that only contains the commit (not merged)', [{ number: 4, headSha: merge, merged: false }], undefined],
    [
      'a pull request merged as another commit',
      [{ number: 5, headSha: 'c'.repeat(40), merged: true, mergeCommitSha: 'd'.repeat(40) }],
      undefined,
    ],
  ])('%s', (_name, candidates, number) => {
    expect(mergedAs(candidates, merge)?.number).toBe(number)
  })
})

describe('checkFresh', () => {
  const metadata = { pullRequest: 9, lineage: 'aaaaaaaa-0000-4000-8000-000000000001', serial: 4 } as PlanMetadata
  it('accepts the state the plan was made against', () => {
    expect(() => checkFresh(metadata, { lineage: 'aaaaaaaa-0000-4000-8000-000000000001', serial: 4 }, 'Terraform')).not.toThrow()
  })
  it.each([
    [
      { lineage: 'aaaaaaaa-0000-4000-8000-000000000001', serial: 5 },
      'the state moved from serial 4 to serial 5 since it was planned (another apply wrote it)',
    ],
    [{ lineage: 'bbbbbbbb-0000-4000-8000-000000000002', serial: 1 }, 'the state was replaced (lineage aaaaaaaa then, bbbbbbbb now).'],
    [{ lineage: '', serial: 0 }, 'the state moved from serial 4 to no state since it was planned'],
  ])('refuses %o', (current, why) => {
    expect(() => checkFresh(metadata, current, 'Terraform')).toThrow(`The reviewed plan of pull request #9 is stale: ${why}`)
  })
})

describe('summaryDigest', () => {
  it('changes when what a reviewer reads changes', () => {
    const base = { add: 1, change: 0, destroy: 0, resources: [{ address: 'a.b', action: 'create' as const }], outputs: [] }
    expect(summaryDigest(base)).toBe(summaryDigest({ ...base }))
    expect(summaryDigest(base)).not.toBe(summaryDigest({ ...base, resources: [{ address: 'a.c', action: 'create' }] }))
    expect(summaryDigest(base)).not.toBe(summaryDigest({ ...base, add: 0, destroy: 1, resources: [{ address: 'a.b', action: 'delete' }] }))
  })
})
