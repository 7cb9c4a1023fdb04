import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { reconcileExecution } from '../../functions/lib/reconcile';
import { runIdOfExecution } from '../../functions/lib/run-config';
import type { CollectionLeases } from '../../functions/lib/store/lease';
import type { RunRecords } from '../../functions/lib/store/run-record';
import { openRunStores, type TestTable } from '../support/dynalite';
import { glueRun } from '../support/fixtures';

const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk:${name}`;
const collection = 'glue.getJobRuns#nightly-etl';

let table: TestTable;
let runs: RunRecords;
let leases: CollectionLeases;
let n = 0;
/** A run id of its own per test, so tests share one table without seeing each other. */
let runId: string;

beforeAll(async () => {
  ({ table, runs, leases } = await openRunStores());
});
afterAll(() => table.close());
beforeEach(() => {
  n += 1;
  runId = `run-${n}`;
});

/** A new run `runId` running in `executionArn` on its own collection, holding its lease. */
async function running(executionArn = arn(runId)) {
  const config = glueRun({ runId, collection: `${collection}-${n}` });
  await leases.acquire(config.collection, runId, executionArn, 900);
  await runs.create(config, executionArn, initialCursor('tokenPresence'));
  return config;
}

describe('reconciling an execution that ended without recording it', () => {
  it('records a stopped execution as stopped and releases the lease at once', async () => {
    const config = await running();

    const result = await reconcileExecution(
      { executionArn: arn(runId), status: 'ABORTED', input: JSON.stringify({ source: 'glue.getJobRuns' }) },
      { runs, leases },
    );

    expect(result).toEqual({ runId, recorded: 'stopped', leaseReleased: true, status: 'stopped' });
    const record = await runs.get(runId);
    expect(record?.status).toBe('stopped');
    expect(record?.lastError).toEqual({
      error: 'States.Aborted',
      message: 'The execution was stopped before it recorded an ending.',
    });
    expect(await leases.holder(config.collection)).toBeUndefined();
  });

  it('records a timed-out execution as timedOut with the error Step Functions gave', async () => {
    await running();

    const result = await reconcileExecution(
      {
        executionArn: arn(runId),
        status: 'TIMED_OUT',
        input: { source: 'glue.getJobRuns' },
        error: 'States.Timeout',
        cause: 'the execution ran past its TimeoutSeconds',
      },
      { runs, leases },
    );

    expect(result.recorded).toBe('timedOut');
    expect((await runs.get(runId))?.lastError).toEqual({
      error: 'States.Timeout',
      message: 'the execution ran past its TimeoutSeconds',
    });
  });

  it('records a failure the state machine could not write as failed', async () => {
    await running();

    const result = await reconcileExecution(
      {
        executionArn: arn(runId),
        status: 'FAILED',
        input: '{"source":"glue.getJobRuns"}',
        error: 'ThrottlingException',
      },
      { runs, leases },
    );

    expect(result).toMatchObject({ recorded: 'failed', leaseReleased: true, status: 'failed' });
  });

  it('leaves a run alone that its execution already recorded as failed, and says so', async () => {
    const config = await running();
    await runs.fail(runId, { error: 'EntityNotFoundException', message: 'job not found' });
    await leases.release(config.collection, runId);

    const result = await reconcileExecution(
      { executionArn: arn(runId), status: 'FAILED', input: { source: 'glue.getJobRuns' } },
      { runs, leases },
    );

    expect(result).toEqual({ runId, recorded: null, leaseReleased: false, status: 'failed' });
    expect((await runs.get(runId))?.lastError?.error).toBe('EntityNotFoundException');
  });

  it('never touches a run that a later segment has taken over', async () => {
    const config = await running();
    const next = arn(`${runId}-s2`);
    await runs.startSegment(
      runId,
      2,
      { executionArn: next, startedAt: new Date().toISOString(), startedAs: 'continued' },
      { fetches: 0, status: ['running'] },
    );
    await leases.renew(config.collection, runId, 900, next);

    const result = await reconcileExecution(
      { executionArn: arn(runId), status: 'ABORTED', input: { source: 'glue.getJobRuns' } },
      { runs, leases },
    );

    expect(result).toEqual({ runId, recorded: null, leaseReleased: false, status: 'running' });
    expect((await leases.holder(config.collection))?.executionArn).toBe(next);
  });

  it('needs nothing for a succeeded execution, even while its record still names it', async () => {
    const config = await running();

    const result = await reconcileExecution(
      { executionArn: arn(runId), status: 'SUCCEEDED', input: { source: 'glue.getJobRuns' } },
      { runs, leases },
    );

    expect(result).toEqual({ runId, recorded: null, leaseReleased: false, status: 'running' });
    expect((await leases.holder(config.collection))?.runId).toBe(runId);
  });

  it('finds the run of a continued segment and of a resume from their input', async () => {
    await running(arn('some-segment'));

    const result = await reconcileExecution(
      {
        executionArn: arn('some-segment'),
        status: 'ABORTED',
        input: { continue: { runId, segment: 2, cursor: {} } },
      },
      { runs, leases },
    );

    expect(result.recorded).toBe('stopped');
  });

  it('does nothing for an execution whose input names no run', async () => {
    const result = await reconcileExecution(
      { executionArn: arn('garbage'), status: 'ABORTED', input: 'not json' },
      { runs, leases },
    );

    expect(result).toEqual({ runId: null, recorded: null, leaseReleased: false, status: null });
  });
});

describe('which run an execution worked on', () => {
  it('is the execution name for a new run, the resumed run, or the continued run', () => {
    expect(runIdOfExecution('{"source":"glue.getJobRuns"}', 'my-run')).toBe('my-run');
    expect(runIdOfExecution({ resume: 'old-run' }, 'resume-1')).toBe('old-run');
    expect(runIdOfExecution({ continue: { runId: 'r' } }, 'r-s2')).toBe('r');
    expect(runIdOfExecution('{}', 'x')).toBeUndefined();
    expect(runIdOfExecution('{', 'x')).toBeUndefined();
  });
});

describe('reconciling an execution reported without its input', () => {
  it("finds a new run by the execution's name and records it", async () => {
    await running();

    const result = await reconcileExecution(
      { executionArn: arn(runId), status: 'ABORTED' },
      { runs, leases },
    );

    expect(result).toMatchObject({ runId, recorded: 'stopped', leaseReleased: true });
  });
});
