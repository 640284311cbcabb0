import type { ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Cancellation, processSignals } from '../../../actions/tf-apply-toggle/src/cancellation'
import { describeLock, parseLockInfo, renderDiagnostic } from '../../../actions/tf-apply-toggle/src/diagnostics'
import {
  parseBackendConfig,
  parseInputs,
  parseMode,
  parseParallelism,
  parseVarFiles,
  parseVariables,
  parseWorkingDirectory,
  parseWorkspace,
} from '../../../actions/tf-apply-toggle/src/inputs'
import { outputText, publishOutputs, secretsOf } from '../../../actions/tf-apply-toggle/src/outputs'
import { summarizePlan } from '../../../actions/tf-apply-toggle/src/plan-json'
import { commentMarker, commentOnPullRequest, octokitComments, pullRequestOf } from '../../../actions/tf-apply-toggle/src/pr-comment'
import { OPENTOFU, productOf, TERRAFORM } from '../../../actions/tf-apply-toggle/src/product'
import { byteLength, charLength, cutToFit, type Report, renderReport } from '../../../actions/tf-apply-toggle/src/report'
import { hclString, hclValue, SecretFiles } from '../../../actions/tf-apply-toggle/src/secret-files'
import { JsonUiStream } from '../../../actions/tf-apply-toggle/src/ui-stream'
import { type FakeGitHubApi, startFakeGitHubApi } from '../../bench/github-api'
import { captureStdout } from '../../harness/capture'
import { parseFileCommands } from '../../harness/commands'
import { FakeChild } from './fake-terraform'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tf-toggle-modules-'))
  await mkdir(join(dir, 'infra'))
  await writeFile(join(dir, 'infra', 'a.tfvars'), '')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('inputs', () => {
  it.each([
    ['create', 'create'],
    ['Destroy', 'destroy'],
    ['plan', 'plan'],
    ['true', 'create'],
    ['FALSE', 'destroy'],
  ])('mode %s is %s', (raw, mode) => {
    expect(parseMode(raw)).toBe(mode)
  })

  it.each([
    ['', "Input 'mode' is required."],
    ['apply', "Input 'mode' must be one of create, destroy, plan, drift-check, true (create) or false (destroy); got 'apply'."],
  ])('mode %j is refused', (raw, message) => {
    expect(() => parseMode(raw)).toThrow(message)
  })

  it('reads backend settings and refuses keys that are not names', () => {
    expect([...parseBackendConfig('bucket = state\n# comment\nkey=a/b=c')]).toEqual([
      ['bucket', 'state'],
      ['key', 'a/b=c'],
    ])
    expect(() => parseBackendConfig('bad key=1')).toThrow("Input 'backend-config' line 1 has a key that is not a name")
  })

  it.each([
    [
      'lines (a later line wins, as a later -var does)',
      'region=eu-west-1\ncount=3\ncidrs=["203.0.113.0/24"]\nregion=us-east-2',
      {
        format: 'lines',
        values: new Map([
          ['region', 'us-east-2'],
          ['count', '3'],
          ['cidrs', '["203.0.113.0/24"]'],
        ]),
      },
    ],
    ['JSON', '{"zones": ["a", "b"], "tags": {"team": "data"}}', { format: 'json', values: { zones: ['a', 'b'], tags: { team: 'data' } } }],
    ['nothing', '', { format: 'lines', values: new Map() }],
  ])('variables as %s', (_name, raw, expected) => {
    expect(parseVariables(raw)).toEqual(expected)
  })

  it.each([
    ['{not json', "Input 'variables' looks like JSON but does not parse; give a JSON object or name=value lines."],
    ['{"a": 1} trailing', "Input 'variables' looks like JSON but does not parse"],
    [
      '{"bad name": 1}',
      "Input 'variables' has a key that is not a name (keys are variable names: letters, digits, '_' and '-'); it is not shown, as it may be a secret.",
    ],
    ['password', "Input 'variables' line 1 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret)."],
  ])('variables %j are refused without echoing values', (raw, message) => {
    expect(() => parseVariables(raw)).toThrow(message)
  })

  it('reads a JSON array as a malformed line, not as variables', () => {
    expect(() => parseVariables('[1]')).toThrow(
      "Input 'variables' line 1 must be key=value, with a key before the '=' (the line is not shown: it may hold a secret).",
    )
  })

  it('resolves the working directory and labels it relative to the workspace', () => {
    expect(parseWorkingDirectory('infra', dir)).toEqual({ absolute: join(dir, 'infra'), label: 'infra' })
    expect(parseWorkingDirectory('', dir)).toEqual({ absolute: dir, label: '.' })
    expect(() => parseWorkingDirectory('infra/a.tfvars', dir)).toThrow(
      "Input 'working-directory' must be an existing directory; got 'infra/a.tfvars'.",
    )
  })

  it('checks var files exist in the working directory', () => {
    expect(parseVarFiles('a.tfvars\n', join(dir, 'infra'), dir)).toEqual(['a.tfvars'])
    expect(() => parseVarFiles('missing.tfvars', join(dir, 'infra'), dir)).toThrow(
      "Input 'var-files' names 'missing.tfvars', which is not a file in the working directory.",
    )
  })

  it('checks workspace names and parallelism', () => {
    expect(parseWorkspace(' prod-eu.1 ')).toBe('prod-eu.1')
    expect(parseWorkspace('')).toBe('')
    expect(() => parseWorkspace('a/b')).toThrow("Input 'workspace' must be a name of letters, digits, '-', '_' or '.'; got 'a/b'.")
    expect(parseParallelism('')).toBeUndefined()
    expect(parseParallelism('8')).toBe(8)
    expect(() => parseParallelism('0')).toThrow("Input 'parallelism' must be a whole number from 1 to 256; got '0'.")
  })

  it('reads every input with its defaults', () => {
    const raw: Record<string, string> = { mode: 'plan', 'working-directory': 'infra', 'lock-timeout': '' }
    const inputs = parseInputs((name) => raw[name] ?? '', dir)
    expect(inputs).toMatchObject({
      mode: 'plan',
      workingDirectory: join(dir, 'infra'),
      directoryLabel: 'infra',
      lockTimeoutMs: 300_000,
      terraform: 'terraform',
      workspace: '',
      confirmDestroy: '',
      varFiles: [],
      variables: {},
      githubToken: '',
    })
    expect(inputs.pluginCache).toBeUndefined()
    expect(inputs.parallelism).toBeUndefined()
  })
})

describe('product', () => {
  it.each([
    ['terraform', TERRAFORM],
    ['/usr/local/bin/terraform', TERRAFORM],
    ['tofu', OPENTOFU],
    ['/opt/tools/opentofu-v1.12.6/bin/tofu', OPENTOFU],
    ['tofu-1.12', OPENTOFU],
    ['C:\\tools\\tofu.exe', OPENTOFU],
    // A folder named after OpenTofu does not make its terraform binary OpenTofu.
    ['/opt/tofu/terraform', TERRAFORM],
    ['tofurky', TERRAFORM],
  ])('%s is %o', (binary, product) => {
    expect(productOf(binary)).toEqual(product)
  })
})

describe('diagnostics and the JSON UI stream', () => {
  it('renders a diagnostic the way Terraform prints it', () => {
    expect(renderDiagnostic({ severity: 'warning', summary: 'Deprecated' })).toBe('Warning: Deprecated\n')
    expect(
      renderDiagnostic({
        severity: 'error',
        summary: 'Bad',
        detail: 'Why.',
        range: { filename: 'a.tf', start: { line: 9, column: 1 } },
        snippet: { context: null, code: 'x = 1\ny = 2', start_line: 9 },
      }),
    ).toBe('Error: Bad\n\n  on a.tf line 9:\n     9: x = 1\n    10: y = 2\n\nWhy.\n')
    expect(renderDiagnostic({ severity: 'error', summary: 'No snippet', range: { filename: 'b.tf', start: { line: 2, column: 1 } } })).toBe(
      'Error: No snippet\n\n  on b.tf line 2:\n',
    )
  })

  it('parses the Lock Info block and describes the holder', () => {
    expect(parseLockInfo(undefined)).toBeUndefined()
    expect(parseLockInfo('no block here')).toBeUndefined()
    expect(parseLockInfo('Lock Info:\n\nnothing')).toBeUndefined()
    const lock = parseLockInfo(
      'x\nLock Info:\n  ID:        abc\n  Who:       me@host\n  Unknown:   y\n  Info:      \n\nTerraform acquires…',
    )
    expect(lock).toEqual({ id: 'abc', who: 'me@host' })
    expect(describeLock(lock)).toBe('held by me@host (lock ID abc)')
    expect(describeLock({})).toBe('held by an unknown holder')
    expect(describeLock(undefined)).toBe('Terraform did not say who holds it')
  })

  it('renders events as they arrive, across chunk and character boundaries, keeping diagnostics', () => {
    const written: string[] = []
    const stream = new JsonUiStream((text) => written.push(text))
    const event = JSON.stringify({ '@message': 'résumé ✓', type: 'log' })
    const bytes = Buffer.from(
      `${event}\n{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Boom"}}\r\nnot json\n\n42\n{"type":"version"}\n`,
    )
    const cut = bytes.indexOf(Buffer.from('✓')) + 1
    stream.push(bytes.subarray(0, cut))
    expect(written).toEqual([])
    stream.push(bytes.subarray(cut))
    stream.push('tail without newline')
    stream.end()
    expect(written).toEqual(['résumé ✓\n', 'Error: Boom\n', 'not json\n', '42\n', 'tail without newline\n'])
    expect(stream.diagnostics).toEqual([{ severity: 'error', summary: 'Boom' }])
  })
})

describe('plan JSON', () => {
  it('counts like Terraform and lists every resource that changes', () => {
    const summary = summarizePlan({
      resource_changes: [
        { address: 'a.create', change: { actions: ['create'] } },
        { address: 'a.update', change: { actions: ['update'] } },
        { address: 'a.delete', change: { actions: ['delete'] } },
        { address: 'a.replace', change: { actions: ['delete', 'create'] } },
        { address: 'a.cbd', change: { actions: ['create', 'delete'] } },
        { address: 'data.a.read', change: { actions: ['read'] } },
        { address: 'a.forget', change: { actions: ['forget'] } },
        { address: 'a.import', change: { actions: ['no-op'], importing: { id: 'x' } } },
        { address: 'a.moved', previous_address: 'a.old', change: { actions: ['no-op'] } },
        { address: 'a.same', change: { actions: ['no-op'] } },
        { address: 'a.odd', change: { actions: ['something-new'] } },
        { change: { actions: ['create'] } },
        { address: 'a.none' },
      ],
      output_changes: { changed: { actions: ['update'] }, same: { actions: ['no-op'] }, broken: null },
    })
    expect(summary).toMatchObject({ add: 3, change: 1, destroy: 3, outputs: ['changed', 'broken'] })
    expect(summary.resources.map((resource) => `${resource.action} ${resource.address}`)).toEqual([
      'create a.create',
      'update a.update',
      'delete a.delete',
      'replace a.replace',
      'replace a.cbd',
      'read data.a.read',
      'forget a.forget',
      'import a.import',
      'move a.moved',
    ])
  })

  it('treats anything else as no changes', () => {
    expect(summarizePlan(null)).toEqual({ add: 0, change: 0, destroy: 0, resources: [], outputs: [] })
    expect(summarizePlan({ resource_changes: 'x', output_changes: 3 })).toMatchObject({ add: 0, resources: [] })
  })
})

describe('outputs', () => {
  it('turns values into output text and finds every printable form of a secret', () => {
    expect(outputText('plain')).toBe('plain')
    expect(outputText(3)).toBe('3')
    expect(outputText(null)).toBe('null')
    expect(outputText(undefined)).toBe('null')
    expect(secretsOf({ user: 'admin', pass: 'line1\nline2', port: 5432, list: ['tok-en'], blank: ' ' })).toEqual([
      '{"user":"admin","pass":"line1\\nline2","port":5432,"list":["tok-en"],"blank":" "}',
      'admin',
      'line1\nline2',
      'line1',
      'line2',
      'tok-en',
    ])
  })

  it('masks sensitive values before setting any output, and keeps reserved names in outputs-json only', async () => {
    const file = join(dir, 'outputs')
    await writeFile(file, '')
    vi.stubEnv('GITHUB_OUTPUT', file)
    const { stdout, commands } = await captureStdout(async () =>
      publishOutputs({
        changes: { sensitive: false, value: 'from terraform' },
        name: { sensitive: false, value: 'x' },
        secret: { sensitive: true, value: { key: 'abc-123' } },
      }),
    )
    vi.unstubAllEnvs()
    expect(commands.masks).toEqual(['{"key":"abc-123"}', 'abc-123'])
    expect(stdout.indexOf('::add-mask::')).toBeLessThan(stdout.indexOf('::warning::'))
    expect(commands.annotations[0]?.message).toBe(
      "Terraform output 'changes' has the name of an output of this action; read it from outputs-json.",
    )
    expect(parseFileCommands(await readFile(file, 'utf8'))).toEqual({
      name: 'x',
      secret: '{"key":"abc-123"}',
      'outputs-json': '{"changes":"from terraform","name":"x","secret":{"key":"abc-123"}}',
    })
  })
})

describe('secret files', () => {
  it('writes HCL backend settings and JSON variables into a private folder, then removes it', async () => {
    const files = await SecretFiles.create(dir)
    expect((await stat(files.dir)).mode & 0o777).toBe(0o700)
    expect(await files.backendConfig(new Map())).toBeUndefined()
    expect(await files.variables({ format: 'json', values: {} }, new Map())).toBeUndefined()
    expect(await files.variables({ format: 'lines', values: new Map() }, new Map())).toBeUndefined()
    const backend = await files.backendConfig(
      new Map([
        ['bucket', 'b'],
        ['endpoints', '{ s3 = "http://x" }'],
      ]),
    )
    const variables = await files.variables({ format: 'json', values: { a: 1 } }, new Map())
    expect(await readFile(backend as string, 'utf8')).toBe('bucket = "b"\nendpoints = { s3 = "http://x" }\n')
    expect(await readFile(variables as string, 'utf8')).toBe('{"a":1}')
    expect((await stat(variables as string)).mode & 0o777).toBe(0o600)
    await files.remove()
    await expect(stat(files.dir)).rejects.toThrow(/ENOENT/)
  })

  it('writes name=value lines as -var would read them: HCL for complex-typed variables, literal strings otherwise', async () => {
    const files = await SecretFiles.create(dir)
    const lines = new Map([
      ['cidrs', '["203.0.113.0/24"]'],
      ['name', '["not a list"]'],
      ['count', '3'],
      ['region', 'eu-west-1'],
    ])
    const path = await files.variables({ format: 'lines', values: lines }, new Map([['cidrs', 'list(string)']]))
    expect(await readFile(path as string, 'utf8')).toBe(
      'cidrs = ["203.0.113.0/24"]\nname = "[\\"not a list\\"]"\ncount = "3"\nregion = "eu-west-1"\n',
    )
    await files.remove()
  })

  it('quotes values so nothing in them is read as HCL syntax or a template', () => {
    expect(hclValue('["a"]')).toBe('["a"]')
    expect(hclValue('"quoted"')).toBe('"quoted"')
    expect(hclValue('true')).toBe('"true"')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a literal ${ in a backend value
    expect(hclString('a\\b"c\nd\re\tf${x}%{y}$z\u0001')).toBe('"a\\\\b\\"c\\nd\\re\\tf$${x}%%{y}$z\\u0001"')
  })
})

describe('report', () => {
  const base: Report = { product: 'Terraform', mode: 'plan', directory: 'infra', workspace: 'default', outcome: 'planned' }
  const unlimited = { budget: 1_000_000, measure: charLength, maxRows: 2 }

  it('renders counts, a capped resource table, changed outputs and the plan', () => {
    const markdown = renderReport(
      {
        ...base,
        plan: {
          add: 3,
          change: 0,
          destroy: 0,
          resources: [
            { address: 'a.one', action: 'create' },
            { address: 'a.two', action: 'create' },
            { address: 'a.three', action: 'create' },
          ],
          outputs: ['url'],
        },
        planText: 'the plan',
      },
      unlimited,
    )
    expect(markdown).toBe(
      [
        '### Terraform plan: `infra` (workspace `default`)',
        '',
        '**Plan:** 3 to add, 0 to change, 0 to destroy. **Result:** planned only, nothing applied.',
        '',
        '| to add | to change | to destroy |',
        '| --- | --- | --- |',
        '| 3 | 0 | 0 |',
        '',
        '| action | resource |',
        '| --- | --- |',
        '| create | `a.one` |',
        '| create | `a.two` |',
        '',
        '…and 1 more; the plan below lists them all.',
        '',
        'Outputs that change: `url`',
        '',
        '<details><summary>Plan</summary>',
        '',
        '```',
        'the plan',
        '```',
        '',
        '</details>',
      ].join('\n'),
    )
  })

  it('renders a failure without a plan', () => {
    expect(
      renderReport(
        { ...base, outcome: 'failed', failure: { reason: 'state-locked', message: 'held.' } },
        unlimited,
        '<!-- m -->',
        'footer',
      ),
    ).toBe('<!-- m -->\n### Terraform plan: `infra` (workspace `default`)\n\n**Result:** failed.\n\n**state-locked**: held.\n\nfooter')
  })

  it('cuts the plan to the budget and says where the whole plan is', () => {
    const planText = Array.from({ length: 2000 }, (_, i) => `line ${i} ✓`).join('\n')
    const report = { ...base, planText }
    for (const measure of [charLength, byteLength]) {
      const linked = renderReport(report, { budget: 5000, measure, maxRows: 10, fullPlanLink: 'https://example.test/run' }, '', 'end')
      expect(measure(linked)).toBeLessThanOrEqual(5000)
      expect(linked).toContain('the whole plan is in the [job summary and log](https://example.test/run).')
      expect(linked.endsWith('end')).toBe(true)
      const unlinked = renderReport(report, { budget: 5000, measure, maxRows: 10 })
      expect(unlinked).toContain("the whole plan is in this step's log.")
    }
  })

  it('cuts even the text around the plan when nothing else fits', () => {
    const markdown = renderReport({ ...base, planText: 'plan' }, { budget: 40, measure: charLength, maxRows: 10 })
    expect(markdown.length).toBeLessThanOrEqual(40)
    expect(renderReport(base, { budget: 20, measure: charLength, maxRows: 1 }).length).toBeLessThanOrEqual(20)
  })

  it('cutToFit prefers a line end and never splits a surrogate pair', () => {
    expect(cutToFit('short', 10, charLength)).toBe('short')
    expect(cutToFit('anything', 0, charLength)).toBe('')
    expect(cutToFit('aaaa\nbbbb\ncc', 11, charLength)).toBe('aaaa\nbbbb')
    expect(cutToFit('abcdefgh', 5, charLength)).toBe('abcde')
    expect(cutToFit('ab😀cd', 3, charLength)).toBe('ab')
  })
})

describe('pull request comment', () => {
  let api: FakeGitHubApi
  beforeAll(async () => {
    api = await startFakeGitHubApi()
  })
  afterAll(async () => {
    await api.stop()
  })

  it('finds the pull request in the event payload', async () => {
    const event = join(dir, 'event.json')
    await writeFile(event, JSON.stringify({ pull_request: { number: 5 } }))
    const env = { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'o/r' }
    expect(pullRequestOf(env)).toEqual({ owner: 'o', repo: 'r', number: 5 })
    expect(pullRequestOf({ ...env, GITHUB_EVENT_NAME: 'push' })).toBeUndefined()
    expect(pullRequestOf({ ...env, GITHUB_EVENT_PATH: undefined })).toBeUndefined()
    expect(pullRequestOf({ ...env, GITHUB_EVENT_PATH: join(dir, 'missing.json') })).toBeUndefined()
    expect(pullRequestOf({ ...env, GITHUB_REPOSITORY: undefined })).toBeUndefined()
    await writeFile(event, JSON.stringify({ number: 6 }))
    expect(pullRequestOf(env)?.number).toBe(6)
  })

  it('marks the comment with a marker HTML cannot end early', () => {
    expect(commentMarker('infra/prod', 'blue')).toBe('<!-- tf-apply-toggle directory="infra/prod" workspace="blue" -->')
    expect(commentMarker('a-->b', 'w')).not.toContain('-->b')
  })

  it('creates, pages through existing comments to find its own, and updates it through Octokit', async () => {
    const pr = { owner: 'o', repo: 'r', number: 9 }
    api.comments.set(
      9,
      Array.from({ length: 120 }, (_, i) => ({ id: i + 1, body: `someone else ${i}` })),
    )
    const comments = await octokitComments('ghs_unit_token', api.url)
    await captureStdout(() => commentOnPullRequest(async () => comments, pr, '<!-- mark -->', '<!-- mark -->\nfirst'))
    const created = api.comments.get(9)?.at(-1)
    expect(created?.body).toBe('<!-- mark -->\nfirst')
    api.requests.length = 0
    const { result } = await captureStdout(() => commentOnPullRequest(async () => comments, pr, '<!-- mark -->', '<!-- mark -->\nsecond'))
    expect(result).toEqual({ action: 'updated', id: created?.id })
    expect(api.comments.get(9)).toHaveLength(121)
    expect(api.comments.get(9)?.at(-1)?.body).toBe('<!-- mark -->\nsecond')
    expect(api.requests.map((request) => request.method)).toEqual(['GET', 'GET', 'PATCH'])
    expect(api.requests[0]?.authorization).toBe('token ghs_unit_token')
  })

  it('warns and goes on when GitHub refuses the comment', async () => {
    api.failWith = 403
    const comments = await octokitComments('ghs_unit_token', api.url)
    const { result, commands } = await captureStdout(() =>
      commentOnPullRequest(async () => comments, { owner: 'o', repo: 'r', number: 9 }, 'm', 'b'),
    )
    api.failWith = undefined
    expect(result).toBeUndefined()
    expect(commands.annotations[0]?.level).toBe('warning')
    expect(commands.annotations[0]?.message).toMatch(
      /^Could not comment the plan on pull request #9: Resource not accessible by integration.* Give the job `permissions: pull-requests: write`\.$/,
    )
    const other = await captureStdout(() =>
      commentOnPullRequest(
        async () => {
          throw new Error('socket hang up')
        },
        { owner: 'o', repo: 'r', number: 9 },
        'm',
        'b',
      ),
    )
    expect(other.commands.annotations[0]?.message).toBe('Could not comment the plan on pull request #9: socket hang up.')
  })
})

describe('cancellation', () => {
  it('interrupts a child that starts after the signal, once', () => {
    const log: string[] = []
    const cancellation = new Cancellation((text) => log.push(text))
    cancellation.onSignal('SIGTERM')
    const child = new FakeChild()
    cancellation.attach(child as unknown as ChildProcess)
    cancellation.onSignal('SIGINT')
    expect(child.signals).toEqual(['SIGINT'])
    cancellation.detach()
    expect(log).toHaveLength(2)
  })

  it('listens to the process signals and stops listening', () => {
    const before = process.listenerCount('SIGTERM')
    const beforeInterrupt = process.listenerCount('SIGINT')
    const cancellation = new Cancellation(() => {})
    const stop = cancellation.listen(processSignals)
    expect(process.listenerCount('SIGTERM')).toBe(before + 1)
    process.emit('SIGTERM', 'SIGTERM')
    expect(cancellation.requested).toBe(true)
    stop()
    expect(process.listenerCount('SIGTERM')).toBe(before)
    expect(process.listenerCount('SIGINT')).toBe(beforeInterrupt)
  })
})
