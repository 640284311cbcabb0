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
  it("runs the example repositories' workflows through act: create, rerun, PR checks, refused and real destroys, twice", async () => {
    const { code, output } = await rehearse()
    expect(code, output.slice(-6000)).toBe(0)
    const passed = output
      .split('\n')
      .filter((line) => line.includes('✔ '))
      .map((line) => line.slice(line.indexOf('✔ ') + 2))
    // One line per numbered item of the workflows issue, each checked against what the bench holds.
    for (const expected of [
      "create: Terraform created the environment in the workflow's region eu-west-1",
      'create: eks_public_access_cidrs=["…"] reached Terraform as a list',
      'create: the cluster appeared while the deploy job was already waiting, and the same run deployed',
      'create: airflow-scheduler runs the built image by digest, every replica Ready',
      'create: task pods run the tag that was pushed',
      "create: git-sync reads the private DAG repository's token from the Secret created before the chart",
      'create: git-sync checks out the commit the run deploys',
      'create again (nothing changed): the image was skipped (that commit is already pushed)',
      'create again (nothing changed): Terraform found nothing to change',
      'create with a list variable given a bare value: one line names it',
      'create with a state bucket that does not exist: the state is untouched',
      "pull-request checks: the plan waited for the running create's state lock, then planned",
      'outside contributor: no plan runs their Terraform with AWS credentials',
      'destroy with a wrong confirmation: refused by check-inputs',
      'destroy with a wrong confirmation: nothing was uninstalled',
      'destroy: Terraform destroyed every resource',
      'create (second cycle): the workflow succeeds',
      'destroy (second cycle, the cluster FAILED): job destroy succeeds',
      'streaming: create (the toggle checked): the api and spark images are built by two parallel legs of the image job',
      'streaming: create (the toggle checked): the build secret appears nowhere in the log',
      'streaming: create (the toggle checked): the api (local chart) runs the built api image by digest, Ready',
      'streaming: create (the toggle checked): the Spark manifest runs the built spark image by digest, with the Terraform output filled in',
      'streaming: create (the toggle checked): the plain manifests were applied server-side, labelled with their entry',
      'streaming: create again (nothing changed): image api was skipped',
      'streaming: pull-request checks: the 12 resources of the list',
      'streaming: destroy: the Spark manifest (deleted by its label) is gone',
      'streaming: destroy: Terraform destroyed every resource',
      'ml-platform: create: the Airflow preset runs the built ml/airflow image by digest',
      "ml-platform: create: MLflow stores its artifacts in MinIO's bucket",
      "ml-platform: create: Grafana's dashboard was provisioned from the values file",
      'ml-platform: create again (nothing changed): Terraform found nothing to change',
      'ml-platform: pull-request checks: Terraform, the Airflow chart and the rest of the list, the DAGs and the workflows',
      'ml-platform: destroy: Terraform destroyed every resource',
      "checks-only: the overlay's three resources (Deployment, Service, HPA) are valid",
    ]) {
      expect(
        passed.some((line) => line.startsWith(expected)),
        `${expected}\n${output.slice(-4000)}`,
      ).toBe(true)
    }
    expect(output).toMatch(/\d+ checks passed/)
  }, 1_800_000)
})
