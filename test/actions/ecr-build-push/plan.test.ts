import { describe, expect, it } from 'vitest'
import { parseDestinations } from '../../../actions/ecr-build-push/src/destinations'
import { parsePlatforms, parseRepositoryName } from '../../../actions/ecr-build-push/src/inputs'
import { imageLabels } from '../../../actions/ecr-build-push/src/labels'
import { parseRegistryTarget } from '../../../actions/ecr-build-push/src/registry-target'
import { describeSettings, isTagImmutable, lifecyclePolicy } from '../../../actions/ecr-build-push/src/repository'
import { formatBytes } from '../../../actions/ecr-build-push/src/summary'
import { planTags, refuseMovingTags, type TagState } from '../../../actions/ecr-build-push/src/tag-plan'
import { parseTagTemplates, resolveTagTemplates } from '../../../actions/ecr-build-push/src/tag-templates'
import { UserError } from '../../../lib/errors'

describe('the registry input', () => {
  it.each([
    ['empty: the credentials’ own registry', '', {}],
    ['an account ID', '123456789012', { registryId: '123456789012' }],
    [
      'an ECR host',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      { endpoint: { host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', insecure: false } },
    ],
    ['an https URL', 'https://Registry.Example.com:8443/', { endpoint: { host: 'registry.example.com:8443', insecure: false } }],
    ['a plain-http test registry', 'http://127.0.0.1:5000', { endpoint: { host: '127.0.0.1:5000', insecure: true } }],
  ])('accepts %s', (_name, raw, expected) => {
    expect(parseRegistryTarget('registry', raw)).toEqual(expected)
  })

  it.each(['under_score.example.com', 'ftp://host', 'https://host/path', 'bad host'])('rejects %s in one line naming the input', (raw) => {
    expect(() => parseRegistryTarget('registry', raw)).toThrow(/^Input 'registry' must be a 12-digit AWS account ID/)
  })
})

describe('input parsers', () => {
  it.each(['team/app', 'a1', 'team/sub.group/app-x_y'])('repository %s is valid', (name) => {
    expect(parseRepositoryName('repository', name)).toBe(name)
  })
  it.each(['A', 'Team/App', 'team//app', '-team', 'team/', 'x'.repeat(257)])('repository %s is not', (name) => {
    expect(() => parseRepositoryName('repository', name)).toThrow(UserError)
  })
  it('tags: validated and de-duplicated', () => {
    expect(parseTagTemplates('tags', ['v1', 'v1', 'latest_x.1']).map((entry) => entry.source)).toEqual(['v1', 'latest_x.1'])
    expect(() => parseTagTemplates('tags', ['.hidden'])).toThrow("Input 'tags' must list image tags")
    expect(() => parseTagTemplates('tags', ['x'.repeat(129)])).toThrow(UserError)
  })
  it('platforms: commas or lines, validated', () => {
    expect(parsePlatforms('platforms', 'linux/amd64, linux/arm64/v8\nlinux/amd64')).toEqual(['linux/amd64', 'linux/arm64/v8'])
    expect(parsePlatforms('platforms', '')).toEqual([])
    expect(() => parsePlatforms('platforms', 'amd64')).toThrow("Input 'platforms' must list platforms such as linux/amd64")
  })
})

describe('planTags', () => {
  const immutable = () => true
  const mutable = () => false
  const cases: { name: string; states: TagState[]; isImmutable: (tag: string) => boolean; expected: unknown }[] = [
    { name: 'new commit, no other tags: build', states: [{ tag: 'sha' }], isImmutable: immutable, expected: { kind: 'build' } },
    {
      name: 'new commit, new extra tags: build',
      states: [{ tag: 'sha' }, { tag: 'v1' }],
      isImmutable: immutable,
      expected: { kind: 'build' },
    },
    {
      name: 'new commit, existing mutable extra tag: build and move it',
      states: [{ tag: 'sha' }, { tag: 'latest', digest: 'sha256:old' }],
      isImmutable: mutable,
      expected: { kind: 'build' },
    },
    {
      name: 'commit exists, all tags on it: skip with nothing to do',
      states: [
        { tag: 'sha', digest: 'sha256:a' },
        { tag: 'v1', digest: 'sha256:a' },
      ],
      isImmutable: immutable,
      expected: { kind: 'skip', digest: 'sha256:a', retag: [] },
    },
    {
      name: 'commit exists, a tag missing: skip and add it',
      states: [{ tag: 'sha', digest: 'sha256:a' }, { tag: 'v1' }],
      isImmutable: immutable,
      expected: { kind: 'skip', digest: 'sha256:a', retag: [{ tag: 'v1' }] },
    },
    {
      name: 'commit exists, a mutable tag elsewhere: skip and move it',
      states: [
        { tag: 'sha', digest: 'sha256:a' },
        { tag: 'latest', digest: 'sha256:b' },
      ],
      isImmutable: mutable,
      expected: { kind: 'skip', digest: 'sha256:a', retag: [{ tag: 'latest', previous: 'sha256:b' }] },
    },
  ]
  it.each(cases)('$name', ({ states, isImmutable, expected }) => {
    expect(planTags(states, isImmutable, 'team/app')).toEqual(expected)
  })

  it.each([
    [
      'new commit',
      [{ tag: 'sha' }, { tag: 'v1', digest: 'sha256:b' }],
      "Tag 'v1' (sha256:b) already exists in immutable repository 'team/app' with another image",
    ],
    [
      'existing commit',
      [
        { tag: 'sha', digest: 'sha256:a' },
        { tag: 'v1', digest: 'sha256:b' },
      ],
      "Tag 'v1' (sha256:b) already exists in immutable repository 'team/app' with other content than this commit's image 'sha' (sha256:a)",
    ],
  ])('an immutable tag that would move fails before building (%s)', (_name, states, message) => {
    expect(() => planTags(states, immutable, 'team/app')).toThrow(message)
  })

  it('needs the commit tag', () => {
    expect(() => planTags([], immutable, 'x')).toThrow('planTags needs the commit tag first')
  })
})

describe('repository settings', () => {
  it.each([
    ['IMMUTABLE', [], 'v1', true],
    ['MUTABLE', [], 'v1', false],
    ['IMMUTABLE_WITH_EXCLUSION', [{ filterType: 'WILDCARD', filter: 'latest*' }], 'latest-main', false],
    ['IMMUTABLE_WITH_EXCLUSION', [{ filterType: 'WILDCARD', filter: 'latest*' }], 'v1', true],
    ['MUTABLE_WITH_EXCLUSION', [{ filterType: 'WILDCARD', filter: 'release-*' }], 'release-1', true],
    ['MUTABLE_WITH_EXCLUSION', [{ filterType: 'WILDCARD', filter: 'release-*' }], 'dev', false],
  ] as const)('%s with filters %j: tag %s immutable is %s', (mutability, filters, tag, expected) => {
    expect(isTagImmutable({ mutability, exclusionFilters: [...filters] }, tag)).toBe(expected)
  })

  it('the lifecycle policy expires images beyond the newest N', () => {
    expect(JSON.parse(lifecyclePolicy(5))).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Keep the last 5 images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
          action: { type: 'expire' },
        },
      ],
    })
  })

  it('describes settings for the log and summary', () => {
    expect(describeSettings({ mutability: 'MUTABLE', scanOnPush: false, tags: new Map(), keepImages: 0 })).toBe(
      'mutable tags, no scan on push, AES256, no lifecycle policy',
    )
  })
})

describe('labels and formatting', () => {
  it('OCI labels from the run, user labels winning', () => {
    const labels = imageLabels({
      oci: true,
      commit: 'abc',
      now: 0,
      env: { GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_REPOSITORY: 'o/r' },
      extra: new Map([['org.opencontainers.image.source', 'https://elsewhere']]),
    })
    expect(Object.fromEntries(labels)).toEqual({
      'org.opencontainers.image.source': 'https://elsewhere',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.created': '1970-01-01T00:00:00.000Z',
    })
    expect(imageLabels({ oci: false, commit: 'abc', now: 0, env: {}, extra: new Map() }).size).toBe(0)
  })

  it.each([
    [512, '512 B'],
    [2048, '2.0 KiB'],
    [5 * 1024 * 1024 + 1, '5.0 MiB'],
    [3 * 1024 ** 4, '3072.0 GiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('tag templates from the git ref', () => {
  const commit = '0123456789abcdef0123456789abcdef01234567'
  const resolve = (lines: string[], env: NodeJS.ProcessEnv, event?: unknown) =>
    resolveTagTemplates('tags', parseTagTemplates('tags', lines), { commit, env, readEvent: async () => event })
  const onTag = { GITHUB_REF: 'refs/tags/v1.2.3', GITHUB_EVENT_NAME: 'push' }

  it.each([
    ['sha and short sha beside a literal', ['{{sha}}', 'build-{{short-sha}}', 'stable'], onTag, [commit, 'build-0123456', 'stable']],
    [
      'semver parts of a release tag',
      ['{{semver}}', '{{major}}.{{minor}}', '{{ major }}', 'v{{major}}.{{minor}}.{{patch}}'],
      onTag,
      ['1.2.3', '1.2', '1', 'v1.2.3'],
    ],
    [
      'a prerelease keeps its suffix in {{semver}}',
      ['{{semver}}', '{{tag}}'],
      { GITHUB_REF: 'refs/tags/v2.0.0-rc.1+build.5' },
      ['2.0.0-rc.1', 'v2.0.0-rc.1-build.5'],
    ],
    ['a branch, sanitised', ['{{branch}}'], { GITHUB_REF: 'refs/heads/feature/Ünïcode#7' }, ['feature--n-code-7']],
    [
      'a pull request: head branch and number from the ref',
      ['{{branch}}', 'pr-{{pr}}'],
      { GITHUB_REF: 'refs/pull/42/merge', GITHUB_HEAD_REF: 'fix/x' },
      ['fix-x', 'pr-42'],
    ],
    ['a long branch cut to 128', ['{{branch}}'], { GITHUB_REF: `refs/heads/.${'b'.repeat(200)}` }, ['b'.repeat(128)]],
  ])('%s', async (_name, lines, env, expected) => {
    expect((await resolve(lines, env)).map((entry) => entry.tag)).toEqual(expected)
  })

  it('reads the pull request number from the event payload when the ref does not carry it', async () => {
    const tags = await resolve(
      ['pr-{{pr}}'],
      { GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'pull_request_target' },
      { pull_request: { number: 7 } },
    )
    expect(tags).toEqual([{ tag: 'pr-7', movingFrom: 'pr-{{pr}}' }])
  })

  it('marks the tags that move from commit to commit, and only those', async () => {
    const tags = await resolve(['{{branch}}', '{{branch}}-{{short-sha}}', '{{major}}.{{minor}}', '{{semver}}', 'fixed'], {
      ...onTag,
      GITHUB_HEAD_REF: 'main',
    })
    expect(tags.filter((entry) => entry.movingFrom).map((entry) => entry.tag)).toEqual(['main', '1.2'])
  })

  it.each([
    [
      '{{semver}}',
      { GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push' },
      "Input 'tags': '{{semver}}' in '{{semver}}' cannot be resolved on this push event: GITHUB_REF 'refs/heads/main' is not a tag.",
    ],
    [
      'v{{major}}',
      { GITHUB_REF: 'refs/tags/release-9', GITHUB_EVENT_NAME: 'push' },
      "git tag 'release-9' is not a semantic version such as v1.2.3",
    ],
    ['{{major}}', { GITHUB_REF: 'refs/tags/v3.0.0-beta.1' }, "git tag 'v3.0.0-beta.1' is a prerelease, and {{major}} names only releases"],
    [
      'pr-{{pr}}',
      { GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push' },
      "'{{pr}}' in 'pr-{{pr}}' cannot be resolved on this push event",
    ],
    [
      '{{branch}}',
      { GITHUB_REF: 'refs/tags/v1.0.0', GITHUB_EVENT_NAME: 'release' },
      "'{{branch}}' in '{{branch}}' cannot be resolved on this release event",
    ],
    [
      '{{tag}}',
      { GITHUB_REF: 'refs/heads/main' },
      "'{{tag}}' in '{{tag}}' cannot be resolved on this unknown event: GITHUB_REF 'refs/heads/main' is not a tag",
    ],
    [
      'x{{branch}}',
      { GITHUB_REF: `refs/heads/${'b'.repeat(128)}` },
      `Input 'tags' must list image tags (letters, digits, '_', '.', '-', up to 128, not starting with '.' or '-'); got 'x${'b'.repeat(128)}' (from 'x{{branch}}').`,
    ],
  ])('%s on %o fails in one line naming why', async (line, env, message) => {
    const error = await resolve([line], env).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toContain(message)
    expect((error as UserError).message).not.toContain('\n')
  })

  it.each([
    ['{{ref}}', "Input 'tags' uses an unknown template '{{ref}}' in '{{ref}}'; the templates are {{sha}}, {{short-sha}}, {{branch}}"],
    [
      '{{branch',
      "Input 'tags' must list image tags (letters, digits, '_', '.', '-', up to 128, not starting with '.' or '-') or templates such as pr-{{pr}}; got '{{branch'.",
    ],
    ['feature/{{pr}}', "got 'feature/{{pr}}'"],
  ])('the line %s is refused when the inputs are read', (line, message) => {
    expect(() => parseTagTemplates('tags', [line])).toThrow(message)
  })

  it('refuses a moving tag where the repository keeps it immutable, with the template it came from', () => {
    const tags = [{ tag: 'main', movingFrom: '{{branch}}' }, { tag: 'abc' }]
    expect(() => refuseMovingTags(tags, { mutability: 'IMMUTABLE', exclusionFilters: [] }, 'team/app')).toThrow(
      "Tag 'main' (from '{{branch}}') moves to a new image on later commits, but repository 'team/app' keeps it immutable (IMMUTABLE), so the next push under it would be refused.",
    )
    expect(() => refuseMovingTags(tags, { mutability: 'MUTABLE', exclusionFilters: [] }, 'team/app')).not.toThrow()
    const excluded = { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: [{ filterType: 'WILDCARD' as const, filter: 'main' }] }
    expect(() => refuseMovingTags(tags, excluded, 'team/app')).not.toThrow()
    expect(() => refuseMovingTags([{ tag: 'abc' }], { mutability: 'IMMUTABLE', exclusionFilters: [] }, 'team/app')).not.toThrow()
  })
})

describe('the also-push-to input', () => {
  it('reads private and public ECR URIs, with an optional endpoint, and drops repeats', () => {
    const parsed = parseDestinations(
      'also-push-to',
      [
        '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app',
        'public.ecr.aws/data-team/tools/app via https://mirror.example.com',
        '111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app via http://127.0.0.1:5001',
        '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app',
      ].join('\n'),
    )
    expect(parsed).toEqual([
      {
        kind: 'private',
        uri: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app',
        accountId: '210987654321',
        region: 'eu-west-1',
        host: '210987654321.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'team/app',
      },
      {
        kind: 'public',
        uri: 'public.ecr.aws/data-team/tools/app',
        host: 'public.ecr.aws',
        repository: 'data-team/tools/app',
        endpoint: { host: 'mirror.example.com', insecure: false },
      },
      {
        kind: 'private',
        uri: '111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app',
        accountId: '111122223333',
        region: 'us-gov-west-1',
        host: '111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
        repository: 'app',
        endpoint: { host: '127.0.0.1:5001', insecure: true },
      },
    ])
    expect(parseDestinations('also-push-to', '')).toEqual([])
  })

  it.each([
    ['docker.io/library/app', "Input 'also-push-to' must list ECR repository URIs"],
    ['210987654321.dkr.ecr.eu-west-1.amazonaws.com', "Input 'also-push-to' must list ECR repository URIs"],
    ['public.ecr.aws/app', "Input 'also-push-to' must list ECR repository URIs"],
    ['210987654321.dkr.ecr.eu-west-1.amazonaws.com/Team/App', "Input 'also-push-to' must be an ECR repository name"],
    ['public.ecr.aws/a1/app through x', "Input 'also-push-to' lines are '<repository URI>' or '<repository URI> via <registry endpoint>'"],
    ['public.ecr.aws/a1/app via', "Input 'also-push-to' lines are"],
    ['public.ecr.aws/a1/app via http://10.0.0.5:5000', "Input 'also-push-to' may use http:// only for a registry on this machine"],
  ])('refuses %s in one line', (line, message) => {
    expect(() => parseDestinations('also-push-to', line)).toThrow(message)
  })
})
