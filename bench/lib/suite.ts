import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SuiteResult } from './results'

export const repoRoot = new URL('../..', import.meta.url).pathname

export const ACTIONS = ['oidc-auth', 'tf-apply-toggle', 'ecr-build-push', 'eks-wait-and-helm', 'kubeconform-validate'] as const
export type ActionName = (typeof ACTIONS)[number]

export interface BenchContext {
  /** Iterations for quick measurements (odd, so the median is a real sample). */
  runs: number
  /** Iterations for measurements that take tens of seconds each. */
  slowRuns: number
  log(message: string): void
}

export interface Suite {
  id: string
  title: string
  run(context: BenchContext): Promise<SuiteResult>
}

/** The foundation's placeholder of every action says this; a merged action no longer does. */
const PLACEHOLDER = 'its real work is not built yet'

/** True once the action's real implementation (source and committed bundle) is on this branch. */
export function actionMerged(action: ActionName): boolean {
  const main = readFileSync(join(repoRoot, 'actions', action, 'src', 'main.ts'), 'utf8')
  const bundle = readFileSync(join(repoRoot, 'actions', action, 'dist', 'index.js'), 'utf8')
  return !main.includes(PLACEHOLDER) && !bundle.includes(PLACEHOLDER)
}

export const NOT_MERGED = 'action not merged'
