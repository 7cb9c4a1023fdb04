import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cursor, initialCursor } from '../../functions/lib/cursor';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { RunRecords } from '../../functions/lib/store/run-record';
import { TokenGuard } from '../../functions/lib/store/token-guard';
import { startTestTable, type TestTable } from '../support/dynalite';
import { glueRun } from '../support/fixtures';

/**
 * What the conditional writes of the run record, the collection lease and the token guard
 * allow and refuse, against a real (embedded) DynamoDB: the behaviour, not the expressions.
 */

const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:pagewalk:${name}`;

let table: TestTable;
/** The clock every store reads; tests move it. */
let now: Date;
const clock = () => now;
let runs: RunRecords;
let leases: CollectionLeases;
let tokens: TokenGuard;
let n = 0;
/** A run id and a collection of its own per test, so tests share one table without seeing each other. */
let runId: string;
let collection: string;

beforeAll(async () => {
  table = await startTestTable();
  runs = new RunRecords(table.client, table.tableName, clock);
  leases = new CollectionLeases(table.client, table.tableName, clock);
  tokens = new TokenGuard(table.client, table.tableName, clock);
});
afterAll(() => table.close());
beforeEach(() => {
  n += 1;
  runId = `run-${n}`;
  collection = `glue.getJobRuns#job-${n}`;
  now = new Date('2026-06-01T12:00:00Z');
});

const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const page = (fetches: number, changes: Partial<Cursor> = {}): Cursor => ({
  ...initialCursor('tokenPresence'),
  nextToken: `t${fetches}`,
  page: fetches,
  items: fetches * 10,
  written: fetches * 10,
  fetches,
  ...changes,
});

describe('the collection lease', () => {
  it('lets one run take a free collection and refuses any other with CollectionBusy naming the holder', async () => {
    await leases.acquire(collection, runId, arn(runId), 900);

    await expect(leases.acquire(collection, 'other-run', arn('other'), 900)).rejects.toMatchObject({
      name: 'CollectionBusy',
      message: expect.stringContaining(`run ${runId} (execution ${arn(runId)})`),
    });
    expect(await leases.holder(collection)).toMatchObject({ runId, executionArn: arn(runId) });
  });

  it('lets the run that holds it take it again, as a retried Start run does', async () => {
    await leases.acquire(collection, runId, arn(runId), 900);
    await expect(leases.acquire(collection, runId, arn(runId), 900)).resolves.toBeUndefined();
    expect(await leases.holder(collection)).toMatchObject({ runId });
  });

  it('lets another run take it once it has expired, and the old holder then loses it', async () => {
    await leases.acquire(collection, runId, arn(runId), 60);
    now = later(61);

    await leases.acquire(collection, 'next-run', arn('next'), 900);
    expect(await leases.holder(collection)).toMatchObject({ runId: 'next-run' });
    await expect(leases.renew(collection, runId, 900)).rejects.toMatchObject({
      name: 'LeaseLost',
      message: expect.stringContaining('run next-run took it'),
    });
  });

  it('renews for its holder only, extending the expiry and moving it to a new execution', async () => {
    await leases.acquire(collection, runId, arn(runId), 60);
    now = later(50);
    await leases.renew(collection, runId, 60, arn(`${runId}-s2`));
    now = later(50);

    expect(await leases.holder(collection)).toMatchObject({ runId, executionArn: arn(`${runId}-s2`) });
  });

  it('is released only by its holder, and with an execution ARN only while that execution holds it', async () => {
    await leases.acquire(collection, runId, arn(runId), 900);

    expect(await leases.release(collection, 'other-run')).toBe(false);
    expect(await leases.release(collection, runId, arn('older-segment'))).toBe(false);
    expect(await leases.holder(collection)).toMatchObject({ runId });
    expect(await leases.release(collection, runId, arn(runId))).toBe(true);
    expect(await leases.holder(collection)).toBeUndefined();
    expect(await leases.release(collection, runId)).toBe(false);
  });
});

describe('the run record', () => {
  const created = async () => {
    const config = glueRun({ runId, collection });
    await runs.create(config, arn(runId), initialCursor('tokenPresence'));
    return config;
  };

  it('is created once: the same execution creating it again succeeds, another is refused with RunStateConflict', async () => {
    const config = await created();

    await expect(runs.create(config, arn(runId), initialCursor('tokenPresence'))).resolves.toBeUndefined();
    await expect(runs.create(config, arn('intruder'), initialCursor('tokenPresence'))).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining(`started by ${arn(runId)}`),
    });
    expect(await runs.get(runId)).toMatchObject({ executionArn: arn(runId), status: 'running' });
  });

  it('checkpoints pages forward only: an older page leaves the newer checkpoint, a retried one is no error', async () => {
    await created();
    await runs.recordPage(runId, page(2));
    await runs.recordPage(runId, page(3));

    await expect(runs.recordPage(runId, page(2))).resolves.toBeUndefined();
    expect(await runs.get(runId)).toMatchObject({ fetches: 3, pages: 3, checkpoint: { nextToken: 't3' } });
    await expect(runs.recordPage(runId, page(3, { items: 99 }))).resolves.toBeUndefined();
    expect(await runs.get(runId)).toMatchObject({ fetches: 3, items: 99 });
  });

  it('accepts no page once the run has ended, and none for a run it has no record of', async () => {
    await created();
    await runs.complete(runId, 'succeeded', page(1, { nextToken: null }));

    await expect(runs.recordPage(runId, page(2))).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining('it is succeeded at fetch 0'),
    });
    await expect(runs.recordPage('no-such-run', page(1))).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: 'run no-such-run has no run record',
    });
    expect(await runs.get(runId)).toMatchObject({ status: 'succeeded', pages: 1 });
  });

  it('hands a continued segment over only at the fetch the previous segment reached, and again to the same execution', async () => {
    await created();
    await runs.recordPage(runId, page(4));
    const segment = {
      executionArn: arn(`${runId}-s2`),
      startedAt: now.toISOString(),
      startedAs: 'continued' as const,
    };

    await expect(
      runs.startSegment(runId, 2, segment, { fetches: 3, status: ['running'] }),
    ).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining('at fetch 4, expected running at fetch 3'),
    });
    await runs.startSegment(runId, 2, segment, { fetches: 4, status: ['running'] });
    // A retried start of the same segment finds it its own.
    await runs.startSegment(runId, 2, segment, { fetches: 4, status: ['running'] });

    expect(await runs.get(runId)).toMatchObject({ executionArn: arn(`${runId}-s2`), segmentCount: 2 });
  });

  it('resumes only from a status the caller allows, and makes the run running again', async () => {
    await created();
    await runs.recordPage(runId, page(1));
    await runs.fail(runId, { error: 'SourceUnavailable', message: 'down' });
    const segment = {
      executionArn: arn(`${runId}-r`),
      startedAt: now.toISOString(),
      startedAs: 'resumed' as const,
    };

    await expect(
      runs.startSegment(runId, 2, segment, { fetches: 1, status: ['stopped'] }),
    ).rejects.toMatchObject({ name: 'RunStateConflict', message: expect.stringContaining('it is failed') });
    await runs.startSegment(runId, 2, segment, { fetches: 1, status: ['failed', 'stopped'] });

    expect(await runs.get(runId)).toMatchObject({ status: 'running', executionArn: arn(`${runId}-r`) });
  });

  it('records an outside ending only while it is running in that very execution', async () => {
    await created();
    const ending = { error: 'States.Aborted', message: 'stopped' };

    expect(await runs.recordExternalEnding(runId, arn('another'), 'stopped', ending)).toBe(false);
    expect(await runs.get(runId)).toMatchObject({ status: 'running' });
    expect(await runs.recordExternalEnding(runId, arn(runId), 'stopped', ending)).toBe(true);
    expect(await runs.recordExternalEnding(runId, arn(runId), 'timedOut', ending)).toBe(false);
    expect(await runs.get(runId)).toMatchObject({ status: 'stopped', lastError: ending });
  });

  it('finishes only a run it has a record of, keeping the checkpoint on failure', async () => {
    await created();
    await runs.recordPage(runId, page(2));
    await runs.fail(runId, { error: 'ItemTooLarge', message: 'too big' });

    expect(await runs.get(runId)).toMatchObject({ status: 'failed', checkpoint: { nextToken: 't2' } });
    await expect(runs.fail('no-such-run', { error: 'X', message: 'y' })).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: 'run no-such-run has no run record',
    });
    expect(await runs.get('no-such-run')).toBeUndefined();
  });
});

describe('the token guard', () => {
  const seen = (pass: number, page: number, fetch: number) => ({ pass, page, fetch });

  it('fails with PaginationLoopDetected when a later page of the same pass returns a token again', async () => {
    await tokens.remember(runId, 'token-a', seen(0, 1, 1));
    await tokens.remember(runId, 'token-b', seen(0, 2, 2));

    await expect(tokens.remember(runId, 'token-a', seen(0, 3, 3))).rejects.toMatchObject({
      name: 'PaginationLoopDetected',
      message: expect.stringContaining('page 3 returned a NextToken that page 1 already returned'),
    });
  });

  it('lets a retried fetch of the same page, a new pass and another run see the token again', async () => {
    await tokens.remember(runId, 'token-a', seen(0, 1, 1));

    await expect(tokens.remember(runId, 'token-a', seen(0, 1, 1))).resolves.toBeUndefined();
    await expect(tokens.remember(runId, 'token-a', seen(1, 1, 5))).resolves.toBeUndefined();
    await expect(tokens.remember(`${runId}-other`, 'token-a', seen(0, 1, 1))).resolves.toBeUndefined();
  });
});
