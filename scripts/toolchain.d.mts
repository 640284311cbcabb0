export declare const VERSIONS: Record<
  | 'node'
  | 'kubeconform'
  | 'helm'
  | 'helm4'
  | 'kustomize'
  | 'actionlint'
  | 'act'
  | 'buildx'
  | 'zizmor'
  | 'moto'
  | 'kubernetesValidate'
  | 'terraform'
  | 'checkov'
  | 'airflow'
  | 'airflowProvidersAmazon'
  | 'pytest'
  | 'kubernetes'
  | 'etcd'
  | 'kwok'
  | 'opentofu'
  | 'buildkit'
  | 'awsProvider',
  string
>
export declare const AWS_PROVIDER_SERVICES: string[]
export declare const GO_TOOLS: Record<'kubeconform' | 'helm' | 'helm4' | 'kustomize' | 'actionlint' | 'buildx', string>
export declare const MAIN_MODULE_TOOLS: Record<
  'tofu' | 'buildkitd' | 'awsProvider',
  { label: string; module: string; version: string; command: string; linkerFlags: string[]; background?: boolean; services?: string[] }
>
export declare const WHEEL_TOOLS: Record<string, { requirement: string; sha256: string; member: string }>
export declare const RELEASES: Record<
  string,
  { url: (platform: string) => string; member: (platform: string) => string | null; sha256: Record<string, string> }
>
export type Command = 'unit' | 'rehearsal' | 'bench' | 'test'
export declare const COMMANDS: Record<Command, string>
export interface Tool {
  label: string
  commands: Command[]
  kind: string
  release?: boolean
  minutes: number | null
  measured?: string
  packages?: string[]
  venv?: keyof ToolPaths
  constraints?: string
  requirements?: string
}
export declare const TOOLS: Record<string, Tool>
export declare function toolsFor(command: Command): [string, Tool][]
export declare const DEBIAN_PACKAGES: string[]
export declare const PYTHON_PACKAGES: string[]
export declare const CHECKOV_PACKAGES: string[]
export declare const AIRFLOW_PACKAGES: string[]
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string
export interface ToolPaths {
  root: string
  node: string
  kubeconform: string
  buildx: string
  helm: string
  helm4: string
  kustomize: string
  actionlint: string
  act: string
  venv: string
  python: string
  zizmor: string
  schemas: string
  checkovVenv: string
  checkov: string
  airflowVenv: string
  airflowPython: string
  busyboxImage: string
  kubeApiserver: string
  kubeControllerManager: string
  kubeScheduler: string
  etcd: string
  kwok: string
  tofu: string
  buildkitd: string
  awsProvider: string
  kwokStages: string
}
export declare function toolPaths(env?: NodeJS.ProcessEnv): ToolPaths
