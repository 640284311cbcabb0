/**
 * What a runner hands a JavaScript action that its child processes (Terraform
 * and its providers, Helm, kubeconform, docker, buildah) must never inherit:
 * the OIDC request token, the runtime and cache tokens, and the job's token.
 * Distinct values, so a test can look for each one in what a tool saw.
 */
export const RUNNER_CREDENTIALS = {
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-5c1d',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example/idtoken?api-version=2.0',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-08e4',
  ACTIONS_RUNTIME_URL: 'https://pipelines.example/runtime/',
  ACTIONS_CACHE_URL: 'https://artifactcache.example/',
  ACTIONS_RESULTS_URL: 'https://results-receiver.example/',
  GITHUB_TOKEN: 'ghs_job_token_from_the_env_4567',
} as const
