import { toolPaths } from '../../../scripts/toolchain.mjs'
import { type ControlPlane, startControlPlane } from '../../bench/control-plane'
import { type FaultProxy, startFaultProxy } from '../../bench/fault-proxy'
import { MOTO_ACCOUNT, type Moto, startMoto } from '../../bench/moto'

/**
 * What the live eks-wait-and-helm tests stand on: the bench's real control
 * plane, whose EKS token webhook checks tokens against moto's STS; the CI
 * role's session credentials from moto; and DescribeCluster answered through
 * the fault proxy in front of moto with that API server's endpoint and CA,
 * as EKS would answer for a real cluster.
 */
export interface LiveCluster {
  moto: Moto
  proxy: FaultProxy
  plane: ControlPlane
  /** The job after oidc-auth: the CI role's session, AWS pointed at moto (EKS through the proxy). */
  jobEnv(extra?: Record<string, string>): Record<string, string>
  stop(): Promise<void>
}

export const CI_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/ci-deploy`

export async function startLiveCluster(cluster: string, sessionName: string): Promise<LiveCluster> {
  const moto = await startMoto()
  const proxy = await startFaultProxy(moto.endpoint)
  const plane = await startControlPlane({ stsEndpoint: moto.endpoint, clusterName: cluster })
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: CI_ROLE, RoleSessionName: sessionName }).toString(),
  })
  const xml = await response.text()
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? ''
  const role = { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') }
  proxy.inject({
    match: `GET /clusters/${cluster}`,
    times: 10_000,
    fault: {
      type: 'respond',
      status: 200,
      body: {
        cluster: {
          name: cluster,
          arn: `arn:aws:eks:us-east-1:${MOTO_ACCOUNT}:cluster/${cluster}`,
          status: 'ACTIVE',
          version: '1.36',
          endpoint: plane.server,
          certificateAuthority: { data: plane.caData },
          accessConfig: { authenticationMode: 'API' },
        },
      },
    },
  })
  return {
    moto,
    proxy,
    plane,
    jobEnv: (extra = {}) => ({
      ...moto.env,
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_ACCESS_KEY_ID: role.accessKeyId,
      AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
      AWS_SESSION_TOKEN: role.sessionToken,
      PIPELINE_ACTIONS_TOOL_CACHE: toolPaths().root,
      ...extra,
    }),
    stop: async () => {
      await plane.stop()
      await proxy.stop()
      await moto.stop()
    },
  }
}
