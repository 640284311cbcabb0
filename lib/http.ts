import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { HttpClient } from '@actions/http-client'

export interface HttpInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
}

export interface HttpAnswer {
  ok: boolean
  status: number
  text(): Promise<string>
}

/** The part of fetch the STS Query API and the OIDC token request use; fetch itself fits it, so tests can pass one. */
export type HttpFetch = (url: string | URL, init?: HttpInit) => Promise<HttpAnswer>

/**
 * That part of fetch, sent through @actions/http-client's agent, which routes
 * a request through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY names its host
 * (a self-hosted runner behind a proxy reaches the token service and STS
 * only that way). The request itself stays on node:http(s) because
 * http-client's own request methods take no AbortSignal, and the actions
 * bound every call by a deadline and end it on cancellation. The contract
 * is fetch's, so callers and their error handling need not know: a network
 * failure rejects with TypeError('fetch failed') and the socket's error as
 * its cause, an abort with the signal's reason.
 */
export const httpFetch: HttpFetch = (url, init = {}) =>
  new Promise((resolve, reject) => {
    const { signal } = init
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const target = typeof url === 'string' ? new URL(url) : url
    const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8')
    const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const onAbort = () => {
      request.destroy()
      reject(signal?.reason)
    }
    const fail = (error: Error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(new TypeError('fetch failed', { cause: error }))
    }
    // A client per request: http-client keeps the first direct agent it made, whatever its protocol.
    const agent = new HttpClient('pipeline-actions').getAgent(target.href)
    const request = send(target, { method: init.method ?? 'GET', headers, agent }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', fail)
      response.on('end', () => {
        signal?.removeEventListener('abort', onAbort)
        const status = response.statusCode ?? 0
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ ok: status >= 200 && status <= 299, status, text: async () => text })
      })
    })
    signal?.addEventListener('abort', onAbort, { once: true })
    request.on('error', fail)
    request.end(body)
  })
