import type { Clock } from '../../../../lib/clock'
import type { Exec } from '../../../../lib/exec'
import type { Provenance } from '../inputs'

export interface BuildRequest {
  context: string
  file?: string
  target?: string
  buildArgs: ReadonlyMap<string, string>
  labels: ReadonlyMap<string, string>
  platforms: readonly string[]
  /** Full image references, the commit's tag first. */
  references: readonly string[]
  /** The registry cache: a repository reference without a tag (host/name). */
  cacheRepository?: string
  /** The Docker config folder holding the registry login; absent for a build that pushes nothing (the user's own config). */
  dockerConfigDir?: string
  /** Its config.json, which buildah reads as an auth file. */
  authFile?: string
  /** Build secret id → the private file holding its value (build-secrets.ts). */
  secretFiles: ReadonlyMap<string, string>
  /** False: build only, push nothing (pull-request checks); the references stay local names. */
  push: boolean
  /** The registry endpoint is plain HTTP (only when the registry input said http://). */
  insecure: boolean
  tempDir: string
  /** Supply-chain attestations, which only BuildKit (buildx) makes; they turn the pushed image into an index. */
  attestations: { provenance: Provenance; sbom: boolean }
}

export interface BuildResult {
  /** The digest the builder reported for the commit's tag, when it reports one. */
  digest?: string
}

export interface BuilderDeps {
  exec: Exec
  clock: Clock
  random?: () => number
  env: NodeJS.ProcessEnv
}

export interface Builder {
  /** How the summary and log name it: "docker buildx", "docker (classic builder)", "buildah". */
  readonly description: string
  buildAndPush(request: BuildRequest): Promise<BuildResult>
}
