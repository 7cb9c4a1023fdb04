import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that must run in a child process: CDK's local bundling hands process.stderr to spawnSync. */
const NEEDS_A_PROCESS = ['test/infra/bundling.test.ts'];

/**
 * Files that need a worker of their own: the heap sampler's test measures the worker's heap,
 * which the files before it in a shared worker would have left garbage and caches in.
 */
const NEEDS_ITS_OWN_WORKER = ['test/bench/heap.test.ts'];

/**
 * Files whose time goes mostly to waiting (on the `npm start` processes they spawn, or on the
 * real clock): they start first, so the other worker fills their waits. Vitest would order
 * them by their last duration, but only once it has one: a fresh clone orders by file size.
 */
const START_FIRST = [
  'test/local-sfn/npm-start.test.ts',
  'test/sync/npm-start-all-jobs.test.ts',
  'test/statemachine/pacing.test.ts',
];

/** Vitest's order (project by project, longest first), with START_FIRST at the head of its project. */
class WaitingFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = START_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? START_FIRST.length : index;
    };
    const projects = [...new Set(sorted.map((file) => file.project.name))];
    return projects.flatMap((name) =>
      sorted.filter((file) => file.project.name === name).sort((a, b) => rank(a) - rank(b)),
    );
  }
}

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Focused tests must never land: `.only` fails the run in CI.
    allowOnly: !process.env.CI,
    restoreMocks: true,
    sequence: { sequencer: WaitingFirst },
    // Vitest leaves one core free by default, which on a 2-core machine (this one, and CI's)
    // runs every file in one worker; two take the suite to about 48 s here. Three fill the
    // pacing tests' waits (about 44 s on a quiet machine) but load each core more, and the
    // tests that time Lambda timeouts on the real clock need the headroom.
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
