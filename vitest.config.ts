import { defineConfig } from 'vitest/config'

const ALL_TESTS = ['test/**/*.test.ts', 'dags/**/*.test.ts']

// The unit project: test files that need nothing but node modules (no moto, Docker, Terraform, Helm,
// kubeconform, control plane, Python or the pinned Node 24), so `npm run unit` passes on a fresh clone
// in seconds. `npm run unit` runs it with an empty tool cache, so a file listed here that reaches for a
// cached tool fails on every machine, not only on a new one. A new test file lands in the bench project
// unless it is listed here: a tool-free test run with the tools is only slower, never wrong.
export const UNIT_TESTS = [
  'test/lib/**/*.test.ts',
  'test/harness/commands.test.ts',
  'test/scripts/**/*.test.ts',
  'test/actions/ecr-build-push/{builders,login,plan,registry-api,run}.test.ts',
  'test/actions/eks-wait-and-helm/{diff,rollout-diagnose,helm-args,helm-cli,helm-deploy,helm-install,main,manifests,readiness,token,wait-cluster,wait-nodegroups,warning-events}.test.ts',
  'test/actions/kubeconform-validate/{crd,pointer,template-line,discover,glob,http,inputs,match,reports,template}.test.ts',
  'test/actions/oidc-auth/{failures,inputs,refresher,run}.test.ts',
  'test/actions/tf-apply-toggle/{modules,run}.test.ts',
]

export default defineConfig({
  test: {
    // Integration tests start real services (moto, dockerd, terraform); two cores, so two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT_TESTS } },
      // Everything else: the tests that start the local bench's programs or run the committed bundles on Node 24.
      { extends: true, test: { name: 'bench', include: ALL_TESTS, exclude: UNIT_TESTS } },
    ],
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts', 'actions/*/src/**/*.ts'],
      // Entry files only call run(); their behaviour is covered through the bundles.
      exclude: ['actions/*/src/index.ts', 'actions/*/src/post.ts', 'actions/*/src/bin/**'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 },
    },
  },
})
