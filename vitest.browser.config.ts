import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the console in a real browser (the system's Chromium, driven by
 * playwright-core). Kept out of `npm test`, which stays browser-free.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    allowOnly: !process.env.CI,
    // One browser at a time on a 2-core machine.
    fileParallelism: false,
  },
});
