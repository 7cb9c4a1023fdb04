/**
 * The job runs the sandbox Glue endpoint serves: synthesised on demand from
 * `sha256(job#index)`, so every run is identical across restarts, and a run's state can be
 * overridden (a RUNNING run that later finishes).
 */
import { sha256 } from './common';

/** StartedOn of run 0 of every job: 2024-01-01T00:00:00Z, in epoch seconds. Runs are an hour apart. */
export const BASE_EPOCH_SECONDS = 1_704_067_200;
const RUN_INTERVAL_SECONDS = 3600;

/** Glue's JobRunState values (API reference). */
export const JOB_RUN_STATES = new Set([
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'SUCCEEDED',
  'FAILED',
  'TIMEOUT',
  'ERROR',
  'WAITING',
  'EXPIRED',
]);
const UNFINISHED_STATES = new Set(['STARTING', 'RUNNING', 'STOPPING', 'WAITING']);

/** A run as it reports `state`: an unfinished run has no CompletedOn or ErrorMessage yet. */
export function withState(run: WireJobRun, state: string): WireJobRun {
  const changed: WireJobRun = { ...run, JobRunState: state };
  if (UNFINISHED_STATES.has(state)) {
    delete (changed as Partial<WireJobRun>).CompletedOn;
    delete changed.ErrorMessage;
    changed.ExecutionTime = 0;
    changed.LastModifiedOn = run.StartedOn;
  }
  return changed;
}

/** One run as Glue serialises it on the wire (timestamps are epoch seconds). */
export interface WireJobRun {
  Id: string;
  Attempt: number;
  TriggerName?: string;
  JobName: string;
  JobMode: string;
  StartedOn: number;
  LastModifiedOn: number;
  CompletedOn: number;
  JobRunState: string;
  Arguments: Record<string, string>;
  ErrorMessage?: string;
  PredecessorRuns: Array<{ JobName: string; RunId: string }>;
  AllocatedCapacity: number;
  ExecutionTime: number;
  Timeout: number;
  MaxCapacity: number;
  WorkerType: string;
  NumberOfWorkers: number;
  LogGroupName: string;
  GlueVersion: string;
  ExecutionClass: string;
}

const FAILURE_MESSAGES = [
  'An error occurred while calling o142.pyWriteDynamicFrame. Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times: ExecutorLostFailure (executor 4 exited): Container killed for exceeding memory limits.',
  'AnalysisException: Path does not exist: s3://pagewalk-raw-events/ingest/partition_date=missing',
  'Py4JJavaError: An error occurred while calling o97.getDynamicFrame. : java.sql.SQLException: Connection refused (Connection refused)',
  'Command failed with exit code 1 - FAILED: org.apache.spark.SparkException: Job aborted.',
] as const;

export function runIdOf(jobName: string, index: number): string {
  return `jr_${sha256(`${jobName}#${index}`).toString('hex')}`;
}

/**
 * Builds run `index` (0 = oldest) of `jobName`. Pure function of its inputs, so
 * pages can be generated lazily and re-reads always agree.
 */
export function synthesizeJobRun(jobName: string, index: number): WireJobRun {
  const digest = sha256(`${jobName}#${index}`);
  // A second digest keeps the attributes independent of the bytes that form the Id.
  const attrs = sha256(`${jobName}#${index}#attributes`);
  const byte = (i: number): number => attrs[i] ?? 0;

  // Work in integer milliseconds so the fractional seconds survive exactly.
  const startedMs =
    (BASE_EPOCH_SECONDS + index * RUN_INTERVAL_SECONDS) * 1000 + (((byte(0) << 8) | byte(1)) % 1000);
  const failed = byte(2) % 16 === 0;
  const executionTime = failed ? 20 + (byte(3) % 600) : 180 + (((byte(3) << 8) | byte(4)) % 2400);
  const completedMs = startedMs + executionTime * 1000 + (byte(5) % 250) + 750;
  const workers = 2 + (byte(6) % 9);
  const runDate = new Date(startedMs).toISOString().slice(0, 10);

  const run: WireJobRun = {
    Id: `jr_${digest.toString('hex')}`,
    Attempt: 0,
    JobName: jobName,
    JobMode: 'SCRIPT',
    StartedOn: startedMs / 1000,
    LastModifiedOn: (completedMs + 120) / 1000,
    CompletedOn: completedMs / 1000,
    JobRunState: failed ? 'FAILED' : 'SUCCEEDED',
    Arguments: {
      '--run-date': runDate,
      '--job-bookmark-option': 'job-bookmark-enable',
      '--TempDir': `s3://aws-glue-assets-123456789012-us-east-1/temporary/${jobName}/`,
    },
    PredecessorRuns: [],
    AllocatedCapacity: workers,
    ExecutionTime: executionTime,
    Timeout: 2880,
    MaxCapacity: workers,
    WorkerType: 'G.1X',
    NumberOfWorkers: workers,
    LogGroupName: '/aws-glue/jobs',
    GlueVersion: '4.0',
    ExecutionClass: 'STANDARD',
  };
  if (byte(7) % 4 === 0) run.TriggerName = `${jobName}-schedule`;
  if (failed) run.ErrorMessage = FAILURE_MESSAGES[byte(8) % FAILURE_MESSAGES.length];
  return run;
}
