import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

/**
 * A test double of the GitHub REST endpoints the plan comment and the drift
 * issue use (list, create and update issue comments; list, create and update
 * issues; the authenticated user), on loopback,
 * because no real GitHub is reachable from the tests. It keeps comments in
 * memory and records every request, so tests assert on what the action sent.
 * It is not a GitHub emulator: the token only decides who a comment is from,
 * as on GitHub: an installation token (`ghs_`, the job's GITHUB_TOKEN)
 * comments as github-actions[bot] and cannot read /user; any other token is
 * the user `userLogin`. For reviewed plans it also answers a pull request by
 * number and the pull requests associated with a commit, from `pulls`; for
 * the pipeline's check-inputs it answers an environment by name, from
 * `environments`. No other routes.
 */
export interface FakePull {
  number: number
  head: { sha: string }
  merged_at: string | null
  merge_commit_sha: string | null
}
/** The part of GitHub's environment the pipeline reads: its protection rules. */
export interface FakeEnvironment {
  name: string
  protection_rules: { type: 'required_reviewers' | 'wait_timer' | 'branch_policy'; reviewers?: unknown[] }[]
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null
}

/** An environment a reviewer must approve, as the pipeline's docs ask for. */
export function protectedEnvironment(name: string): FakeEnvironment {
  return {
    name,
    protection_rules: [{ type: 'required_reviewers', reviewers: [{ type: 'User', reviewer: { login: 'octocat' } }] }],
    deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
  }
}

export interface FakeComment {
  id: number
  body: string
  user?: { login: string; type: 'User' | 'Bot' }
}

export interface FakeIssue {
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  user?: { login: string; type: 'User' | 'Bot' }
  /** Set on a pull request, which the issues list returns too. */
  pull_request?: { url: string }
}

export interface RecordedRequest {
  method: string
  path: string
  authorization?: string
  body?: { body?: string; title?: string; state?: string }
}

export interface FakeGitHubApi {
  url: string
  comments: Map<number, FakeComment[]>
  /** Issues of any repository, by number. */
  issues: Map<number, FakeIssue>
  requests: RecordedRequest[]
  /** Answer every request with this status (e.g. 403) until set back to undefined. */
  failWith?: number
  /** Who a token that is not an installation token belongs to. */
  userLogin: string
  /** Pull requests of every repository, for the pulls routes. */
  pulls: FakePull[]
  /** Environments of every repository by name, as GET /repos/{owner}/{repo}/environments/{name} answers them. */
  environments: Map<string, FakeEnvironment>
  stop(): Promise<void>
}

const LIST_OR_CREATE = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/
const UPDATE = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/
const PULL = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/
const COMMIT_PULLS = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/pulls$/
const ISSUES = /^\/repos\/([^/]+)\/([^/]+)\/issues$/
const ISSUE = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/
const ENVIRONMENT = /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)$/

export async function startFakeGitHubApi(): Promise<FakeGitHubApi> {
  let nextId = 1000
  const api: FakeGitHubApi = {
    url: '',
    comments: new Map(),
    issues: new Map(),
    requests: [],
    userLogin: 'octocat',
    pulls: [],
    environments: new Map(),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const text = await readBody(request)
    const body = text ? (JSON.parse(text) as RecordedRequest['body']) : undefined
    api.requests.push({ method: request.method ?? '', path: url.pathname, authorization: request.headers.authorization, body })
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(payload))
    }
    if (api.failWith) return reply(api.failWith, { message: 'Resource not accessible by integration' })
    const token = /^(?:token|bearer) (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
    const author = token.startsWith('ghs_')
      ? ({ login: 'github-actions[bot]', type: 'Bot' } as const)
      : ({ login: api.userLogin, type: 'User' } as const)
    if (url.pathname === '/user' && request.method === 'GET') {
      if (author.type === 'Bot') return reply(403, { message: 'Resource not accessible by integration' })
      return reply(200, { login: author.login, type: 'User' })
    }
    const environment = ENVIRONMENT.exec(url.pathname)
    if (environment && request.method === 'GET') {
      const found = api.environments.get(decodeURIComponent(environment[3] ?? ''))
      return found ? reply(200, found) : reply(404, { message: 'Not Found' })
    }
    const pull = PULL.exec(url.pathname)
    if (pull && request.method === 'GET') {
      const found = api.pulls.find((candidate) => candidate.number === Number(pull[3]))
      return found ? reply(200, found) : reply(404, { message: 'Not Found' })
    }
    const commitPulls = COMMIT_PULLS.exec(url.pathname)
    if (commitPulls && request.method === 'GET') {
      // GitHub associates a commit with the pull requests it is the merge of or a commit in.
      const sha = commitPulls[3]
      return reply(
        200,
        api.pulls.filter((candidate) => candidate.merge_commit_sha === sha || candidate.head.sha === sha),
      )
    }
    const listOrCreate = LIST_OR_CREATE.exec(url.pathname)
    if (listOrCreate) {
      const issue = Number(listOrCreate[3])
      const existing = api.comments.get(issue) ?? []
      if (request.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        const slice = existing.slice((page - 1) * perPage, page * perPage)
        if (page * perPage < existing.length) {
          const next = new URL(url.toString().replace('http://localhost', api.url))
          next.searchParams.set('page', String(page + 1))
          response.setHeader('link', `<${next}>; rel="next"`)
        }
        return reply(200, slice)
      }
      if (request.method === 'POST' && body?.body !== undefined) {
        const comment: FakeComment = { id: nextId++, body: body.body, user: author }
        api.comments.set(issue, [...existing, comment])
        return reply(201, comment)
      }
    }
    if (ISSUES.test(url.pathname)) {
      if (request.method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open'
        // Newest first, as GitHub lists them by default.
        const all = [...api.issues.values()].filter((issue) => state === 'all' || issue.state === state).sort((a, b) => b.number - a.number)
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        if (page * perPage < all.length) {
          const next = new URL(url.toString().replace('http://localhost', api.url))
          next.searchParams.set('page', String(page + 1))
          response.setHeader('link', `<${next}>; rel="next"`)
        }
        return reply(200, all.slice((page - 1) * perPage, page * perPage))
      }
      if (request.method === 'POST' && body?.title !== undefined) {
        const issue: FakeIssue = { number: nextId++, title: body.title, body: body.body ?? '', state: 'open', user: author }
        api.issues.set(issue.number, issue)
        return reply(201, issue)
      }
    }
    const issueMatch = ISSUE.exec(url.pathname)
    if (issueMatch && request.method === 'PATCH') {
      const issue = api.issues.get(Number(issueMatch[3]))
      if (!issue) return reply(404, { message: 'Not Found' })
      if (body?.body !== undefined) issue.body = body.body
      if (body?.title !== undefined) issue.title = body.title
      if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state
      return reply(200, issue)
    }
    const update = UPDATE.exec(url.pathname)
    if (update && request.method === 'PATCH' && body?.body !== undefined) {
      for (const list of api.comments.values()) {
        const comment = list.find((candidate) => candidate.id === Number(update[3]))
        if (comment) {
          comment.body = body.body
          return reply(200, comment)
        }
      }
    }
    return reply(404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('fake GitHub API did not bind')
  api.url = `http://127.0.0.1:${address.port}`
  return api
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * For a describe block: the fake API and a pull_request event file, made
 * before its tests and removed after them. `env()` is what the action is
 * given: the event, its name and the API's URL.
 */
export function pullRequestOnFakeApi(event: Record<string, unknown>) {
  const fixture = { api: undefined as unknown as FakeGitHubApi, dir: '' }
  beforeAll(async () => {
    fixture.api = await startFakeGitHubApi()
    fixture.dir = await mkdtemp(join(tmpdir(), 'tf-toggle-event-'))
    await writeFile(join(fixture.dir, 'event.json'), JSON.stringify(event))
  })
  afterAll(async () => {
    await fixture.api?.stop()
    if (fixture.dir) await rm(fixture.dir, { recursive: true, force: true })
  })
  return {
    api: () => fixture.api,
    env: () => ({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(fixture.dir, 'event.json'), GITHUB_API_URL: fixture.api.url }),
  }
}
