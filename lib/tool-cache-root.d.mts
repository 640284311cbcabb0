/** See tool-cache-root.mjs: PIPELINE_ACTIONS_TOOL_CACHE, else RUNNER_TOOL_CACHE/pipeline-actions, else ~/.cache/pipeline-actions. */
export function toolCacheRoot(env?: NodeJS.ProcessEnv): string
