import { defineConfig } from 'vitest/config';

/** Files that must run in a child process: CDK's local bundling hands process.stderr to spawnSync. */
const NEEDS_A_PROCESS = ['test/infra/bundling.test.ts'];

/**
 * Files that need a worker of their own: the heap sampler's test measures the worker's heap,
 * which the files before it in a shared worker would have left garbage and caches in.
 */
const NEEDS_ITS_OWN_WORKER = ['test/bench/heap.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Focused tests must never land: `.only` fails the run in CI.
    allowOnly: !process.env.CI,
    restoreMocks: true,
    // Vitest leaves one core free by default, which on a 2-core machine (this one, and CI's)
    // runs every file in one worker: two workers take the suite from ~70 s to ~47 s here.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          // Worker threads, each running file after file (isolate: false): a file still gets
          // its own source modules and environment (test/support/setup.ts resets both after
          // it), but the packages it loaded stay loaded for the next one. A fresh worker per
          // file loaded aws-cdk-lib, the SDK clients, dynalite and the engine again each time:
          // about 60 s of the suite's 150 s of CPU.
          name: 'threads',
          include: ['test/**/*.test.ts'],
          exclude: [...NEEDS_A_PROCESS, ...NEEDS_ITS_OWN_WORKER],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'isolated', include: NEEDS_ITS_OWN_WORKER, pool: 'threads' },
      },
      { extends: true, test: { name: 'forks', include: NEEDS_A_PROCESS, pool: 'forks' } },
    ],
  },
});
