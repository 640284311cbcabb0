import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'dags/**/*.test.ts'],
    // Integration tests start real services (moto, dockerd, terraform); two cores, so two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
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
