/**
 * What a caller of the Glue sandbox sees: its options, its counters, the running sandbox's
 * switches, and the defaults it serves.
 */
import type { SandboxServer, SandboxServerOptions } from './server';

/** Options for {@link startGlueSandbox}. */
export interface GlueSandboxOptions extends SandboxServerOptions {
  /** Job name → number of runs. Defaults to {@link DEFAULT_GLUE_JOBS}. */
  jobs?: Record<string, number>;
  /** Probability (0..1) that a GetJobRuns call is throttled, drawn from a seeded PRNG. Default 0. */
  throttleRate?: number;
  /** Seed for the throttling PRNG (and the NextToken secret when `tokenSecret` is absent). */
  seed?: string;
  /**
   * Secret that signs NextTokens. Defaults to random bytes per sandbox, so a
   * token minted by one sandbox is rejected by another, as with real Glue.
   */
  tokenSecret?: string;
  /** How many recent requests `stats.requests` keeps. Default 1000. */
  requestLogLimit?: number;
}

/** Call counters and a log of recent request bodies, for assertions. */
export interface GlueSandboxStats {
  /** Every HTTP request received, including rejected ones. */
  calls: number;
  /** Requests per operation name (the part of X-Amz-Target after `AWSGlue.`). */
  byOperation: Record<string, number>;
  /** Requests answered with ThrottlingException. */
  throttled: number;
  /** Requests answered with a 5xx status. */
  serverErrors: number;
  /** Requests answered with any non-2xx status. */
  errors: number;
  /** The most recent requests (oldest first), bounded by `requestLogLimit`. */
  requests: Array<{ target: string; body: unknown }>;
}

/** A running sandbox Glue endpoint; its `url` is what to pass as the SDK `endpoint`. */
export interface GlueSandbox extends SandboxServer<GlueSandboxStats> {
  /** The next `n` GetJobRuns calls fail with 400 ThrottlingException. */
  throttleNext(n: number): void;
  /** The next `n` GetJobRuns calls fail with 500 InternalServiceException. */
  failNext(n: number): void;
  /** The next `n` GetJobRuns calls fail with 400 OperationTimeoutException. */
  timeoutNext(n: number): void;
  /**
   * The next `n` GetJobRuns calls get `status` (default 502) with an HTML body, as a load
   * balancer in front of the API answers: the SDK reports it as a SyntaxError.
   */
  htmlErrorNext(n: number, status?: number): void;
  /** While down, every request gets 503 ServiceUnavailable. */
  down(isDown: boolean): void;
  /** Probability (0..1) of random throttling on each GetJobRuns call. */
  setThrottleRate(rate: number): void;
  /**
   * Appends `n` runs newer than every existing run of the job, creating the job if needed;
   * with `state` (e.g. RUNNING) the new runs report it instead of their synthesised one.
   */
  addRuns(jobName: string, n: number, state?: string): void;
  /** Makes a run report `state` from now on (a RUNNING run that finishes, say). */
  setRunState(jobName: string, runId: string, state: string): void;
  /** Every GetJobRuns call for the job fails permanently with `errorType` (400), e.g. AccessDeniedException. */
  failJob(jobName: string, errorType?: string): void;
  /** Number of runs a job has; throws for an unknown job. */
  runCount(jobName: string): number;
  /** Every run Id of the job, newest first (the order GetJobRuns returns them). */
  jobRunIds(jobName: string): string[];
  /** Invalidates every NextToken issued so far, as tokens expire on the real service. */
  expireTokens(): void;
}

/** Jobs served when none are configured: the demo job plus small edge cases. */
export const DEFAULT_GLUE_JOBS: Record<string, number> = Object.freeze({
  'nightly-etl': 4321,
  'hourly-compaction': 250,
  'weekly-rollup': 12,
  'never-run': 0,
});

/** Page size when a request omits MaxResults. Glue does not document its default; 100 is a guess. */
export const DEFAULT_MAX_RESULTS = 100;
/** Upper bound of MaxResults per the GetJobRuns API reference (valid range 1..200). */
export const MAX_MAX_RESULTS = 200;
