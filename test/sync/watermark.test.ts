import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { type EndStatus, finishRun } from '../../functions/lib/finish-run';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { RunRecords } from '../../functions/lib/store/run-record';
import { initialProgress } from '../../functions/lib/sync/decide';
import { Watermarks } from '../../functions/lib/sync/watermark';
import { startTestTable, type TestTable } from '../support/dynalite';
import { glueRun } from '../support/fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(async () => table?.close());

const newest = { id: 'jr_9', startedOn: '2026-01-01T09:00:00.000Z' };
const pending = { id: 'jr_7', startedOn: '2026-01-01T07:00:00.000Z' };

/** Creates a running run of its own collection, then finishes it with `cursor`, ended as `ending` (the state machine names it). */
async function finishWith(
  collection: string,
  cursor: ReturnType<typeof initialCursor>,
  ending: EndStatus = 'succeeded',
) {
  const run = glueRun({ runId: collection, collection });
  const deps = {
    runs: new RunRecords(table.client, table.tableName),
    leases: new CollectionLeases(table.client, table.tableName),
    watermarks: new Watermarks(table.client, table.tableName),
    now: () => new Date('2026-01-02T00:00:00.000Z'),
  };
  await deps.runs.create(run, 'arn:execution', initialCursor('tokenPresence'));
  return finishRun({ outcome: 'succeeded', ending, run, cursor }, deps);
}

describe('the sync watermark', () => {
  const watermarks = () => new Watermarks(table.client, table.tableName);
  const synced = { ...initialProgress(), newest, oldestPending: pending };

  it('is absent until a sync of the collection succeeds', async () => {
    expect(await watermarks().get('glue.getJobRuns#never')).toBeNull();
  });

  it('is written by a succeeded sync: the newest run, the oldest unfinished one, the run and when', async () => {
    const out = await finishWith('c-succeeded', { ...initialCursor('tokenPresence'), page: 2, sync: synced });

    expect(await watermarks().get('c-succeeded')).toEqual({
      collection: 'c-succeeded',
      newest,
      oldestPending: pending,
      runId: 'c-succeeded',
      syncedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(out).toMatchObject({ status: 'succeeded', sync: { mode: 'full', pass: 'full' } });
  });

  it('is not written by a run stopped at a limit', async () => {
    await finishWith(
      'c-limited',
      {
        ...initialCursor('tokenPresence'),
        nextToken: 'more',
        limit: 'maxPages',
        sync: synced,
      },
      'stoppedAtLimit',
    );

    expect(await watermarks().get('c-limited')).toBeNull();
  });

  it('is not written after a sync whose pages were out of order', async () => {
    await finishWith('c-unordered', {
      ...initialCursor('tokenPresence'),
      sync: { ...synced, ordered: false },
    });

    expect(await watermarks().get('c-unordered')).toBeNull();
  });
});
