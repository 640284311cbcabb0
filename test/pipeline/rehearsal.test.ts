import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../harness/runner'

/**
 * `npm run rehearsal` is the main job of this repository; this keeps it green.
 * It runs as its own process on this Node, as the README's command runs it on
 * the pinned one (after setup, which `npm test` has already done), and its
 * table is checked step by step.
 */
function rehearse(): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/rehearsal.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

describe('npm run rehearsal', () => {
  it('creates, builds, waits for the cluster, deploys, validates and destroys in one run', async () => {
    const { code, output } = await rehearse()
    expect(code, output).toBe(0)
    const table = output.slice(output.lastIndexOf('\nstep '))
    const row = (step: string) => table.split('\n').find((line) => line.startsWith(`${step}  `)) ?? `(no row for ${step})`
    expect(row('oidc-auth')).toMatch(/assumed arn:aws:sts::123456789012:assumed-role\/datapipe-rehearsal-deployer\//)
    expect(row('tf-apply-toggle create')).toMatch(/\+\d+ ~0 -0, cluster datapipe-rehearsal$/)
    expect(row('ecr-build-push')).toMatch(
      /built with buildx and pushed 127\.0\.0\.1:\d+\/datapipe\/airflow@sha256:[0-9a-f]{64}, cache in datapipe\/airflow-build-cache$/,
    )
    const image = /pushed (\S+),/.exec(row('ecr-build-push'))?.[1]
    expect(row('eks-wait-and-helm deploy')).toContain(`release airflow revision 1 deployed, 2 pods Ready running ${image}`)
    expect(row('kubeconform-validate')).toMatch(/\d+ valid, 0 invalid, 0 errors$/)
    expect(row('ecr-build-push rerun (nothing changed)')).toMatch(/skipped/)
    expect(row('eks-wait-and-helm uninstall')).toMatch(/release airflow uninstalled, its Deployment gone$/)
    expect(row('tf-apply-toggle destroy (unconfirmed: refused)')).toMatch(/refused, nothing destroyed$/)
    expect(row('tf-apply-toggle destroy')).toMatch(/-\d+ destroyed$/)
    // The cluster appeared while the step was waiting, in the same run.
    expect(output).toMatch(/the cluster datapipe-rehearsal now exists in moto[\s\S]*✔ eks-wait-and-helm deploy/)
  }, 600_000)
})
