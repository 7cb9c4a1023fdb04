import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Cursor, initialCursor } from './cursor';
import { CollectionBusy, InvalidInput, RunStateConflict } from './errors';
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
  readonly now?: () => Date;
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

/**
 * Begins an execution of a run: a new run takes the collection's lease and creates its
 * record; a continued segment picks up the cursor its predecessor handed over; a resumed
 * run continues from its checkpoint. Every write is conditional, so a retried invocation
 * of the same execution succeeds without doing anything twice.
 */
export async function startRun(
  request: StartRequest,
  executionArn: string,
  deps: StartDeps,
): Promise<StartedRun> {
  const now = deps.now ?? (() => new Date());
  const runs = new RunRecords(deps.client, deps.tableName, now);
  const leases = new CollectionLeases(deps.client, deps.tableName, now);

  if (request.kind === 'new') {
    const { config } = request;
    const cursor = initialCursor(describeSource(config.source).signal);
    // The lease comes first: a refused run writes nothing at all.
    try {
      await leases.acquire(
        config.collection,
        config.runId,
        executionArn,
        leaseSeconds(config.options.pollIntervalSeconds),
      );
    } catch (error) {
      // A scheduled sync that finds the collection busy is not doubled: it ends as skipped.
      if (!(error instanceof CollectionBusy) || config.options.ifBusy !== 'skip') throw error;
      return { startedAs: 'skipped', run: config, cursor, skippedBecause: error.message };
    }
    await runs.create(config, executionArn, cursor);
    return { startedAs: 'new', run: config, cursor };
  }
  if (request.kind === 'continue') return continueRun(request, executionArn, runs, leases, now);
  return resumeRun(request, executionArn, runs, leases, now);
}

async function continueRun(
  request: ContinueRequest,
  executionArn: string,
  runs: RunRecords,
  leases: CollectionLeases,
  now: () => Date,
): Promise<StartedRun> {
  const record = await runs.get(request.runId);
  if (!record) throw new InvalidInput(`continue.runId names no run: ${request.runId}`);
  const handed = request.cursor as unknown as Cursor;
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
    cursor: { ...handed, iterations: 0 },
  };
}

async function resumeRun(
  request: ResumeRequest,
  executionArn: string,
  runs: RunRecords,
  leases: CollectionLeases,
  now: () => Date,
): Promise<StartedRun> {
  const record = await runs.get(request.runId);
  if (!record) throw new InvalidInput(`resume names no run: ${request.runId}`);
  if (record.status === 'succeeded') {
    return {
      startedAs: 'alreadyComplete',
      run: configFrom(record, record.segmentCount, record.since),
      cursor: record.checkpoint,
    };
  }
  const ownRetry = record.status === 'running' && record.executionArn === executionArn;
  if (record.status === 'running' && !ownRetry) {
    const holder = await leases.holder(record.collection);
    if (holder) {
      throw new RunStateConflict(
        `run ${record.runId} is still running in ${record.executionArn}; stop that execution before resuming`,
      );
    }
  }
  const options = parseOptions(request.options, describeSource(record.source), record.options, now());
  const segment = ownRetry ? record.segmentCount : record.segmentCount + 1;
  const since = ownRetry ? record.since : { fetches: record.fetches, written: record.written };
  await leases.acquire(
    record.collection,
    record.runId,
    executionArn,
    leaseSeconds(options.pollIntervalSeconds),
  );
  await runs.startSegment(
    record.runId,
    segment,
    { executionArn, startedAt: now().toISOString(), startedAs: 'resumed' },
    // A running record whose lease expired was left by an execution that died.
    { fetches: record.fetches, status: [...RESUMABLE_STATUSES, 'running'] },
    { options, since },
  );
  // A resumed run gets a fresh poll budget and iteration count; limits count from here.
  const cursor: Cursor = { ...record.checkpoint, iterations: 0, polls: 0, limit: null };
  return { startedAs: 'resumed', run: configFrom(record, segment, since, options), cursor };
}
