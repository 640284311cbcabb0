// The one rule for where pinned tools are kept, shared by the actions (lib/tools.ts)
// and the setup scripts (scripts/toolchain.mjs), so what the setup installs is what
// an action finds: PIPELINE_ACTIONS_TOOL_CACHE; else, on a runner, its tool cache
// (RUNNER_TOOL_CACHE/pipeline-actions); else one per-user folder,
// ~/.cache/pipeline-actions. Plain JavaScript so the scripts can import it unbuilt.
import { homedir } from 'node:os'
import { join } from 'node:path'

export function toolCacheRoot(env = process.env) {
  if (env.PIPELINE_ACTIONS_TOOL_CACHE) return env.PIPELINE_ACTIONS_TOOL_CACHE
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'pipeline-actions')
  return join(homedir(), '.cache', 'pipeline-actions')
}
