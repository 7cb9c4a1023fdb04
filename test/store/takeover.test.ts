import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cursor, initialCursor } from '../../functions/lib/cursor';
import { historyAtStart } from '../../functions/lib/history-budget';
import { parseStartInput } from '../../functions/lib/run-config';
import { startRun } from '../../functions/lib/start-run';
import type { CollectionLeases } from '../../functions/lib/store/lease';
import type { RunRecords } from '../../functions/lib/store/run-record';
import { sfnExecutionLookup } from '../../functions/lib/takeover';
import { openRunStores, type TestTable } from '../support/dynalite';

const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk:${name}`;

// The run store is a real (dynalite) table; Step Functions is mocked at the SDK boundary.
const sfn = mockClient(SFNClient);
let table: TestTable;
let runs: RunRecords;
let leases: CollectionLeases;
let n = 0;
/** A job of its own per test, so tests share one table without seeing each other. */
let job: string;

beforeAll(async () => {
  ({ table, runs, leases } = await openRunStores());
});
afterAll(() => table.close());
beforeEach(() => {
  n += 1;
  job = `job-${n}`;
  sfn.reset();
});

const deps = () => ({
  client: table.client,
  tableName: table.tableName,
  executions: sfnExecutionLookup(new SFNClient({ region: 'us-east-1' })),
});
const collection = () => `glue.getJobRuns#${job}`;
const newRunInput = (options?: Record<string, unknown>) => ({
  source: 'glue.getJobRuns',
  params: { JobName: job },
  ...(options ? { options } : {}),
});
/** Starts run `name` in the execution of the same name, as "Start run" does. */
const start = (input: unknown, name: string, executionName = name) =>
  startRun(parseStartInput(input, executionName), { executionArn: arn(executionName) }, deps());
/** Starts run `run-<n>` and checkpoints it at a cursor with `changes`, as its pages would. */
async function runningAt(changes: Partial<Cursor>): Promise<Cursor> {
  await start(newRunInput(), `run-${n}`);
  const checkpoint: Cursor = { ...initialCursor('tokenPresence'), ...changes };
  await runs.recordPage(`run-${n}`, checkpoint);
  return checkpoint;
}
const describes = (status: string, extra: Record<string, string> = {}) =>
  sfn.on(DescribeExecutionCommand).resolves({ status: status as 'RUNNING', ...extra });

describe('a new run on a collection whose lease an ended execution still holds', () => {
  it.each([
    ['ABORTED', 'stopped'],
    ['TIMED_OUT', 'timedOut'],
    ['FAILED', 'failed'],
  ])(
    'takes over at once from a holder that is %s, recording it %s and releasing its lease',
    async (status, recorded) => {
      await start(newRunInput(), `old-${n}`);
      describes(status, { error: 'States.Oops', cause: 'it ended' });

      const started = await start(newRunInput(), `new-${n}`);

      expect(started.startedAs).toBe('new');
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: arn(`old-${n}`) });
      expect(await runs.get(`old-${n}`)).toMatchObject({
        status: recorded,
        lastError: { error: 'States.Oops', message: 'it ended' },
      });
      expect(await leases.holder(collection())).toMatchObject({
        runId: `new-${n}`,
        executionArn: arn(`new-${n}`),
      });
    },
  );

  it('treats a holder execution Step Functions does not know (the process that ran it is gone) as stopped', async () => {
    await start(newRunInput(), `old-${n}`);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));

    await start(newRunInput(), `new-${n}`);

    expect(await runs.get(`old-${n}`)).toMatchObject({
      status: 'stopped',
      lastError: { error: 'ExecutionDoesNotExist' },
    });
  });

  it('refuses while the holder is RUNNING, naming it, when its lease expires and what to do, and writes nothing', async () => {
    await start(newRunInput(), `old-${n}`);
    const lease = await leases.holder(collection());
    describes('RUNNING');

    const refused = start(newRunInput(), `new-${n}`);

    await expect(refused).rejects.toMatchObject({
      name: 'CollectionBusy',
      message: `run old-${n} is being run by execution ${arn(`old-${n}`)}, which is still RUNNING. Its lease on ${collection()} expires at ${new Date((lease?.expiresAt ?? 0) * 1000).toISOString()}. Stop that execution (aws stepfunctions stop-execution --execution-arn ${arn(`old-${n}`)}), then resume run old-${n}.`,
    });
    expect(await runs.get(`new-${n}`)).toBeUndefined();
    expect(await runs.get(`old-${n}`)).toMatchObject({ status: 'running' });
    expect(await leases.holder(collection())).toEqual(lease);
  });

  it('refuses with the reason when DescribeExecution itself fails, never guessing', async () => {
    await start(newRunInput(), `old-${n}`);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    await expect(start(newRunInput(), `new-${n}`)).rejects.toMatchObject({
      name: 'CollectionBusy',
      message: expect.stringContaining(
        'Step Functions could not say whether it still runs (DescribeExecution: AccessDeniedException: not authorized)',
      ),
    });
    expect(await runs.get(`old-${n}`)).toMatchObject({ status: 'running' });
  });

  it('leaves a throttled DescribeExecution to the Start run retry', async () => {
    await start(newRunInput(), `old-${n}`);
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(start(newRunInput(), `new-${n}`)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('resuming a run whose record still says running', () => {
  it('resumes at once when that execution has ended, recording how, with restarts counted from the resume', async () => {
    // The run restarted twice before its execution timed out.
    await runningAt({ nextToken: 't', page: 5, fetches: 5, restarts: 2 });
    describes('TIMED_OUT');

    const resumed = await start({ resume: `run-${n}` }, `run-${n}`, `again-${n}`);

    expect(resumed).toMatchObject({
      startedAs: 'resumed',
      run: { segment: 2, since: { fetches: 5, written: 0, restarts: 2 } },
      cursor: { nextToken: 't', page: 5, restarts: 2, iterations: 0, historyEvents: historyAtStart(0) },
    });
    const record = await runs.get(`run-${n}`);
    expect(record).toMatchObject({ status: 'running', executionArn: arn(`again-${n}`) });
    expect(record?.segments['1']).toMatchObject({ executionArn: arn(`run-${n}`) });
  });

  it('refuses while that execution is RUNNING and changes nothing', async () => {
    await start(newRunInput(), `run-${n}`);
    const before = await runs.get(`run-${n}`);
    describes('RUNNING');

    await expect(start({ resume: `run-${n}` }, `run-${n}`, `again-${n}`)).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining(`which is still RUNNING. Its lease on ${collection()} expires at`),
    });
    expect(await runs.get(`run-${n}`)).toEqual(before);
  });

  it('reads a "" token in an old checkpoint as none', async () => {
    await start(newRunInput(), `run-${n}`);
    await runs.fail(`run-${n}`, { error: 'X', message: 'x' });
    // As a checkpoint written before tokens were normalised has it.
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: `run#run-${n}`, sk: 'run' },
        UpdateExpression: 'SET #c.nextToken = :empty',
        ExpressionAttributeNames: { '#c': 'checkpoint' },
        ExpressionAttributeValues: { ':empty': '' },
      }),
    );

    const resumed = await start({ resume: `run-${n}` }, `run-${n}`, `again-${n}`);

    expect(resumed.cursor.nextToken).toBeNull();
  });
});

describe('a continue input typed by hand', () => {
  /** A run stopped at a limit after 2 pages, as `status` shows it. */
  async function stoppedRun() {
    const checkpoint = await runningAt({
      nextToken: 't2',
      page: 2,
      items: 400,
      fetches: 2,
      written: 400,
      iterations: 2,
      limit: 'maxPages',
    });
    await runs.complete(`run-${n}`, 'stoppedAtLimit', checkpoint);
    return (await runs.get(`run-${n}`)) as NonNullable<Awaited<ReturnType<typeof runs.get>>>;
  }
  const continueInput = (cursor: unknown, startedBy?: string, segment = 2) => ({
    continue: { runId: `run-${n}`, segment, cursor },
    ...(startedBy ? { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: startedBy } : {}),
  });

  it.each([
    [
      'without AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID',
      undefined,
      "it must be started by the run's current execution",
    ],
    [
      'started by another execution',
      'arn:aws:states:us-east-1:123456789012:execution:pagewalk:intruder',
      "it must be started by the run's current execution",
    ],
  ])('refuses one %s with InvalidInput naming the rule, and writes nothing', async (_, startedBy, rule) => {
    const before = await stoppedRun();

    await expect(
      start(continueInput(before.checkpoint, startedBy), `run-${n}`, `forged-${n}`),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining(`continue refused: ${rule}`),
    });
    expect(await runs.get(`run-${n}`)).toEqual(before);
  });

  it("refuses the genuine parent's continue once the run is no longer running", async () => {
    const before = await stoppedRun();

    await expect(
      start(continueInput(before.checkpoint, before.executionArn), `run-${n}`, `forged-${n}`),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining(`continue refused: run run-${n} is stoppedAtLimit, not running`),
    });
    expect(await runs.get(`run-${n}`)).toEqual(before);
  });

  it("refuses a cursor with invented counters, and one whose fields are not a cursor's", async () => {
    const checkpoint = await runningAt({ nextToken: 't2', page: 2, fetches: 2, iterations: 2 });
    const before = await runs.get(`run-${n}`);
    const parent = arn(`run-${n}`);

    await expect(
      start(continueInput({ ...checkpoint, items: 99_999 }, parent), `run-${n}`, `forged-${n}`),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining("continue.cursor must be the run's checkpoint"),
    });
    await expect(
      start(continueInput({ ...checkpoint, page: '2' }, parent), `run-${n}`, `forged-${n}`),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'continue.cursor.page must be a whole number ≥ 0; got "2"',
    });
    await expect(
      start(continueInput(checkpoint, parent, 7), `run-${n}`, `forged-${n}`),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('continue.segment must be 2'),
    });
    expect(await runs.get(`run-${n}`)).toEqual(before);
  });

  it("accepts the hand-over of the run's current execution with its checkpoint", async () => {
    const checkpoint = await runningAt({
      nextToken: 't2',
      page: 2,
      fetches: 2,
      iterations: 2,
      continueAsNew: true,
    });

    // The estimate may come from another attempt of the same page than the checkpoint's.
    const handed = { ...checkpoint, historyEvents: checkpoint.historyEvents + 3 };
    const started = await start(continueInput(handed, arn(`run-${n}`)), `run-${n}`, `run-${n}-s2`);

    expect(started).toMatchObject({
      startedAs: 'continued',
      run: { segment: 2 },
      cursor: { nextToken: 't2', fetches: 2, iterations: 0, continueAsNew: false },
    });
  });
});
