import { isIP } from 'node:net'

/**
 * Plain http:// carries whatever it sends (a password, a web identity token,
 * the credentials STS returns) readable and changeable by anyone on the path.
 * The one place that path does not leave the machine is loopback, which is
 * where local test services (moto, a chart server) listen.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host)
  return false
}

/** True for an http:// URL whose host is not loopback: a secret sent there crosses the network in clear. */
export function isPlainHttpBeyondLoopback(url: URL): boolean {
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname)
}

/** The URL as it may be shown: scheme, host and path, never the user and password it may embed. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
}
