import type { RunConfig, RunOptions } from '../../functions/lib/run-config';

/** The options a run gets when its input gives none, for a source whose largest page is 200. */
export const DEFAULT_OPTIONS: RunOptions = {
  pageSize: 200,
  pollIntervalSeconds: 60,
  maxPolls: 10,
  maxRestarts: 3,
  iterationsPerExecution: 1000,
  pagesPerInvocation: 250,
  invocationBudgetSeconds: 5,
  maxPages: null,
  maxItems: null,
  deadline: null,
  sync: 'full',
  ifBusy: 'fail',
};

/** The run a new execution named `run-1` starts for the Glue job `nightly-etl`, with `changes`. */
export function glueRun(changes: Partial<RunConfig> = {}): RunConfig {
  return {
    runId: 'run-1',
    source: 'glue.getJobRuns',
    params: { JobName: 'nightly-etl' },
    collection: 'glue.getJobRuns#nightly-etl',
    options: DEFAULT_OPTIONS,
    segment: 1,
    nextExecutionName: 'run-1-s2',
    since: { fetches: 0, written: 0, restarts: 0 },
    ...changes,
  };
}
