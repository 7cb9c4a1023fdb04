import { createHash } from 'node:crypto';
import { InvalidInput } from '../errors';
import { parseOptions } from '../run-config';
import { describeSource } from '../sources/catalog';
import { describe, executionInputObject, integerInRange, isRecord, rejectUnknownKeys } from '../validate';
import type { IfBusy, SyncMode } from './options';

/** The `source` of an all-jobs sync's input. */
export const ALL_JOBS_SOURCE = 'glue.allJobs';
/** The source each job's child run drains (sources/glue-get-job-runs.json). */
export const GLUE_JOB_RUNS_SOURCE = 'glue.getJobRuns';
/** The lease an all-jobs sync holds: one such sync per table at a time. */
export const ALL_JOBS_COLLECTION = 'glue.allJobs';
/** Map concurrency: children syncing at once. Glue's GetJobRuns quota is shared by them all. */
export const MAX_CONCURRENCY = { min: 1, max: 40, default: 4 } as const;
/**
 * Job names per ListJobs page (ListJobs allows 1..1000): a page of names stays far below
 * 256 KiB of state.
 */
export const JOBS_PER_PAGE = { min: 1, max: 1000, default: 100 } as const;
/**
 * Pages of jobs per execution before the sync continues as a new one. About 17 history events
 * per job: 10 pages of 100 jobs stay well under Step Functions' 25,000 events.
 */
export const JOB_PAGES_PER_EXECUTION = { min: 1, max: 100, default: 10 } as const;
/** Options of the sync itself; every other option is passed on to each job's run. */
const SYNC_OWN_OPTIONS = ['maxConcurrency', 'jobsPerPage', 'jobPagesPerExecution'];

/** What every state of the all-jobs machine carries about the sync: small and constant. */
export interface SyncConfig {
  /** The execution name of the all-jobs sync, which is also its run id. */
  readonly runId: string;
  readonly collection: string;
  readonly options: {
    readonly sync: SyncMode;
    readonly maxConcurrency: number;
    readonly ifBusy: IfBusy;
    readonly jobsPerPage: number;
    readonly jobPagesPerExecution: number;
  };
  /** The options each child run gets: everything given except maxConcurrency, validated here. */
  readonly childOptions: Record<string, unknown>;
}

/**
 * Validates the input of an all-jobs sync, `{"source": "glue.allJobs", "params": {}, "options":
 * {"sync", "maxConcurrency", "ifBusy", and any run option for the children}}`. Child options are
 * checked as each child's Start run will check them, so a bad one fails here, before any child.
 */
export function parseAllJobsInput(input: unknown, executionName: string): SyncConfig {
  if (!isRecord(input)) {
    throw new InvalidInput(
      `the execution input must be a JSON object like {"source": "glue.allJobs", "params": {}, "options": {"sync": "incremental"}}; got ${describe(input)}`,
    );
  }
  const { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: _startedBy, ...fields } = input;
  rejectUnknownKeys(fields, ['source', 'params', 'options'], '');
  if (fields.source !== ALL_JOBS_SOURCE) {
    throw new InvalidInput(
      `source must be ${ALL_JOBS_SOURCE} for this state machine (single jobs go to the pagewalk state machine); got ${describe(fields.source)}`,
    );
  }
  const params = fields.params ?? {};
  if (!isRecord(params) || Object.keys(params).length > 0) {
    throw new InvalidInput(
      `params must be {} for ${ALL_JOBS_SOURCE}: the jobs are every job listed (or the deployed glueJobNames); got ${describe(fields.params)}`,
    );
  }
  const options = fields.options ?? {};
  if (!isRecord(options)) throw new InvalidInput(`options must be an object; got ${describe(options)}`);
  const childOptions = Object.fromEntries(
    Object.entries(options).filter(([k]) => !SYNC_OWN_OPTIONS.includes(k)),
  );
  const child = parseOptions(childOptions, describeSource(GLUE_JOB_RUNS_SOURCE));
  const own = (name: string, bounds: { min: number; max: number; default: number }) =>
    options[name] === undefined
      ? bounds.default
      : integerInRange(options[name], `options.${name}`, bounds.min, bounds.max);
  return {
    runId: executionName,
    collection: ALL_JOBS_COLLECTION,
    options: {
      sync: child.sync,
      maxConcurrency: own('maxConcurrency', MAX_CONCURRENCY),
      ifBusy: child.ifBusy,
      jobsPerPage: own('jobsPerPage', JOBS_PER_PAGE),
      jobPagesPerExecution: own('jobPagesPerExecution', JOB_PAGES_PER_EXECUTION),
    },
    childOptions,
  };
}

/**
 * The sync an all-jobs execution works for, read from its input (a JSON string, or parsed):
 * the execution's own name for a new sync, `continue.runId` for a continued one. Undefined for
 * any other input (a pagewalk run's, or text that is not JSON).
 */
export function syncRunIdOfExecution(input: unknown, executionName: string): string | undefined {
  const parsed = executionInputObject(input);
  if (!parsed) return undefined;
  if (parsed.source === ALL_JOBS_SOURCE) return executionName;
  const c = parsed.continue;
  return isRecord(c) && typeof c.runId === 'string' && isRecord(c.jobs) ? c.runId : undefined;
}

/** Characters Step Functions allows in execution names, of those a Glue job name may hold. */
const NAME_SAFE = /[^A-Za-z0-9_-]/g;

/**
 * The name of the child execution (and so the run id) that syncs `jobName` for the sync
 * `runId`: deterministic, so a retried start finds its own child, and valid (at most 80 of
 * `A-Z a-z 0-9 - _`) whatever the job is called; the hash keeps two jobs whose names clean
 * up alike apart.
 */
/** The name of the execution that continues the sync `runId` after `page` pages of jobs. */
export function continuedSyncName(runId: string, page: number): string {
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `${runId.slice(0, 60)}-${hash}-j${page}`;
}

export function childExecutionName(runId: string, jobName: string): string {
  const hash = createHash('sha256').update(`${runId}\u0000${jobName}`).digest('hex').slice(0, 8);
  const parent = runId.replace(NAME_SAFE, '_').slice(0, 36);
  const job = jobName.replace(NAME_SAFE, '_').slice(0, 30);
  return `${parent}-${job}-${hash}`;
}
