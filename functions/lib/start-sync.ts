import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CollectionBusy, InvalidInput, RunStateConflict } from './errors';
import { reconcileSyncExecution } from './reconcile';
import { CollectionLeases } from './store/lease';
import { SYNC_EVENTS_AT_START } from './sync/all-jobs-budget';
import { parseAllJobsInput, type SyncConfig } from './sync/all-jobs-config';
import { SyncRecords } from './sync/all-jobs-store';
import { type ExecutionLookup, takeOverFrom } from './takeover';
import { describe, isRecord } from './validate';

/** How long the all-jobs lease lasts without renewal: every job that ends renews it. */
export const SYNC_LEASE_SECONDS = 3600;

/** The page of jobs the machine is on: `names` is what the Map iterates. */
export interface JobsCursor {
  /** The token for the next page of jobs; null before the first page and after the last. */
  readonly nextToken: string | null;
  /** Pages of jobs listed over the whole sync. */
  readonly page: number;
  /** Pages of jobs listed in this execution: at options.jobPagesPerExecution it continues as new. */
  readonly pagesHere: number;
  /** This execution's history events so far, estimated (see sync/all-jobs-budget.ts), the listed page's jobs included. */
  readonly historyEvents: number;
  /** Hand the sync to a new execution after this page's jobs: "More jobs?" reads it. */
  readonly continueAsNew: boolean;
  /** The deterministic name of the execution this one continues as, so a retried start is idempotent. */
  readonly nextExecutionName: string;
  readonly names: ReadonlyArray<{ readonly name: string; readonly executionName: string }>;
}

/** The jobs cursor of an execution that has listed nothing yet. */
function firstJobsCursor(nextToken: string | null, page: number, nextExecutionName: string): JobsCursor {
  return {
    nextToken,
    page,
    pagesHere: 0,
    historyEvents: SYNC_EVENTS_AT_START,
    continueAsNew: false,
    nextExecutionName,
    names: [],
  };
}

/** What "Start sync" returns: the state every later state carries. */
export interface StartedSync {
  readonly startedAs: 'new' | 'continued' | 'skipped';
  readonly sync: SyncConfig;
  readonly jobs: JobsCursor;
  /** Why the sync did not start (startedAs `skipped`); nothing was written. */
  readonly skippedBecause?: string;
}

export interface StartSyncDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Tells whether the execution holding the all-jobs lease still runs (DescribeExecution). */
  readonly executions: ExecutionLookup;
  readonly now?: () => Date;
}

/** Step Functions adds this when one execution starts another. */
const STARTED_BY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';

/**
 * Begins an execution of an all-jobs sync. A new sync validates its input, takes the all-jobs
 * lease (so a scheduled sync is never doubled) and creates the sync record; a sync already
 * running makes it fail with CollectionBusy, or, with `ifBusy: "skip"`, end as skipped having
 * written nothing. A lease whose holder no longer runs is taken over at once. A continued sync (`{"continue": {"runId", "jobs"}}`, written by the machine
 * itself) must be started by the execution the sync record names, and takes the sync over.
 */
export async function startSync(
  input: unknown,
  execution: { readonly id: string; readonly name: string },
  deps: StartSyncDeps,
): Promise<StartedSync> {
  const leases = new CollectionLeases(deps.client, deps.tableName, deps.now);
  const syncs = new SyncRecords(deps.client, deps.tableName, deps.now);
  if (isRecord(input) && input.continue !== undefined)
    return continueSync(input, execution.id, leases, syncs);

  const sync = parseAllJobsInput(input, execution.name);
  const jobs = firstJobsCursor(null, 0, '');
  try {
    await acquireSyncLease(sync, execution.id, { leases, syncs, executions: deps.executions });
  } catch (error) {
    if (!(error instanceof CollectionBusy) || sync.options.ifBusy !== 'skip') throw error;
    return { startedAs: 'skipped', sync, jobs, skippedBecause: error.message };
  }
  await syncs.create(sync, execution.id);
  return { startedAs: 'new', sync, jobs };
}

/**
 * Takes the all-jobs lease; when another sync's execution holds it but no longer runs (stopped
 * from the console, timed out, failed, or gone with the local process that ran it), records
 * how that one ended on its sync record, releases its lease and takes it, once. A holder that
 * is still RUNNING, or one Step Functions cannot answer for, leaves CollectionBusy.
 */
async function acquireSyncLease(
  sync: SyncConfig,
  executionArn: string,
  deps: { leases: CollectionLeases; syncs: SyncRecords; executions: ExecutionLookup },
): Promise<void> {
  const { leases } = deps;
  try {
    await leases.acquire(sync.collection, sync.runId, executionArn, SYNC_LEASE_SECONDS);
    return;
  } catch (error) {
    if (!(error instanceof CollectionBusy)) throw error;
  }
  const holder = await leases.holder(sync.collection);
  if (holder) {
    await takeOverFrom(
      {
        executionArn: holder.executionArn,
        runId: holder.runId,
        collection: sync.collection,
        leaseExpiresAt: holder.expiresAt,
        refuseAs: 'CollectionBusy',
        kind: 'sync',
      },
      { executions: deps.executions, record: (ending) => reconcileSyncExecution(ending, deps) },
    );
  }
  await leases.acquire(sync.collection, sync.runId, executionArn, SYNC_LEASE_SECONDS);
}

async function continueSync(
  input: Record<string, unknown>,
  executionArn: string,
  leases: CollectionLeases,
  syncs: SyncRecords,
): Promise<StartedSync> {
  const c = input.continue;
  if (
    !isRecord(c) ||
    typeof c.runId !== 'string' ||
    !isRecord(c.jobs) ||
    typeof c.jobs.nextToken !== 'string'
  ) {
    throw new InvalidInput('continue must be {"runId", "jobs"} as the all-jobs state machine writes it');
  }
  const jobs = parseContinuedJobs(c.jobs);
  const record = await syncs.get(c.runId);
  if (!record) throw new InvalidInput(`continue.runId names no sync: ${c.runId}`);
  const startedBy = input[STARTED_BY];
  // Anyone allowed StartExecution could type a continue: only the sync's own execution may.
  if (record.executionArn !== executionArn && startedBy !== record.executionArn) {
    throw new RunStateConflict(
      `sync ${record.runId} is run by ${record.executionArn}; this execution was not started by it`,
    );
  }
  await syncs.handOver(record.runId, record.executionArn, executionArn);
  await leases.renew(record.config.collection, record.runId, SYNC_LEASE_SECONDS, executionArn);
  return { startedAs: 'continued', sync: record.config, jobs };
}

/**
 * The jobs cursor of a continue, field by field: anyone allowed StartExecution can type one,
 * and the state machine reads it. The new execution starts its own page count and names.
 */
function parseContinuedJobs(raw: Record<string, unknown>): JobsCursor {
  const { nextToken, page, nextExecutionName } = raw;
  if (typeof nextToken !== 'string') {
    throw new InvalidInput(`continue.jobs.nextToken must be a string; got ${describe(nextToken)}`);
  }
  if (typeof page !== 'number' || !Number.isSafeInteger(page) || page < 0) {
    throw new InvalidInput(`continue.jobs.page must be a whole number ≥ 0; got ${describe(page)}`);
  }
  if (typeof nextExecutionName !== 'string') {
    throw new InvalidInput(
      `continue.jobs.nextExecutionName must be a string; got ${describe(nextExecutionName)}`,
    );
  }
  return firstJobsCursor(nextToken, page, nextExecutionName);
}
