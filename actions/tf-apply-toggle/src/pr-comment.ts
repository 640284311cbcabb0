import { hiddenMarker } from '../../../lib/pr-comment'

export {
  ACTIONS_BOT,
  type CommentResult,
  commentOnPullRequest,
  type IssueComments,
  isOwnComment,
  octokitComments,
  type PullRequest,
  pullRequestOf,
  tokenIdentity,
  upsertComment,
} from '../../../lib/pr-comment'

/**
 * The hidden first line that identifies this action's comment for one
 * working directory and workspace, so a rerun edits it instead of adding one.
 */
export function commentMarker(directory: string, workspace: string): string {
  return hiddenMarker('tf-apply-toggle', { directory, workspace })
}
