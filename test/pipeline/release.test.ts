import { spawnSync } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

/**
 * release.yml moves the major tag (`v1`) that every consumer runs with its
 * AWS credentials. Its guard is checked two ways: the workflow's shape
 * (which job may write, what runs before the move) and the guard step's own
 * script, run with bash against a stand-in `gh` that answers as the GitHub
 * API would for each case. actionlint and zizmor check the file with the
 * other workflows in workflows.test.ts.
 */

const root = join(import.meta.dirname, '..', '..')

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  env?: Record<string, string>
}
interface Job {
  needs?: string | string[]
  if?: string
  permissions?: Record<string, string>
  outputs?: Record<string, string>
  steps: Step[]
}
interface Workflow {
  on: { push: { tags: string[] } }
  permissions: Record<string, string>
  jobs: Record<string, Job>
}

async function release(): Promise<Workflow> {
  return parse(await readFile(join(root, '.github', 'workflows', 'release.yml'), 'utf8')) as Workflow
}

describe('release.yml: shape', () => {
  it('grants nothing at the workflow level, reads only in the guard, and writes contents only in the job that moves the tag', async () => {
    const workflow = await release()
    expect(workflow.permissions).toEqual({})
    expect(Object.keys(workflow.jobs).sort()).toEqual(['move-major-tag', 'verify'])
    expect(workflow.jobs.verify?.permissions).toEqual({ contents: 'read', actions: 'read' })
    expect(workflow.jobs['move-major-tag']?.permissions).toEqual({ contents: 'write' })
  })

  it('moves the tag only after the guard, and only with the major the guard approved', async () => {
    const { jobs } = await release()
    const move = jobs['move-major-tag'] as Job
    expect(move.needs).toBe('verify')
    expect(move.if).toBe("needs.verify.outputs.major != ''")
    const moveSteps = move.steps.filter((step) => /git\/refs/.test(step.run ?? ''))
    expect(moveSteps).toHaveLength(1)
    expect(moveSteps[0]?.env?.MAJOR).toBe(`\${{ needs.verify.outputs.major }}`)
    // The guard never writes a ref.
    for (const step of jobs.verify?.steps ?? []) expect(step.run ?? '').not.toMatch(/-X (PATCH|POST)/)
    expect(jobs.verify?.outputs?.major).toBe(`\${{ steps.guard.outputs.major }}`)
  })

  it('puts no expression inside a run script: values reach the shell through env', async () => {
    for (const job of Object.values((await release()).jobs)) for (const step of job.steps) expect(step.run ?? '').not.toContain('${{')
  })
})

describe('release.yml: the guard', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-guard-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  interface Api {
    /** compare/main...SHA .status, or 'error' for a failing call. */
    compare: string
    /** How many successful CI runs the query finds. */
    ciRuns: number
    /** The v1.* tags that exist. */
    tags: string[]
  }

  /** Runs the guard step's script as the runner would (bash -e), with a `gh` that answers from `api` and logs its calls. */
  async function guard(tag: string, api: Api) {
    const step = (await release()).jobs.verify?.steps.find((candidate) => candidate.id === 'guard') as Step
    const script = join(dir, 'guard.sh')
    await writeFile(script, step.run ?? '')
    const gh = join(dir, 'gh')
    await writeFile(
      gh,
      `#!/usr/bin/env bash
echo "$*" >> "${join(dir, 'gh.log')}"
case "$2" in
  */compare/*) [[ "$FAKE_COMPARE" == error ]] && exit 1; echo "$FAKE_COMPARE" ;;
  */actions/workflows/*) echo "$FAKE_CI_RUNS" ;;
  */matching-refs/*) printf '%s\\n' $FAKE_TAGS ;;
  *) exit 1 ;;
esac
`,
    )
    await chmod(gh, 0o755)
    const output = join(dir, 'output')
    await writeFile(output, '')
    const result = spawnSync('bash', ['-e', script], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        GITHUB_OUTPUT: output,
        ...(step.env ?? {}),
        GH_TOKEN: 'token',
        REPOSITORY: 'example-org/pipeline-actions',
        TAG: tag,
        SHA: '0123456789abcdef0123456789abcdef01234567',
        FAKE_COMPARE: api.compare,
        FAKE_CI_RUNS: String(api.ciRuns),
        FAKE_TAGS: api.tags.join(' '),
      },
    })
    const calls = await readFile(join(dir, 'gh.log'), 'utf8').catch(() => '')
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: await readFile(output, 'utf8'), calls }
  }

  const good: Api = { compare: 'behind', ciRuns: 1, tags: ['v1.0.0', 'v1.2.0', 'v1.10.0'] }

  it.each([
    ['an older commit of main', 'behind'],
    ["main's head", 'identical'],
  ])('approves %s whose CI passed on main', async (_name, compare) => {
    const run = await guard('v1.10.0', { ...good, compare })
    expect(run.status).toBe(0)
    expect(run.output).toBe('major=v1\n')
    // CI is read for this commit, on main, from a push: not from a pull request's edited workflow.
    expect(run.calls).toContain(
      'api repos/example-org/pipeline-actions/actions/workflows/ci.yml/runs?head_sha=0123456789abcdef0123456789abcdef01234567&branch=main&event=push&status=success&per_page=1',
    )
  })

  it.each([
    [
      'ahead',
      "v1.10.0 points at 0123456789abcdef0123456789abcdef01234567, which is not on main (main...0123456789abcdef0123456789abcdef01234567 is 'ahead'); v1 moves only to a commit of main.",
    ],
    [
      'diverged',
      "v1.10.0 points at 0123456789abcdef0123456789abcdef01234567, which is not on main (main...0123456789abcdef0123456789abcdef01234567 is 'diverged'); v1 moves only to a commit of main.",
    ],
    ['error', 'v1.10.0: could not compare 0123456789abcdef0123456789abcdef01234567 with main; v1 stays where it is.'],
  ])('refuses a commit that is not on main (%s) in one line', async (compare, message) => {
    const run = await guard('v1.10.0', { ...good, compare })
    expect(run.status).toBe(1)
    expect(run.output).toBe('')
    expect(run.stdout.trim()).toBe(`::error title=release::${message}`)
  })

  it('refuses a commit of main whose CI did not pass there, in one line', async () => {
    const run = await guard('v1.10.0', { ...good, ciRuns: 0 })
    expect(run.status).toBe(1)
    expect(run.output).toBe('')
    expect(run.stdout.trim()).toBe(
      '::error title=release::v1.10.0 points at 0123456789abcdef0123456789abcdef01234567, which has no successful ci.yml run on main; re-run this release run once CI has passed there.',
    )
  })

  it.each([
    ['a pre-release', 'v1.11.0-rc.1', 'v1.11.0-rc.1 is not a final semver tag; the major tag stays where it is.'],
    ['an older patch', 'v1.2.0', 'v1.2.0 is not the newest v1 release (v1.10.0 is); v1 stays where it is.'],
  ])('moves nothing for %s', async (_name, tag, notice) => {
    const run = await guard(tag, good)
    expect(run.status).toBe(0)
    expect(run.output).toBe('')
    expect(run.stdout.trim()).toBe(`::notice title=release::${notice}`)
  })
})
