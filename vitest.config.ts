import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser and server tests are heavy on a 2-core machine: run files two at a time.
    maxWorkers: 2,
    fileParallelism: true,
    pool: 'forks',
  },
});
