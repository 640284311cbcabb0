import { request } from 'node:https'

export interface HttpsResponse {
  status: number
  body: string
}

export interface HttpsGetOptions {
  /** PEM of the CA the server's certificate must chain to; the system roots are not trusted for it. */
  ca: string
  headers: Record<string, string>
  timeoutMs: number
}

export type HttpsGet = (url: string, options: HttpsGetOptions) => Promise<HttpsResponse>

/** A GET that trusts only the given CA, as kubectl does with a kubeconfig's certificate-authority-data. */
export const httpsGet: HttpsGet = (url, options) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: options.ca, headers: options.headers, timeout: options.timeoutMs }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end()
  })
