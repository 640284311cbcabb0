import { execFileSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../harness/runner'

/** The pipeline-actions reference every example's workflows use, mapped by act to this working tree. */
export const PIPELINE_ACTIONS_REF = 'your-org/pipeline-actions@v1'
/** What job.workflow_repository stands for in pipeline.yml's checkout where act leaves it empty. */
export const UNAVAILABLE_WORKFLOW_REPOSITORY = 'job-workflow-repository-unavailable/pipeline-actions'

export interface Consumer {
  dir: string
  /** owner/name, as GITHUB_REPOSITORY and the OIDC token name it. */
  repository: string
}

/**
 * A consumer repository made from `examples/<name>` as a team would set it up: the example's files as
 * they are, and, for an example that deploys Airflow (`airflow` given), the sample DAGs and two
 * STAND-INS for what cannot be had on the bench:
 * - `Dockerfile`: the same two layers on the bench's base image (the official Airflow image cannot be pulled);
 * - `terraform/envs/dev`: `terraform/rehearsal`, the same outputs from built-in resources only (no provider
 *   can be downloaded here, and moto cannot hold EKS add-ons or Redshift Serverless).
 * It is a git repository whose origin is on github.com, as act derives GITHUB_REPOSITORY from it.
 */
export interface ConsumerOptions {
  airflow?: { baseImage: string }
  /**
   * STAND-INS for an example that builds its own images and creates its environment: each Dockerfile
   * replaced by one on the bench's base image (the examples' base images cannot be pulled), and its
   * terraform/envs/dev by terraform/rehearsal (its modules come by git source and its providers cannot be
   * downloaded; the stand-in has the outputs the pipeline and the deployments read).
   */
  images?: { baseImage: string; dockerfiles: Record<string, string> }
}

export async function makeConsumer(example: string, options: ConsumerOptions = {}): Promise<Consumer> {
  const dir = await mkdtemp(join(tmpdir(), `consumer-${example}-`))
  await cp(join(repoRoot, 'examples', example), dir, { recursive: true })
  if (options.images) {
    for (const [path, body] of Object.entries(options.images.dockerfiles)) {
      await writeFile(
        join(dir, path),
        `# STAND-IN for the example's ${path}: the bench cannot pull its base image.\nFROM ${options.images.baseImage}\n${body}`,
      )
    }
    await rm(join(dir, 'terraform', 'envs', 'dev'), { recursive: true, force: true })
    await cp(join(repoRoot, 'terraform', 'rehearsal'), join(dir, 'terraform', 'envs', 'dev'), { recursive: true })
  }
  if (options.airflow) {
    await cp(join(repoRoot, 'dags'), join(dir, 'dags'), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__'),
    })
    await writeFile(
      join(dir, 'Dockerfile'),
      `# STAND-IN for the example's Dockerfile: the bench cannot pull apache/airflow.\nFROM ${options.airflow.baseImage}\nCOPY dags/ /opt/airflow/dags/\n`,
    )
    await rm(join(dir, 'terraform', 'envs', 'dev'), { recursive: true, force: true })
    await mkdir(join(dir, 'terraform', 'envs'), { recursive: true })
    await cp(join(repoRoot, 'terraform', 'rehearsal'), join(dir, 'terraform', 'envs', 'dev'), { recursive: true })
  }
  await writeFile(join(dir, '.gitignore'), '.terraform/\n*.tfstate\n')
  const repository = `example-org/${example}`
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@example.invalid',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@example.invalid',
      },
    })
  git('init', '--quiet', '--initial-branch=main')
  git('remote', 'add', 'origin', `https://github.com/${repository}.git`)
  git('add', '--all')
  git('commit', '--quiet', '--message', `${example}, as a consumer repository`)
  return { dir, repository }
}
