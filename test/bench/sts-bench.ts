import { afterAll, beforeAll } from 'vitest'
import { type FaultProxy, startFaultProxy } from './fault-proxy'
import { type Moto, startMoto } from './moto'
import { type OidcIssuer, startOidcIssuer } from './oidc-issuer'

/** What a credentials test talks to: moto's STS behind the fault proxy, and the OIDC token service. */
export interface StsBench {
  moto: Moto
  proxy: FaultProxy
  issuer: OidcIssuer
  stop(): Promise<void>
}

export async function startStsBench(): Promise<StsBench> {
  const [moto, issuer] = await Promise.all([startMoto(), startOidcIssuer()])
  const proxy = await startFaultProxy(moto.endpoint)
  return { moto, proxy, issuer, stop: async () => void (await Promise.all([proxy.stop(), issuer.stop(), moto.stop()])) }
}

/** The bench for a test file: started before its tests, stopped after them; its fields are set once beforeAll has run. */
export function useStsBench(): Omit<StsBench, 'stop'> {
  const bench = {} as StsBench
  beforeAll(async () => {
    Object.assign(bench, await startStsBench())
  })
  afterAll(() => bench.stop?.())
  return bench
}
