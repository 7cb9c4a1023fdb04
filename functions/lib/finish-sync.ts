import { causeMessage, InvalidInput } from './errors';
import type { JobsCursor } from './start-sync';
import type { CollectionLeases } from './store/lease';
import type { SyncConfig } from './sync/all-jobs-config';
import type { FinishedSyncStatus, JobOutcome, SyncRecords, SyncTotals } from './sync/all-jobs-store';
import { isRecord } from './validate';

/** Outcomes listed in the execution output; the sync record's job rows hold them all. */
export const OUTPUT_JOB_LIMIT = 500;

/** Run statuses that count as a failed job; limits and caught-up runs ended as asked. */
const FAILED = new Set<string>(['failed', 'stopped', 'timedOut']);

export type FinishSyncEvent =
  | { readonly outcome: 'ended'; readonly sync: SyncConfig; readonly jobs: JobsCursor }
  | {
      readonly outcome: 'failed';
      readonly sync: SyncConfig;
      readonly jobs: JobsCursor;
      readonly error: { readonly Error?: unknown; readonly Cause?: unknown };
    };

/** The execution output of an all-jobs sync: totals, and how each job ended. */
export interface SyncSummary {
  readonly runId: string;
  readonly status: FinishedSyncStatus;
  readonly totals: SyncTotals;
  readonly jobs: ReadonlyArray<JobOutcome>;
  /** Jobs left out of `jobs` to keep the output small (read them from the sync record). */
  readonly jobsNotListed?: number;
}

export interface FinishSyncDeps {
  readonly syncs: Pick<SyncRecords, 'jobs' | 'finish'>;
  readonly leases: Pick<CollectionLeases, 'release'>;
}

/** Validates the event the state machine built; a malformed one is a bug in the ASL. */
export function parseFinishSyncEvent(event: unknown): FinishSyncEvent {
  if (!isRecord(event) || !isRecord(event.sync) || !isRecord(event.jobs)) {
    throw new InvalidInput('the finish-sync event must carry sync and jobs objects');
  }
  if (event.outcome === 'ended') return event as unknown as FinishSyncEvent;
  if (event.outcome === 'failed' && isRecord(event.error)) return event as unknown as FinishSyncEvent;
  throw new InvalidInput(
    `outcome must be one of: ended, failed (with error); got ${JSON.stringify(event.outcome)}`,
  );
}

/** Adds up the jobs' outcomes. */
export function syncTotals(jobs: readonly JobOutcome[]): SyncTotals {
  const byStatus: Record<string, number> = {};
  for (const job of jobs) byStatus[job.status] = (byStatus[job.status] ?? 0) + 1;
  return {
    jobs: jobs.length,
    byStatus,
    items: jobs.reduce((sum, job) => sum + job.items, 0),
    pages: jobs.reduce((sum, job) => sum + job.pages, 0),
  };
}

/** `succeeded` when no job failed, `failed` when every job did, `partial` in between. */
export function syncStatus(jobs: readonly JobOutcome[]): FinishedSyncStatus {
  const failed = jobs.filter((job) => FAILED.has(job.status)).length;
  if (failed === 0) return 'succeeded';
  return failed === jobs.length ? 'failed' : 'partial';
}

/**
 * Ends an all-jobs sync: sums up every job's outcome onto the sync record (or records why
 * listing the jobs failed) and releases the all-jobs lease.
 */
export async function finishSync(
  event: FinishSyncEvent,
  deps: FinishSyncDeps,
): Promise<SyncSummary | { error: string; cause: string }> {
  const { sync } = event;
  const jobs = await deps.syncs.jobs(sync.runId);
  const totals = syncTotals(jobs);
  if (event.outcome === 'failed') {
    const error = typeof event.error.Error === 'string' ? event.error.Error : 'States.TaskFailed';
    const cause = causeMessage(event.error.Cause);
    await deps.syncs.finish(sync.runId, 'failed', totals, { error, message: cause });
    await deps.leases.release(sync.collection, sync.runId);
    return { error, cause };
  }
  const status = syncStatus(jobs);
  await deps.syncs.finish(sync.runId, status, totals);
  await deps.leases.release(sync.collection, sync.runId);
  return {
    runId: sync.runId,
    status,
    totals,
    jobs: jobs.slice(0, OUTPUT_JOB_LIMIT),
    ...(jobs.length > OUTPUT_JOB_LIMIT ? { jobsNotListed: jobs.length - OUTPUT_JOB_LIMIT } : {}),
  };
}
