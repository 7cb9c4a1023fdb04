import { runIdOfExecution } from './run-config';
import type { CollectionLeases } from './store/lease';
import type { ExternalEnding, RunRecords, RunStatus } from './store/run-record';
import { syncRunIdOfExecution } from './sync/all-jobs-config';
import type { SyncRecords, SyncStatus } from './sync/all-jobs-store';

/** The statuses Step Functions reports for an execution that is no longer running. */
export type EndedExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/**
 * An execution that ended, as "Step Functions Execution Status Change" (EventBridge) and
 * DescribeExecution both describe it.
 */
export interface ExecutionEnding {
  readonly executionArn: string;
  readonly status: EndedExecutionStatus;
  /** The execution input, a JSON string (or already parsed); it names the run. */
  readonly input?: unknown;
  readonly error?: string | null;
  readonly cause?: string | null;
  /** The run, when the caller knows it otherwise (a lease names it); else read from the input. */
  readonly runId?: string;
}

export interface ReconcileDeps {
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
}

/** What reconciling an all-jobs sync's execution touches: the sync record and the all-jobs lease. */
export interface SyncReconcileDeps {
  readonly syncs: SyncRecords;
  readonly leases: CollectionLeases;
}

/** What a reconcile found and did. */
export interface Reconciled {
  readonly runId: string | null;
  /** The status written to the record, or null when the record needed no change. */
  readonly recorded: ExternalEnding | null;
  readonly leaseReleased: boolean;
  /** The record's status after the reconcile (null when there is no record). */
  readonly status: RunStatus | SyncStatus | null;
}

const ENDING: Record<Exclude<EndedExecutionStatus, 'SUCCEEDED'>, ExternalEnding> = {
  ABORTED: 'stopped',
  TIMED_OUT: 'timedOut',
  FAILED: 'failed',
};

const DEFAULT_ERROR: Record<ExternalEnding, { error: string; message: string }> = {
  stopped: { error: 'States.Aborted', message: 'The execution was stopped before it recorded an ending.' },
  timedOut: { error: 'States.Timeout', message: 'The execution timed out before it recorded an ending.' },
  failed: { error: 'States.Runtime', message: 'The execution failed before it recorded an ending.' },
};

/** The error recorded for an ending: the execution's own, else one that says what happened. */
function endingError(ending: ExecutionEnding, status: ExternalEnding): { error: string; message: string } {
  const fallback = DEFAULT_ERROR[status];
  return { error: ending.error || fallback.error, message: ending.cause || fallback.message };
}

/** The execution name: the last part of an execution ARN. */
export const executionNameOf = (executionArn: string): string =>
  executionArn.slice(executionArn.lastIndexOf(':') + 1);

/** The record an execution worked on, as a reconcile needs it: found by id, changed by ARN. */
interface EndedRecords {
  /** The record's id from the execution's input and name, or undefined when it names none. */
  idOf(input: unknown, executionName: string): string | undefined;
  get(
    id: string,
  ): Promise<{ readonly collection: string; readonly status: RunStatus | SyncStatus } | undefined>;
  recordExternalEnding(
    id: string,
    executionArn: string,
    status: ExternalEnding,
    lastError: { error: string; message: string },
  ): Promise<boolean>;
}

/**
 * Records an ending on `records` only while the record is `running` in that very execution,
 * and releases the collection's lease only while that execution holds it, so a late or
 * repeated event (EventBridge delivers at least once, possibly late) never touches a record
 * that has moved on. A SUCCEEDED execution needs nothing: it either recorded its ending or
 * handed over to its next segment.
 */
async function reconcileOn(
  records: EndedRecords,
  leases: CollectionLeases,
  ending: ExecutionEnding,
): Promise<Reconciled> {
  const name = executionNameOf(ending.executionArn);
  // Without the input (a state machine encrypted with a customer managed key may leave it out
  // of the event), a new run's or sync's id is its execution name; the record's executionArn
  // must still match before anything changes, so the guess can only find the right one or none.
  const missingInput = ending.input === undefined || ending.input === null;
  const runId = ending.runId ?? (missingInput ? name : records.idOf(ending.input, name)) ?? null;
  const none = { runId, recorded: null, leaseReleased: false, status: null } as const;
  if (runId === null) return none;
  const record = await records.get(runId);
  if (!record) return none;
  if (ending.status === 'SUCCEEDED') return { ...none, status: record.status };
  const status = ENDING[ending.status];
  const recorded = await records.recordExternalEnding(
    runId,
    ending.executionArn,
    status,
    endingError(ending, status),
  );
  const leaseReleased = await leases.release(record.collection, runId, ending.executionArn);
  return {
    runId,
    recorded: recorded ? status : null,
    leaseReleased,
    status: recorded ? status : record.status,
  };
}

/**
 * Records the ending of a pagewalk execution that could not record it itself: a stop, a
 * timeout, or a failure the state machine could not write (the table was down).
 */
export function reconcileExecution(ending: ExecutionEnding, deps: ReconcileDeps): Promise<Reconciled> {
  const { runs } = deps;
  return reconcileOn(
    {
      idOf: runIdOfExecution,
      get: (id) => runs.get(id),
      recordExternalEnding: (...args) => runs.recordExternalEnding(...args),
    },
    deps.leases,
    ending,
  );
}

/**
 * Records the ending of an all-jobs sync's execution that could not record it itself, as
 * `reconcileExecution` does for a run, on the sync record and the all-jobs lease. The
 * children are pagewalk executions, reconciled on their own (Step Functions stops them with
 * the sync).
 */
export function reconcileSyncExecution(
  ending: ExecutionEnding,
  deps: SyncReconcileDeps,
): Promise<Reconciled> {
  const { syncs } = deps;
  return reconcileOn(
    {
      idOf: syncRunIdOfExecution,
      get: async (id) => {
        const record = await syncs.get(id);
        return record && { collection: record.config.collection, status: record.status };
      },
      recordExternalEnding: (...args) => syncs.recordExternalEnding(...args),
    },
    deps.leases,
    ending,
  );
}

/**
 * Reconciles an ending from either state machine, told apart by the input: an all-jobs input
 * (`glue.allJobs`, or a continue carrying `jobs`) names a sync, any other input a run. Without
 * the input both are tried by the execution name; each changes only a record whose execution
 * ARN is this one, and an execution ARN names its state machine, so at most one can match.
 */
export async function reconcileEnding(
  ending: ExecutionEnding,
  deps: ReconcileDeps & SyncReconcileDeps,
): Promise<Reconciled> {
  const missingInput = ending.input === undefined || ending.input === null;
  const sync = !missingInput && syncRunIdOfExecution(ending.input, executionNameOf(ending.executionArn));
  if (sync) return reconcileSyncExecution(ending, deps);
  const run = await reconcileExecution(ending, deps);
  if (!missingInput || run.recorded || run.leaseReleased) return run;
  const synced = await reconcileSyncExecution(ending, deps);
  return synced.recorded || synced.leaseReleased || run.status === null ? synced : run;
}
