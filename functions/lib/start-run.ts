import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Cursor, initialCursor, parseCursor } from './cursor';
import { CollectionBusy, InvalidInput } from './errors';
import { historyAtStart } from './history-budget';
import { reconcileExecution } from './reconcile';
import {
  type ContinueRequest,
  parseOptions,
  type ResumeRequest,
  type RunConfig,
  type StartRequest,
  segmentExecutionName,
} from './run-config';
import { describeSource } from './sources/catalog';
import { CollectionLeases, leaseSeconds } from './store/lease';
import { RESUMABLE_STATUSES, type RunRecord, RunRecords } from './store/run-record';
import { type ExecutionLookup, type Holder, type TakeoverDeps, takeOverFrom } from './takeover';

/** How this execution begins: the "New run or resumed?" Choice branches on it. */
export type StartedAs = 'new' | 'continued' | 'resumed' | 'alreadyComplete' | 'skipped';

/** What "Start run" returns: the state every later state carries. */
export interface StartedRun {
  readonly startedAs: StartedAs;
  readonly run: RunConfig;
  readonly cursor: Cursor;
  /** Why a new run with `ifBusy: "skip"` did not start (startedAs `skipped`); nothing was written. */
  readonly skippedBecause?: string;
}

export interface StartDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Tells whether the execution holding a lease or a run still runs (DescribeExecution). */
  readonly executions: ExecutionLookup;
  readonly now?: () => Date;
}

/** This execution: its ARN, and `$$.State.RetryCount` of the Start run attempt (for the history estimate). */
export interface StartingExecution {
  readonly executionArn: string;
  readonly retryCount?: number;
}

interface Stores {
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
  readonly executions: ExecutionLookup;
  readonly now: () => Date;
}

function configFrom(
  record: RunRecord,
  segment: number,
  since: RunConfig['since'],
  options = record.options,
): RunConfig {
  return {
    runId: record.runId,
    source: record.source,
    params: record.params,
    collection: record.collection,
    options,
    segment,
    nextExecutionName: segmentExecutionName(record.runId, segment + 1),
    since,
  };
}

/** Takeover of a run's holder: its ending is recorded on the run record. */
function takeoverDeps(stores: Stores): TakeoverDeps {
  return { executions: stores.executions, record: (ending) => reconcileExecution(ending, stores) };
}

/** The cursor a segment starts from: no iterations yet, a fresh history estimate. */
function segmentStart(cursor: Cursor, retryCount: number | undefined): Cursor {
  return { ...cursor, iterations: 0, historyEvents: historyAtStart(retryCount ?? 0), continueAsNew: false };
}

/**
 * Takes the collection's lease; when another run's execution holds it but no longer runs,
 * records how that one ended, releases its lease and takes it (once).
 */
async function acquireLease(
  collection: string,
  runId: string,
  executionArn: string,
  seconds: number,
  stores: Stores,
): Promise<void> {
  try {
    await stores.leases.acquire(collection, runId, executionArn, seconds);
  } catch (error) {
    if (!(error instanceof CollectionBusy)) throw error;
    const holder = await stores.leases.holder(collection);
    if (!holder) {
      await stores.leases.acquire(collection, runId, executionArn, seconds);
      return;
    }
    await takeOverFrom(
      {
        executionArn: holder.executionArn,
        runId: holder.runId,
        collection,
        leaseExpiresAt: holder.expiresAt,
        refuseAs: 'CollectionBusy',
      },
      takeoverDeps(stores),
    );
    await stores.leases.acquire(collection, runId, executionArn, seconds);
  }
}

/**
 * Begins an execution of a run: a new run takes the collection's lease and creates its
 * record; a continued segment picks up the cursor its predecessor handed over; a resumed
 * run continues from its checkpoint. Every write is conditional, so a retried invocation
 * of the same execution succeeds without doing anything twice. A lease or run held by an
 * execution that has ended is taken over at once (see `takeOverFrom`).
 */
export async function startRun(
  request: StartRequest,
  execution: StartingExecution,
  deps: StartDeps,
): Promise<StartedRun> {
  const now = deps.now ?? (() => new Date());
  const stores: Stores = {
    runs: new RunRecords(deps.client, deps.tableName, now),
    leases: new CollectionLeases(deps.client, deps.tableName, now),
    executions: deps.executions,
    now,
  };
  const { executionArn } = execution;

  if (request.kind === 'new') {
    const { config } = request;
    const source = describeSource(config.source);
    const cursor = segmentStart(initialCursor(source.signal, source.usagePlan, now()), execution.retryCount);
    // The lease comes first: a refused run writes nothing at all.
    try {
      await acquireLease(
        config.collection,
        config.runId,
        executionArn,
        leaseSeconds(config.options.pollIntervalSeconds),
        stores,
      );
    } catch (error) {
      // A scheduled sync that finds the collection busy is not doubled: it ends as skipped.
      if (!(error instanceof CollectionBusy) || config.options.ifBusy !== 'skip') throw error;
      return { startedAs: 'skipped', run: config, cursor, skippedBecause: error.message };
    }
    await stores.runs.create(config, executionArn, cursor);
    return { startedAs: 'new', run: config, cursor };
  }
  if (request.kind === 'continue') return continueRun(request, execution, stores);
  return resumeRun(request, execution, stores);
}

/**
 * Where a cursor stands, for comparing a handed-over cursor with the checkpoint: every field
 * but the history estimate, which depends on the attempt (a retried invocation whose first
 * attempt also finished may have checkpointed the other attempt's estimate), and which the
 * new segment starts afresh anyway.
 */
const position = (cursor: Cursor): string =>
  JSON.stringify({ ...cursor, historyEvents: 0, continueAsNew: false });

/**
 * A `continue` is the state machine's own hand-over, but anyone allowed StartExecution can
 * type one. It is accepted only from the run's current execution, for the next segment, while
 * the run is running, with the cursor that execution checkpointed; anything else is refused
 * before a write. A retry of this same start finds the segment already its own.
 */
function checkContinue(request: ContinueRequest, record: RunRecord, executionArn: string): Cursor {
  const handed = parseCursor(request.cursor, 'continue.cursor');
  const ownRetry = record.executionArn === executionArn && record.segmentCount === request.segment;
  const rule = (text: string) =>
    new InvalidInput(`continue refused: ${text}. Resume the run instead: {"resume": "${record.runId}"}`);
  if (!ownRetry) {
    if (request.startedBy !== record.executionArn) {
      throw rule(
        `it must be started by the run's current execution (AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID ${record.executionArn}); got ${request.startedBy ?? 'none'}`,
      );
    }
    if (request.segment !== record.segmentCount + 1) {
      throw rule(
        `continue.segment must be ${record.segmentCount + 1}, the run's next segment; got ${request.segment}`,
      );
    }
  }
  if (record.status !== 'running') throw rule(`run ${record.runId} is ${record.status}, not running`);
  const checkpoint = parseCursor(record.checkpoint, 'the run checkpoint');
  if (position(handed) !== position(checkpoint)) {
    throw rule(`continue.cursor must be the run's checkpoint (fetch ${checkpoint.fetches}); it differs`);
  }
  return handed;
}

async function continueRun(
  request: ContinueRequest,
  execution: StartingExecution,
  { runs, leases, now }: Stores,
): Promise<StartedRun> {
  const { executionArn } = execution;
  const record = await runs.get(request.runId);
  if (!record) throw new InvalidInput(`continue.runId names no run: ${request.runId}`);
  const handed = checkContinue(request, record, executionArn);
  await runs.startSegment(
    record.runId,
    request.segment,
    { executionArn, startedAt: now().toISOString(), startedAs: 'continued' },
    { fetches: handed.fetches, status: ['running'] },
  );
  await leases.renew(
    record.collection,
    record.runId,
    leaseSeconds(record.options.pollIntervalSeconds),
    executionArn,
  );
  return {
    startedAs: 'continued',
    run: configFrom(record, request.segment, record.since),
    cursor: segmentStart(handed, execution.retryCount),
  };
}

async function resumeRun(
  request: ResumeRequest,
  execution: StartingExecution,
  stores: Stores,
): Promise<StartedRun> {
  const { runs, now } = stores;
  const { executionArn } = execution;
  let record = await runs.get(request.runId);
  if (!record) throw new InvalidInput(`resume names no run: ${request.runId}`);
  if (record.status === 'succeeded') {
    return {
      startedAs: 'alreadyComplete',
      run: configFrom(record, record.segmentCount, record.since),
      cursor: parseCursor(record.checkpoint, 'the run checkpoint'),
    };
  }
  const ownRetry = record.status === 'running' && record.executionArn === executionArn;
  if (record.status === 'running' && !ownRetry) {
    const lease = await stores.leases.holder(record.collection);
    const holder: Holder = {
      executionArn: record.executionArn,
      runId: record.runId,
      collection: record.collection,
      leaseExpiresAt: lease?.executionArn === record.executionArn ? lease.expiresAt : undefined,
      refuseAs: 'RunStateConflict',
    };
    await takeOverFrom(holder, takeoverDeps(stores));
    record = (await runs.get(request.runId)) ?? record;
  }
  const options = parseOptions(request.options, describeSource(record.source), record.options, now());
  const segment = ownRetry ? record.segmentCount : record.segmentCount + 1;
  const since = ownRetry
    ? record.since
    : { fetches: record.fetches, written: record.written, restarts: record.restarts };
  await acquireLease(
    record.collection,
    record.runId,
    executionArn,
    leaseSeconds(options.pollIntervalSeconds),
    stores,
  );
  await runs.startSegment(
    record.runId,
    segment,
    { executionArn, startedAt: now().toISOString(), startedAs: 'resumed' },
    // A running record here belongs to a holder that was not RUNNING (an ending Step Functions
    // reported SUCCEEDED without a hand-over) or is this execution's own retry.
    { fetches: record.fetches, status: [...RESUMABLE_STATUSES, 'running'] },
    { options, since },
  );
  // A resumed run gets a fresh poll budget, iteration count and history estimate; limits and
  // restarts count from here. A "" token in an old checkpoint is read as none. A wait for quota
  // the stopped run was making is not waited again: the first fetch counts the bucket afresh.
  const checkpoint = parseCursor(record.checkpoint, 'the run checkpoint');
  const cursor = segmentStart(
    {
      ...checkpoint,
      polls: 0,
      limit: null,
      waitSeconds: 0,
      pacing: checkpoint.pacing && { ...checkpoint.pacing, nextCallAt: null },
    },
    execution.retryCount,
  );
  return { startedAs: 'resumed', run: configFrom(record, segment, since, options), cursor };
}
