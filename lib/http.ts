import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

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
 * That part of fetch on node:http and node:https. Node's fetch loads its own
 * HTTP stack (undici, with a WebAssembly parser) on first use, which cost
 * ~70 ms of oidc-auth's ~0.1 s here (a CPU profile of the bundle); these two
 * small calls do not need it. The contract is fetch's, so callers and their
 * error handling need not know: a network failure rejects with
 * TypeError('fetch failed') and the socket's error as its cause, an abort
 * with the signal's reason. Proxies: with NODE_USE_ENV_PROXY=1, Node 24 applies
 * HTTPS_PROXY / NO_PROXY to node:https as it does to fetch.
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
    const request = send(target, { method: init.method ?? 'GET', headers }, (response) => {
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
