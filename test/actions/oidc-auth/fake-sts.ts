/**
 * An in-process STS behind a fetch function, for unit tests that need exact
 * control of each answer (and of hung calls) without a server. The wire
 * format is the Query API's, the same that moto and AWS speak.
 */

export type Scripted =
  | { error: { status: number; code: string; message?: string } }
  | { reset: true }
  | { hang: true }
  | { raw: { status: number; body: string } }

export interface FakeCall {
  action: string
  params: URLSearchParams
  headers: Record<string, string>
  url: string
}

export interface FakeSts {
  fetch: typeof fetch
  calls: FakeCall[]
  /** The next answers to `action`, in order; then it succeeds. */
  script(action: string, ...answers: Scripted[]): void
  account: string
}

export function fakeSts(account = '111122223333'): FakeSts {
  const scripts = new Map<string, Scripted[]>()
  const calls: FakeCall[] = []
  let issued = 0

  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const params = new URLSearchParams(String(init?.body ?? ''))
    const action = params.get('Action') ?? ''
    calls.push({ action, params, headers: { ...(init?.headers as Record<string, string>) }, url: String(input) })
    const answer = scripts.get(action)?.shift()
    if (answer && 'reset' in answer)
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })
    if (answer && 'hang' in answer) {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })
    }
    if (answer && 'raw' in answer) return new Response(answer.raw.body, { status: answer.raw.status })
    if (answer && 'error' in answer) {
      const { status, code, message = `${code} from the fake` } = answer.error
      return new Response(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
        { status },
      )
    }
    issued += 1
    return new Response(success(action, params, issued), { status: 200 })
  }

  function success(action: string, params: URLSearchParams, n: number): string {
    if (action === 'GetCallerIdentity') {
      const key = /Credential=(\w+)\//.exec(calls.at(-1)?.headers.authorization ?? '')?.[1] ?? 'unsigned'
      const arn = assumedBy.get(key) ?? `arn:aws:sts::${account}:assumed-role/unknown/x`
      const accountOf = /::(\d{12}):/.exec(arn)?.[1] ?? account
      return `<GetCallerIdentityResponse><GetCallerIdentityResult><UserId>AROAFAKE:x</UserId><Account>${accountOf}</Account><Arn>${arn}</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`
    }
    const role = params.get('RoleArn') ?? ''
    const roleAccount = /::(\d{12}):/.exec(role)?.[1] ?? account
    const arn = `arn:aws:sts::${roleAccount}:assumed-role/${role.split('/').pop()}/${params.get('RoleSessionName')}`
    const key = `ASIAFAKE${n}`
    assumedBy.set(key, arn)
    return `<${action}Response><${action}Result><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>secret/${n}+key</SecretAccessKey><SessionToken>session-token-${n}</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:${n}</AssumedRoleId><Arn>${arn}</Arn></AssumedRoleUser></${action}Result></${action}Response>`
  }
  const assumedBy = new Map<string, string>()

  return {
    fetch: fetchImpl as typeof fetch,
    calls,
    account,
    script(action, ...answers) {
      scripts.set(action, [...(scripts.get(action) ?? []), ...answers])
    },
  }
}
