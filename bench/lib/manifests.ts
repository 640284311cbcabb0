import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Generated Kubernetes manifests and the schemas to check them with, for the
 * validation benchmark: many files of many documents of the common kinds,
 * all valid under strict validation, so both validators do the full work.
 */

export interface Kind {
  apiVersion: string
  kind: string
  /** The schema's file name in kubeconform's layout: kind, then group and version. */
  schema: string
  body(name: string, index: number): string
}

const labels = (name: string) => `app.kubernetes.io/name: ${name}\n    app.kubernetes.io/part-of: bench`

const podSpec = (name: string, indent: string) =>
  [
    'containers:',
    `  - name: ${name}`,
    '    image: registry.example/bench/app:1.0.0',
    '    ports:',
    '      - containerPort: 8080',
    '    resources:',
    '      requests: { cpu: 100m, memory: 128Mi }',
    '      limits: { memory: 256Mi }',
    '    env:',
    '      - name: MODE',
    '        value: bench',
  ]
    .map((line) => indent + line)
    .join('\n')

export const KINDS: Kind[] = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    schema: 'configmap-v1',
    body: (name, i) => `data:\n  index: "${i}"\n  settings.yaml: |\n    name: ${name}\n    retries: 3`,
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    schema: 'service-v1',
    body: (name) =>
      `spec:\n  selector:\n    app.kubernetes.io/name: ${name}\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080`,
  },
  { apiVersion: 'v1', kind: 'ServiceAccount', schema: 'serviceaccount-v1', body: () => 'automountServiceAccountToken: false' },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    schema: 'deployment-apps-v1',
    body: (name) =>
      `spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: ${name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: ${name}\n    spec:\n${podSpec(name, '      ')}`,
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    schema: 'statefulset-apps-v1',
    body: (name) =>
      `spec:\n  serviceName: ${name}\n  replicas: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: ${name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: ${name}\n    spec:\n${podSpec(name, '      ')}`,
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    schema: 'job-batch-v1',
    body: (name) => `spec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n${podSpec(name, '      ')}`,
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    schema: 'cronjob-batch-v1',
    body: (name) =>
      `spec:\n  schedule: "*/15 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n${podSpec(name, '          ')}`,
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    schema: 'ingress-networking-v1',
    body: (name) =>
      `spec:\n  rules:\n    - host: ${name}.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: ${name}\n                port:\n                  number: 80`,
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    schema: 'role-rbac-v1',
    body: () => 'rules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list, watch]',
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    schema: 'rolebinding-rbac-v1',
    body: (name) =>
      `roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: ${name}\nsubjects:\n  - kind: ServiceAccount\n    name: ${name}\n    namespace: bench`,
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    schema: 'poddisruptionbudget-policy-v1',
    body: (name) => `spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: ${name}`,
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    schema: 'horizontalpodautoscaler-autoscaling-v2',
    body: (name) =>
      `spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: ${name}\n  minReplicas: 2\n  maxReplicas: 6\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70`,
  },
]

export function manifest(kind: Kind, index: number): string {
  const name = `${kind.kind.toLowerCase()}-${index}`
  return `apiVersion: ${kind.apiVersion}\nkind: ${kind.kind}\nmetadata:\n  name: ${name}\n  namespace: bench\n  labels:\n    ${labels(name)}\n${kind.body(name, index)}\n`
}

/** The field strict validation rejects in every kind: what makes a generated resource invalid. */
export const INVALID_FIELD = 'unexpectedField'

/**
 * Writes `files` files of `perFile` documents each, in a few folders, cycling
 * through the kinds; returns the file paths. With `invalidEvery` n, every
 * n-th resource carries a field no schema has, so strict validation finds it
 * invalid and the validator must put it on its file and line.
 */
export async function writeManifests(root: string, files: number, perFile: number, invalidEvery = 0): Promise<string[]> {
  const paths: string[] = []
  let index = 0
  for (let file = 0; file < files; file++) {
    const dir = join(root, `team-${file % 10}`)
    await mkdir(dir, { recursive: true })
    const documents: string[] = []
    for (let doc = 0; doc < perFile; doc++, index++) {
      const text = manifest(KINDS[index % KINDS.length] as Kind, index)
      documents.push(invalidEvery > 0 && (index + 1) % invalidEvery === 0 ? `${text}${INVALID_FIELD}: true\n` : text)
    }
    const path = join(dir, `app-${file}.yaml`)
    await writeFile(path, documents.join('---\n'))
    paths.push(path)
  }
  return paths
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const SHARED = '/api/_definitions.json#/$defs/'
const LOCAL = '#/$defs/'

/**
 * kubernetes-validate's schemas refer to a shared `_definitions.json`; a
 * schema served on its own must carry what it refers to. This copies the
 * definitions a kind reaches, transitively, into the schema's own `$defs`:
 * the "standalone" form kubeconform's published schemas have.
 */
export function standalone(schema: Record<string, Json>, definitions: Record<string, Json>): Record<string, Json> {
  // Names in the order they were first met; relinking one may add more to the end.
  const wanted: string[] = []
  const relink = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(relink)
    if (node === null || typeof node !== 'object') return node
    const copy: Record<string, Json> = {}
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = value.startsWith(SHARED) ? value.slice(SHARED.length) : value.startsWith(LOCAL) ? value.slice(LOCAL.length) : undefined
        if (name === undefined) throw new Error(`unexpected $ref ${value}`)
        if (!(name in definitions)) throw new Error(`$ref to a definition that does not exist: ${name}`)
        if (!wanted.includes(name)) wanted.push(name)
        copy[key] = LOCAL + name
      } else {
        copy[key] = relink(value)
      }
    }
    return copy
  }
  const { $id: _id, ...root } = relink(schema) as Record<string, Json>
  const defs: Record<string, Json> = {}
  for (let index = 0; index < wanted.length; index++) {
    const name = wanted[index] as string
    defs[name] = relink(definitions[name] as Json)
  }
  return { ...root, $defs: defs }
}

/** Writes standalone schemas of `kinds` from a kubernetes-validate folder into `out` (same file names). */
export async function writeStandaloneSchemas(source: string, kinds: readonly Kind[], out: string): Promise<void> {
  const shared = JSON.parse(await readFile(join(source, '_definitions.json'), 'utf8')) as { $defs: Record<string, Json> }
  await mkdir(out, { recursive: true })
  for (const kind of kinds) {
    const schema = JSON.parse(await readFile(join(source, `${kind.schema}.json`), 'utf8')) as Record<string, Json>
    await writeFile(join(out, `${kind.schema}.json`), JSON.stringify(standalone(schema, shared.$defs)))
  }
}
