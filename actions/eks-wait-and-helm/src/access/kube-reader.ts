import type { HttpsGet } from './https-get'

/**
 * How the action itself reads the cluster's API (readiness, events): the
 * endpoint, the CA its certificate must chain to, a fresh EKS token per call
 * (the one the kubeconfig's exec plugin makes), and the HTTPS client.
 */
export interface KubeReader {
  /** https://… of the API server, with or without a trailing slash. */
  endpoint: string
  caPem: string
  token: () => Promise<string>
  get: HttpsGet
}
