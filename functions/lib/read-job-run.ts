import { causeMessage, InvalidInput } from './errors';
import { SYNC_LEASE_SECONDS } from './start-sync';
import type { CollectionLeases } from './store/lease';
import type { RunRecords } from './store/run-record';
import { pollWaitSeconds } from './sync/all-jobs-budget';
import type { SyncConfig } from './sync/all-jobs-config';
import type { JobOutcome, SyncRecords } from './sync/all-jobs-store';
import { isRecord } from './validate';

/** What "Read job run" passes: the job, and the child's result or the error it was caught with. */
export interface ReadJobRunEvent {
  readonly sync: SyncConfig;
  readonly job: { readonly name: string; readonly executionName: string };
  readonly child: {
    readonly status?: string;
    readonly output?: unknown;
    readonly Error?: string;
    readonly Cause?: unknown;
  };
  /** Looks so far that found the run still running (0 at the first). */
  readonly polls?: number;
}

/** What "Read job run" hands back: the job's status, and while its run goes on, when to look again. */
export interface JobRunLook {
  readonly status: JobOutcome['status'] | 'running';
  /** Looks that found the run still running, this one included. */
  readonly polls: number;
  /** Set while running: how long "Wait for job run" waits before the next look. */
  readonly waitSeconds?: number;
}

export interface ReadJobRunDeps {
  readonly runs: Pick<RunRecords, 'get'>;
  readonly syncs: Pick<SyncRecords, 'recordJob'>;
  readonly leases: Pick<CollectionLeases, 'renew'>;
}

/** Validates the event the state machine built; a malformed one is a bug in the ASL. */
export function parseReadJobRunEvent(event: unknown): ReadJobRunEvent {
  if (!isRecord(event) || !isRecord(event.sync) || !isRecord(event.job) || !isRecord(event.child)) {
    throw new InvalidInput('the read-job-run event must carry sync, job and child objects');
  }
  return event as unknown as ReadJobRunEvent;
}

/**
 * The error a child that never wrote a run record failed with. A `.sync` task that fails
 * carries the child's DescribeExecution as its Cause (JSON with `Error` and `Cause`).
 */
function childError(child: ReadJobRunEvent['child']): { error: string; message: string } {
  const described = typeof child.Cause === 'string' ? safeJson(child.Cause) : undefined;
  if (isRecord(described) && typeof described.Error === 'string') {
    return { error: described.Error, message: causeMessage(described.Cause) };
  }
  return { error: child.Error ?? 'States.TaskFailed', message: causeMessage(child.Cause) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * How the job's run ended, from its run record (the truth across continue-as-new segments),
 * recorded on the sync. `running` means a later segment goes on: the machine waits and asks
 * again, recording nothing yet. A child that never started its run is recorded as `skipped`
 * (its collection was busy and ifBusy=skip) or `failed` with its error.
 */
export async function readJobRun(event: ReadJobRunEvent, deps: ReadJobRunDeps): Promise<JobRunLook> {
  const { sync, job, child } = event;
  const { polls } = event;
  const before = typeof polls === 'number' && Number.isSafeInteger(polls) && polls > 0 ? polls : 0;
  const record = await deps.runs.get(job.executionName);
  if (record?.status === 'running') {
    return { status: 'running', polls: before + 1, waitSeconds: pollWaitSeconds(before + 1) };
  }
  let outcome: JobOutcome;
  if (record) {
    outcome = {
      job: job.name,
      executionName: job.executionName,
      status: record.status,
      items: record.items,
      pages: record.pages,
      ...(record.lastError ? { error: record.lastError } : {}),
    };
  } else {
    const output = isRecord(child.output) ? child.output : {};
    const skipped = output.status === 'skipped';
    outcome = {
      job: job.name,
      executionName: job.executionName,
      status: skipped ? 'skipped' : 'failed',
      items: 0,
      pages: 0,
      ...(skipped
        ? {}
        : {
            error: child.Error
              ? childError(child)
              : { error: 'MissingRunRecord', message: `run ${job.executionName} left no run record` },
          }),
    };
  }
  await deps.syncs.recordJob(sync.runId, outcome);
  await deps.leases.renew(sync.collection, sync.runId, SYNC_LEASE_SECONDS);
  return { status: outcome.status, polls: before };
}
