import { defineConfig } from 'vitest/config';

/** Files that must run in a child process: CDK's local bundling hands process.stderr to spawnSync. */
const NEEDS_A_PROCESS = ['test/infra/bundling.test.ts'];

/**
 * Files that set no process-wide state (no endpoint variables, no mocked clients, no handler
 * modules reading the environment at import, no fake timers): they share their workers' modules
 * instead of each loading its own. A new file runs isolated until it is listed here. aws-cdk-lib alone takes about 2 s of CPU to load; shared, the CDK assertion
 * files cost 23 s of CPU instead of 54 s.
 */
const SHARE_MODULES = [
  'test/infra/**/*.test.ts',
  'test/sandbox/**/*.test.ts',
  // Pure functions, definitions and schemas, the CLI's rendering, spawned processes: together
  // about 3 s of CPU less than each in a worker of its own.
  'test/bench/bench.test.ts',
  'test/cli/progress.test.ts',
  'test/functions/definitions-generated.test.ts',
  'test/functions/errors.test.ts',
  'test/functions/pacing.test.ts',
  'test/local-sfn/data-lock.test.ts',
  'test/local-sfn/execution-input-schema.test.ts',
  'test/local-sfn/history.test.ts',
  'test/local-sfn/validated.test.ts',
  'test/statemachine/definition.test.ts',
  'test/store/dynalite-iterators.test.ts',
  'test/sync/all-jobs-definition.test.ts',
  'test/sync/all-jobs-readme.test.ts',
  'test/sync/decide.test.ts',
  'test/sync/npm-start-all-jobs.test.ts',
  'test/sync/options.test.ts',
];

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
    // Worker threads start and load faster than child processes (about a tenth less CPU for the
    // whole suite on this 2-core machine); each test file still gets its own modules and env.
    projects: [
      {
        extends: true,
        test: {
          name: 'threads',
          include: ['test/**/*.test.ts'],
          exclude: [...NEEDS_A_PROCESS, ...SHARE_MODULES],
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'shared',
          include: SHARE_MODULES,
          exclude: NEEDS_A_PROCESS,
          pool: 'threads',
          isolate: false,
        },
      },
      { extends: true, test: { name: 'forks', include: NEEDS_A_PROCESS, pool: 'forks' } },
    ],
  },
});
