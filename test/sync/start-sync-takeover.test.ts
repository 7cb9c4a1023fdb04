import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectionBusy } from '../../functions/lib/errors';
import { startSync } from '../../functions/lib/start-sync';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { PARTITION_KEY, SORT_KEY } from '../../functions/lib/store/table-schema';
import { ALL_JOBS_COLLECTION } from '../../functions/lib/sync/all-jobs-config';
import { SyncRecords } from '../../functions/lib/sync/all-jobs-store';
import { sfnExecutionLookup } from '../../functions/lib/takeover';
import { startTestTable, type TestTable } from '../support/dynalite';

const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk-all-jobs:${name}`;
const input = (options: Record<string, unknown> = {}) => ({
  source: 'glue.allJobs',
  params: {},
  options: { sync: 'incremental', ...options },
});

// The sync store is a real (dynalite) table; Step Functions is mocked at the SDK boundary.
const sfn = mockClient(SFNClient);
let table: TestTable;
let syncs: SyncRecords;
let leases: CollectionLeases;
let n = 0;

beforeAll(async () => {
  table = await startTestTable();
  syncs = new SyncRecords(table.client, table.tableName);
  leases = new CollectionLeases(table.client, table.tableName);
});
afterAll(() => table.close());
beforeEach(async () => {
  n += 1;
  sfn.reset();
  // One all-jobs lease per table: each test starts with it free.
  await table.client.send(
    new DeleteCommand({
      TableName: table.tableName,
      Key: { [PARTITION_KEY]: `lease#${ALL_JOBS_COLLECTION}`, [SORT_KEY]: 'lease' },
    }),
  );
});

/** Starts sync `name` in the execution of the same name, as "Start sync" does. */
const start = (name: string, options?: Record<string, unknown>) =>
  startSync(
    input(options),
    { id: arn(name), name },
    {
      client: table.client,
      tableName: table.tableName,
      executions: sfnExecutionLookup(new SFNClient({ region: 'us-east-1' })),
    },
  );
const describes = (status: string, extra: Record<string, string> = {}) =>
  sfn.on(DescribeExecutionCommand).resolves({ status: status as 'RUNNING', ...extra });

describe('a new all-jobs sync whose lease an ended sync execution still holds', () => {
  it.each([
    ['ABORTED', 'stopped'],
    ['TIMED_OUT', 'timedOut'],
    ['FAILED', 'failed'],
  ])(
    'takes over at once from a holder that is %s, recording it %s on its sync record',
    async (status, recorded) => {
      await start(`old-${n}`);
      describes(status, { error: 'States.Oops', cause: 'it ended' });

      const started = await start(`new-${n}`);

      expect(started.startedAs).toBe('new');
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
        executionArn: arn(`old-${n}`),
        includedData: 'METADATA_ONLY',
      });
      expect(await syncs.get(`old-${n}`)).toMatchObject({
        status: recorded,
        lastError: { error: 'States.Oops', message: 'it ended' },
      });
      expect(await syncs.get(`new-${n}`)).toMatchObject({ status: 'running', executionArn: arn(`new-${n}`) });
      expect(await leases.holder(ALL_JOBS_COLLECTION)).toMatchObject({
        runId: `new-${n}`,
        executionArn: arn(`new-${n}`),
      });
    },
  );

  it('takes over from a holder Step Functions does not know (the local process that ran it is gone), recording it stopped', async () => {
    await start(`old-${n}`);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));

    expect((await start(`new-${n}`)).startedAs).toBe('new');
    expect(await syncs.get(`old-${n}`)).toMatchObject({
      status: 'stopped',
      lastError: { error: 'ExecutionDoesNotExist' },
    });
  });

  it('is refused with CollectionBusy naming the sync and what to do while the holder is RUNNING, and writes nothing', async () => {
    await start(`old-${n}`);
    describes('RUNNING');

    const refused = start(`new-${n}`);

    await expect(refused).rejects.toThrow(CollectionBusy);
    await expect(refused).rejects.toThrow(
      `sync old-${n} is being run by execution ${arn(`old-${n}`)}, which is still RUNNING.`,
    );
    await expect(refused).rejects.toThrow(/then start the sync again\.$/);
    expect(await syncs.get(`new-${n}`)).toBeUndefined();
    expect(await syncs.get(`old-${n}`)).toMatchObject({ status: 'running' });
  });

  it('ends as skipped with ifBusy skip while the holder is RUNNING', async () => {
    await start(`old-${n}`);
    describes('RUNNING');

    const started = await start(`new-${n}`, { ifBusy: 'skip' });

    expect(started.startedAs).toBe('skipped');
    expect(started.skippedBecause).toContain('is still RUNNING');
    expect(await syncs.get(`new-${n}`)).toBeUndefined();
  });

  it('is refused, never guessing, when DescribeExecution itself fails', async () => {
    await start(`old-${n}`);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    await expect(start(`new-${n}`)).rejects.toThrow(
      /could not say whether it still runs \(DescribeExecution: AccessDeniedException: not allowed\)/,
    );
    expect(await syncs.get(`old-${n}`)).toMatchObject({ status: 'running' });
  });

  it('asks nothing when the lease is free', async () => {
    expect((await start(`new-${n}`)).startedAs).toBe('new');
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });
});
