import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { freePort } from './ports'

/**
 * A proxy in front of moto (or any HTTP service) that can answer the first N
 * matching calls with an AWS error, a canned response, a delay or a reset
 * connection, so retry and fail-fast paths run against the real SDK parsing,
 * or pass a call on and edit moto's successful JSON answer (the rehearsal gives
 * moto's EKS cluster the endpoint and CA of the bench's real API server).
 * Errors are written in the protocol the request used: XML for the Query API
 * (STS), JSON with __type for JSON 1.1 (ECR), x-amzn-ErrorType for REST-JSON (EKS).
 *
 * It also serves as an HTTP proxy (HTTP_PROXY): a request in absolute form
 * (`GET http://host/path`) goes to the same target whatever its host, for
 * clients whose endpoint rules put a prefix on the host (S3 Control prefixes
 * the account ID: `123456789012.127.0.0.1`, which no resolver knows).
 */

export interface ProxiedCall {
  method: string
  path: string
  /** The AWS operation: Query `Action`, the X-Amz-Target suffix, or "METHOD /path". */
  operation: string
  headers: IncomingMessage['headers']
  body: string
  /** The fault applied, when one was. */
  fault?: Fault['type']
}

export type Fault =
  | { type: 'aws-error'; status: number; code: string; message?: string }
  | { type: 'respond'; status: number; body: unknown; headers?: Record<string, string> }
  | { type: 'delay'; ms: number }
  | { type: 'reset' }
  /** Forwards the call; a 2xx JSON answer reaches the client as `edit` returns it. */
  | { type: 'edit'; edit: (body: unknown) => unknown }
  /** The same for any 2xx answer as text (the Query API's XML, e.g. an STS session made to end sooner). */
  | { type: 'edit-text'; edit: (body: string) => string }

export interface FaultRule {
  fault: Fault
  /** How many matching calls get the fault (default 1). */
  times?: number
  /** Which calls match: an operation name, or a predicate (default: every call). */
  match?: string | ((call: ProxiedCall) => boolean)
}

export interface FaultProxy {
  endpoint: string
  calls: ProxiedCall[]
  inject(...rules: FaultRule[]): void
  clear(): void
  stop(): Promise<void>
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target)
  const rules: (FaultRule & { remaining: number })[] = []
  const calls: ProxiedCall[] = []
  const sockets = new Set<Socket>()

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const path = originForm(request.url ?? '/')
    const call: ProxiedCall = {
      method: request.method ?? 'GET',
      path,
      operation: operationOf(request, path, body.toString('utf8')),
      headers: request.headers,
      body: body.toString('utf8'),
    }
    calls.push(call)
    const rule = rules.find((candidate) => candidate.remaining > 0 && matches(candidate, call))
    if (rule) {
      rule.remaining--
      call.fault = rule.fault.type
      const fault = rule.fault
      if (fault.type === 'reset') {
        request.socket.destroy()
        return
      }
      if (fault.type === 'aws-error') return writeAwsError(response, call, fault)
      if (fault.type === 'respond') {
        response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        response.end(typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body))
        return
      }
      if (fault.type === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms))
    }
    const fault = rule?.fault
    const edit =
      fault?.type === 'edit'
        ? (text: string) => JSON.stringify(fault.edit(JSON.parse(text)))
        : fault?.type === 'edit-text'
          ? fault.edit
          : undefined
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: call.path,
        headers: { ...request.headers, host: upstream.host },
      },
      async (upstreamResponse) => {
        const status = upstreamResponse.statusCode ?? 502
        if (!edit || status < 200 || status > 299) {
          response.writeHead(status, upstreamResponse.headers)
          upstreamResponse.pipe(response)
          return
        }
        const parts: Buffer[] = []
        for await (const part of upstreamResponse) parts.push(part as Buffer)
        const edited = edit(Buffer.concat(parts).toString('utf8'))
        const { 'content-length': _length, 'transfer-encoding': _encoding, ...headers } = upstreamResponse.headers
        response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(edited) })
        response.end(edited)
      },
    )
    forwarded.on('error', () => response.destroy())
    forwarded.end(body)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    inject(...newRules) {
      for (const rule of newRules) rules.push({ ...rule, remaining: rule.times ?? 1 })
    },
    clear() {
      rules.length = 0
      calls.length = 0
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * The path and query of a request target, which a proxied request gives as a whole URL. Cut
 * rather than parsed: WHATWG URL refuses a host such as `123456789012.127.0.0.1` (it ends in a
 * number, so it must be an IPv4 address, and is not one).
 */
function originForm(target: string): string {
  const rest = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  return rest.startsWith('/') ? rest : `/${rest}`
}

function matches(rule: FaultRule, call: ProxiedCall): boolean {
  if (rule.match === undefined) return true
  if (typeof rule.match === 'string') return rule.match === call.operation
  return rule.match(call)
}

function operationOf(request: IncomingMessage, path: string, body: string): string {
  const target = request.headers['x-amz-target']
  if (typeof target === 'string') return target.split('.').pop() ?? target
  const url = new URL(path, 'http://proxy')
  const action = url.searchParams.get('Action') ?? new URLSearchParams(body).get('Action')
  if (action) return action
  return `${request.method} ${url.pathname}`
}

function writeAwsError(
  response: import('node:http').ServerResponse,
  call: ProxiedCall,
  fault: Extract<Fault, { type: 'aws-error' }>,
): void {
  const message = fault.message ?? `${fault.code} injected by the fault proxy`
  const isQuery = !call.headers['x-amz-target'] && /Action=/.test(`${call.path} ${call.body}`)
  if (isQuery) {
    const type = fault.status >= 500 ? 'Receiver' : 'Sender'
    response.writeHead(fault.status, { 'content-type': 'text/xml' })
    response.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${fault.code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
    )
    return
  }
  response.writeHead(fault.status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': fault.code,
    'x-amzn-requestid': 'fault-proxy',
  })
  response.end(JSON.stringify({ __type: fault.code, message }))
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
