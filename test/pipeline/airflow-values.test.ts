import { readFileSync } from 'node:fs'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { run as runKubeconformValidate } from '../../actions/kubeconform-validate/src/main'
import { exec } from '../../lib/exec'
import { toolPaths } from '../../scripts/toolchain.mjs'
import { kubernetesSchemas, privateToolCache } from '../actions/kubeconform-validate/helpers'
import { runInProcess } from '../harness/in-process'
import { repoRoot } from '../harness/runner'

/**
 * What helm/airflow/values.yaml asks of the official Airflow chart (1.22) for least privilege, and that
 * terraform/ and images/ agree with it. The chart itself cannot be downloaded here (the rehearsal uses a
 * stand-in that renders only what the pipeline sets), so these read the values by the chart's own keys:
 * securityContexts.pod/containers for every Airflow pod, the per-component securityContexts of the
 * components that run their own images (statsd, PgBouncer and its exporter, git-sync), networkPolicies,
 * apiServer.networkPolicy.ingress.from, *.persistence.storageClassName, dags.gitSync.ref (v4) and .rev (v3).
 * CI renders the real chart with these values (ci.yml, smoke-kubeconform-validate).
 */

// biome-ignore lint/suspicious/noExplicitAny: the values are free-form YAML, checked key by key below.
const values: any = parse(readFileSync(join(repoRoot, 'helm/airflow/values.yaml'), 'utf8'))
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')

const HARDENED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
const NON_ROOT_POD = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }

describe('helm/airflow/values.yaml: pod and container security', () => {
  it('runs every Airflow pod as a non-root user under RuntimeDefault seccomp, dropping every capability', () => {
    expect(values.securityContexts.pod).toMatchObject({ ...NON_ROOT_POD, runAsUser: 50000 })
    expect(values.securityContexts.pod.runAsUser).not.toBe(0)
    expect(values.securityContexts.containers).toMatchObject(HARDENED_CONTAINER)
  })

  it.each([
    ['statsd', () => values.statsd.securityContexts, true],
    ['pgbouncer', () => values.pgbouncer.securityContexts, false],
  ])('%s, which the global contexts do not reach, has its own', (_name, contexts, readOnlyRoot) => {
    expect(contexts().pod).toMatchObject(NON_ROOT_POD)
    expect(contexts().pod.runAsUser).toBeGreaterThan(0)
    expect(contexts().container).toMatchObject(HARDENED_CONTAINER)
    expect(Boolean(contexts().container.readOnlyRootFilesystem)).toBe(readOnlyRoot)
  })

  it('hardens the PgBouncer exporter and git-sync containers too', () => {
    expect(values.pgbouncer.metricsExporterSidecar.securityContexts.container).toMatchObject({
      ...HARDENED_CONTAINER,
      readOnlyRootFilesystem: true,
    })
    expect(values.dags.gitSync.securityContexts.container).toMatchObject({ ...HARDENED_CONTAINER, ...NON_ROOT_POD })
  })

  it('hardens the database-user init container, which holds the master password for its run', () => {
    const container = values.migrateDatabaseJob.extraInitContainers.find((c: { name: string }) => c.name === 'database-user')
    expect(container.securityContext).toMatchObject({ ...HARDENED_CONTAINER, readOnlyRootFilesystem: true })
  })
})

describe('helm/airflow/values.yaml: network policies', () => {
  it("turns the chart's NetworkPolicies on, and terraform/ turns on the VPC CNI agent that enforces them", () => {
    expect(values.networkPolicies.enabled).toBe(true)
    expect(read('terraform/modules/eks/main.tf')).toMatch(/"vpc-cni"\s*=\s*\{\s*enableNetworkPolicy\s*=\s*"true"\s*\}/)
  })

  it('admits the release pods and the VPC (the load balancer, through the nodes) to the API server, nothing wider', () => {
    const from = values.apiServer.networkPolicy.ingress.from as Record<string, unknown>[]
    // An empty list would make the chart's API server policy admit nobody, the UI included.
    expect(from.length).toBeGreaterThan(0)
    expect(from).toContainEqual({ podSelector: { matchLabels: { tier: 'airflow' } } })
    const blocks = from.flatMap((peer) => (peer.ipBlock ? [(peer.ipBlock as { cidr: string }).cidr] : []))
    const vpc = read('terraform/modules/network/variables.tf').match(/variable "cidr_block"[^}]*default\s*=\s*"([^"]+)"/)?.[1]
    expect(blocks).toEqual([vpc])
    for (const cidr of blocks) expect(Number(cidr.split('/')[1])).toBeGreaterThanOrEqual(8)
  })
})

describe('helm/airflow/values.yaml: volumes', () => {
  const storageClass = parse(read('helm/airflow/storage-class.yaml'))

  it("names, for every volume it creates, the preset's StorageClass, which the preset deploys before the chart", () => {
    const persistent = Object.entries(values).filter(
      // biome-ignore lint/suspicious/noExplicitAny: see values
      ([, section]: [string, any]) => section?.persistence && section.persistence.enabled !== false,
    )
    // The chart turns the triggerer's log volume on unless told otherwise; the other volumes are off here.
    expect(persistent.map(([name]) => name)).toEqual(['triggerer'])
    // biome-ignore lint/suspicious/noExplicitAny: see values
    for (const [, section] of persistent as [string, any][]) expect(section.persistence.storageClassName).toBe(storageClass.metadata.name)
    expect(read('.github/scripts/deploy_list.py')).toContain('".pipeline-actions/helm/airflow/storage-class.yaml"')
    // Other workloads' claims without a class still bind: the EBS CSI add-on's default class stays on.
    expect(read('terraform/modules/eks/main.tf')).toMatch(/defaultStorageClass = \{ enabled = true \}/)
  })

  it("encrypts those volumes with the environment's own KMS key, from its Terraform output", () => {
    expect(storageClass).toMatchObject({
      kind: 'StorageClass',
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', kmsKeyId: '((terraform.volume_kms_key_arn))' },
      volumeBindingMode: 'WaitForFirstConsumer',
    })
    expect(read('terraform/envs/dev/outputs.tf')).toMatch(/output "volume_kms_key_arn"[^}]*value\s*=\s*module\.eks\.volume_kms_key_arn/)
    expect(read('terraform/modules/eks/outputs.tf')).toMatch(/output "volume_kms_key_arn"[^}]*value\s*=\s*aws_kms_key\.volumes\.arn/)
    // The rehearsal's stand-in root has every output the preset reads.
    expect(read('terraform/rehearsal/main.tf')).toMatch(/output "volume_kms_key_arn"/)
  })

  it('renders, as validate.yml does, into a StorageClass that kubeconform accepts against the strict schemas', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'pa-storage-'))
    try {
      await symlink(repoRoot, join(workspace, '.pipeline-actions'), 'dir')
      const output = join(workspace, 'output')
      const render = await exec(toolPaths().python, [join(repoRoot, '.github/scripts/render_deployments.py')], {
        cwd: workspace,
        env: { PATH: process.env.PATH ?? '', DEPLOYMENTS: '- preset: airflow\n', GITHUB_OUTPUT: output },
        silent: true,
      })
      expect(render.exitCode, render.stdout + render.stderr).toBe(0)
      const rendered = readFileSync(output, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith('.yaml'))
      expect(rendered).toHaveLength(1)
      const file = join(workspace, rendered[0] as string)
      expect(parse(readFileSync(file, 'utf8')).parameters.kmsKeyId).toBe('terraform-output-volume_kms_key_arn')
      // Through kubeconform-validate, as validate.yml runs it, against the offline Kubernetes schemas (strict).
      const validated = await runInProcess(() => runKubeconformValidate({ env: process.env }), {
        inputs: { paths: rendered[0] as string, 'schema-dir': kubernetesSchemas, 'schema-locations': '/nowhere/{{ .ResourceKind }}.json' },
        env: { GITHUB_WORKSPACE: workspace, PIPELINE_ACTIONS_TOOL_CACHE: await privateToolCache() },
      })
      expect(validated.exitCode, validated.summary).toBe(0)
      expect(validated.outputs).toMatchObject({ valid: '1', invalid: '0', errors: '0', skipped: '0' })
    } finally {
      await rm(workspace, { recursive: true, force: true })
    }
  })
})

describe('helm/airflow/values.yaml: what git-sync deploys', () => {
  it('checks out one commit the pipeline names, never a branch head, with a placeholder that fails closed', () => {
    const gitSync = values.dags.gitSync
    // git-sync v4 reads ref, v3 reads rev: both the same, neither a moving name.
    expect(gitSync.ref).toBe(gitSync.rev)
    expect(gitSync.ref).not.toMatch(/^(HEAD|main|master)$/)
    expect(gitSync.ref).not.toBe(gitSync.branch)
    expect(gitSync.ref).toBe('pipeline-must-set-the-dag-commit')
  })
})

describe('images/airflow/Dockerfile', () => {
  it.each(['images/airflow/Dockerfile', 'examples/airflow-data-lake/Dockerfile'])(
    '%s starts from the Airflow version the chart runs, pinned by digest',
    (path) => {
      const base = read(path).match(/^(?:ARG BASE_IMAGE=|FROM )(apache\/airflow:\S+)$/m)?.[1]
      expect(base).toMatch(/^apache\/airflow:[^@]+@sha256:[0-9a-f]{64}$/)
      expect(base?.split(':')[1]?.split('-')[0]).toBe(values.airflowVersion)
      expect(values.defaultAirflowTag).toBe(values.airflowVersion)
    },
  )
})
