import type { Agent } from 'node:http'
import { getProxyUrl, HttpClient } from '@actions/http-client'
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler'

type Handle = NodeHttpHandler['handle']

/**
 * The AWS SDK's request handler, routed as @actions/http-client routes the
 * OIDC and STS calls: through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY names
 * the host. The SDK's own NodeHttpHandler reads no proxy variable, so ECR and
 * EKS calls failed on a runner that reaches AWS only through its proxy. The
 * decision is taken per request (the endpoint is resolved inside the SDK),
 * and one NodeHttpHandler is kept per route so connections are reused.
 */
export class ProxyAwareHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' }
  private readonly routes = new Map<string, NodeHttpHandler>()

  constructor(private readonly options: Pick<NodeHttpHandlerOptions, 'connectionTimeout' | 'requestTimeout'>) {}

  handle(...[request, handlerOptions]: Parameters<Handle>): ReturnType<Handle> {
    const target = new URL(`${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}/`)
    return this.route(target).handle(request, handlerOptions)
  }

  /** The handler for a target: a direct one, or one whose agent tunnels through the proxy http-client chose. */
  route(target: URL): NodeHttpHandler {
    const proxy = getProxyUrl(target.href)
    const key = `${target.protocol}${proxy}`
    let handler = this.routes.get(key)
    if (!handler) {
      const agent = proxy ? tunnelAgent(target) : undefined
      handler = new NodeHttpHandler({
        ...this.options,
        ...(agent ? (target.protocol === 'https:' ? { httpsAgent: agent } : { httpAgent: agent }) : {}),
      })
      this.routes.set(key, handler)
    }
    return handler
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return { ...this.options }
  }

  destroy(): void {
    for (const handler of this.routes.values()) handler.destroy()
    this.routes.clear()
  }
}

/**
 * http-client's agent for a proxied target (a `tunnel` agent: CONNECT through
 * the proxy, one tunnel a request). The SDK uses an agent it is given only
 * when it is a node Agent or can be destroyed, and would otherwise build its
 * own from the object's fields, dropping the tunnel; a tunnel agent holds no
 * socket between requests, so there is nothing for destroy to close.
 */
function tunnelAgent(target: URL): Agent {
  const agent = new HttpClient('pipeline-actions').getAgent(target.href) as Agent & { destroy?: () => void }
  if (typeof agent.destroy !== 'function') agent.destroy = () => {}
  return agent
}
