import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Focused tests must never land: `.only` fails the run in CI.
    allowOnly: !process.env.CI,
    restoreMocks: true,
  },
});
