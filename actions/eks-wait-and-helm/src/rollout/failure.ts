import { UserError } from '../../../../lib/errors'
import { markdownTable } from '../../../../lib/summary'
import type { RolloutProblem } from './watch'

/** A waited-on deploy that failed, with what kept its workloads from becoming ready: for the error and the job summary. */
export class RolloutError extends UserError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly release: { name: string; namespace: string },
    readonly problems: RolloutProblem[],
  ) {
    super(message, hint)
  }
}

export function rolloutMarkdown(error: RolloutError): string {
  return [
    `### Rollout of release \`${error.release.name}\` failed (namespace \`${error.release.namespace}\`)`,
    markdownTable(
      ['workload', 'pod', 'reason', 'last events'],
      error.problems.map((problem) => [problem.workload, problem.pod ?? '', problem.reason, problem.events.join('\n')]),
    ),
    '',
  ].join('\n\n')
}
