import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { reconcileEnding, reconcileSyncExecution } from '../../functions/lib/reconcile';
import type { CollectionLeases } from '../../functions/lib/store/lease';
import type { RunRecords } from '../../functions/lib/store/run-record';
import { PARTITION_KEY, SORT_KEY } from '../../functions/lib/store/table-schema';
import { ALL_JOBS_COLLECTION, parseAllJobsInput } from '../../functions/lib/sync/all-jobs-config';
import { SyncRecords } from '../../functions/lib/sync/all-jobs-store';
import { openRunStores, type TestTable } from '../support/dynalite';
import { glueRun } from '../support/fixtures';

const syncArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk-all-jobs:${name}`;
const runArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk:${name}`;
const ALL_JOBS_INPUT = { source: 'glue.allJobs', params: {}, options: { sync: 'incremental' } };

let table: TestTable;
let syncs: SyncRecords;
let runs: RunRecords;
let leases: CollectionLeases;
let n = 0;
/** A sync id of its own per test; the all-jobs lease is one row, cleared before each test. */
let runId: string;

beforeAll(async () => {
  ({ table, runs, leases } = await openRunStores());
  syncs = new SyncRecords(table.client, table.tableName);
});
afterAll(() => table.close());
beforeEach(async () => {
  n += 1;
  runId = `sync-${n}`;
  await table.client.send(
    new DeleteCommand({
      TableName: table.tableName,
      Key: { [PARTITION_KEY]: `lease#${ALL_JOBS_COLLECTION}`, [SORT_KEY]: 'lease' },
    }),
  );
});

/** A sync `runId` running in `executionArn`, holding the all-jobs lease, as Start sync leaves it. */
async function runningSync(executionArn = syncArn(runId)) {
  const config = parseAllJobsInput(ALL_JOBS_INPUT, runId);
  await leases.acquire(ALL_JOBS_COLLECTION, runId, executionArn, 3600);
  await syncs.create(config, executionArn);
  return config;
}

describe('reconciling an all-jobs sync execution that ended without recording it', () => {
  it.each([
    ['ABORTED', 'stopped', 'States.Aborted', 'The execution was stopped before it recorded an ending.'],
    ['TIMED_OUT', 'timedOut', 'States.Timeout', 'The execution timed out before it recorded an ending.'],
    ['FAILED', 'failed', 'States.Runtime', 'The execution failed before it recorded an ending.'],
  ] as const)(
    'records a %s execution as %s on the sync record and releases the all-jobs lease',
    async (status, recorded, error, message) => {
      await runningSync();

      const result = await reconcileSyncExecution(
        { executionArn: syncArn(runId), status, input: JSON.stringify(ALL_JOBS_INPUT) },
        { syncs, leases },
      );

      expect(result).toEqual({ runId, recorded, leaseReleased: true, status: recorded });
      const record = await syncs.get(runId);
      expect(record).toMatchObject({ status: recorded, lastError: { error, message } });
      expect(record?.completedAt).toEqual(expect.any(String));
      expect(await leases.holder(ALL_JOBS_COLLECTION)).toBeUndefined();
    },
  );

  it('keeps the error and cause Step Functions gave', async () => {
    await runningSync();

    await reconcileSyncExecution(
      {
        executionArn: syncArn(runId),
        status: 'FAILED',
        input: ALL_JOBS_INPUT,
        error: 'Boom',
        cause: 'it broke',
      },
      { syncs, leases },
    );

    expect((await syncs.get(runId))?.lastError).toEqual({ error: 'Boom', message: 'it broke' });
  });

  it('changes nothing for a late or repeated event once a new sync holds the lease', async () => {
    await runningSync();
    const ending = { executionArn: syncArn(runId), status: 'ABORTED' as const, input: ALL_JOBS_INPUT };
    await reconcileSyncExecution(ending, { syncs, leases });
    const first = await syncs.get(runId);
    await leases.acquire(ALL_JOBS_COLLECTION, 'next-sync', syncArn('next-sync'), 3600);

    const again = await reconcileSyncExecution(ending, { syncs, leases });

    expect(again).toEqual({ runId, recorded: null, leaseReleased: false, status: 'stopped' });
    expect(await syncs.get(runId)).toEqual(first);
    expect(await leases.holder(ALL_JOBS_COLLECTION)).toMatchObject({ runId: 'next-sync' });
  });

  it('leaves a sync alone that its execution summed up already', async () => {
    await runningSync();
    await syncs.finish(runId, 'partial', {
      jobs: 2,
      byStatus: { succeeded: 1, failed: 1 },
      items: 3,
      pages: 2,
    });

    const result = await reconcileSyncExecution(
      { executionArn: syncArn(runId), status: 'FAILED', input: ALL_JOBS_INPUT },
      { syncs, leases },
    );

    expect(result).toMatchObject({ recorded: null, status: 'partial' });
    expect((await syncs.get(runId))?.lastError).toBeUndefined();
  });

  it('follows a continued sync: the segment that handed over changes nothing, the one running it is recorded', async () => {
    await runningSync();
    const next = `${runId}-j10`;
    await syncs.handOver(runId, syncArn(runId), syncArn(next));
    await leases.renew(ALL_JOBS_COLLECTION, runId, 3600, syncArn(next));
    const continued = { continue: { runId, jobs: { nextToken: 't', page: 10 } } };

    const old = await reconcileSyncExecution(
      { executionArn: syncArn(runId), status: 'ABORTED', input: ALL_JOBS_INPUT },
      { syncs, leases },
    );
    expect(old).toMatchObject({ recorded: null, leaseReleased: false, status: 'running' });

    const current = await reconcileSyncExecution(
      { executionArn: syncArn(next), status: 'ABORTED', input: JSON.stringify(continued) },
      { syncs, leases },
    );
    expect(current).toEqual({ runId, recorded: 'stopped', leaseReleased: true, status: 'stopped' });
  });
});

describe('reconciling an ending from either state machine', () => {
  it('records an all-jobs input on the sync, never on a run of the same name', async () => {
    await runningSync();
    const run = glueRun({ runId, collection: `glue.getJobRuns#job-${n}` });
    await leases.acquire(run.collection, runId, runArn(runId), 900);
    await runs.create(run, runArn(runId), initialCursor('tokenPresence'));

    const result = await reconcileEnding(
      { executionArn: syncArn(runId), status: 'ABORTED', input: JSON.stringify(ALL_JOBS_INPUT) },
      { runs, syncs, leases },
    );

    expect(result).toMatchObject({ runId, recorded: 'stopped' });
    expect((await syncs.get(runId))?.status).toBe('stopped');
    expect((await runs.get(runId))?.status).toBe('running');
    expect(await leases.holder(run.collection)).toMatchObject({ runId });
  });

  it('records a pagewalk input on the run, as before', async () => {
    const run = glueRun({ runId, collection: `glue.getJobRuns#job-${n}` });
    await leases.acquire(run.collection, runId, runArn(runId), 900);
    await runs.create(run, runArn(runId), initialCursor('tokenPresence'));

    const result = await reconcileEnding(
      { executionArn: runArn(runId), status: 'TIMED_OUT', input: { source: 'glue.getJobRuns' } },
      { runs, syncs, leases },
    );

    expect(result).toMatchObject({ runId, recorded: 'timedOut', leaseReleased: true });
    expect((await runs.get(runId))?.status).toBe('timedOut');
  });

  it('finds a new sync by its execution name when the event carries no input', async () => {
    await runningSync();

    const result = await reconcileEnding(
      { executionArn: syncArn(runId), status: 'ABORTED', input: null },
      { runs, syncs, leases },
    );

    expect(result).toEqual({ runId, recorded: 'stopped', leaseReleased: true, status: 'stopped' });
    expect((await syncs.get(runId))?.status).toBe('stopped');
  });
});
