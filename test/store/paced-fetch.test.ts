/**
 * The page-fetch core on a paced source, against dynalite, with the API's `fetch` mocked on a
 * fake clock: what each invocation calls, sleeps, checkpoints and hands the state machine.
 * "Wait for quota" is played by moving the clock by the cursor's waitSeconds.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Cursor, initialCursor } from '../../functions/lib/cursor';
import { type FetchPageEvent, fetchAndStorePages, pageStores } from '../../functions/lib/fetch-page';
import type { RunConfig } from '../../functions/lib/run-config';
import { collectionKeys } from '../../local/inspect';
import { startTestTable, type TestTable } from '../support/dynalite';
import { DEFAULT_OPTIONS } from '../support/fixtures';
import { PacedApi } from '../support/paced-api';
import { PACED_PLAN, writePacedDefinitions } from '../support/paced-definitions';

process.env.SOURCE_DEFINITIONS_DIR = writePacedDefinitions();

const T0 = Date.parse('2026-12-07T12:00:00.000Z');
let clock = T0;
let slept: number[] = [];
let api: PacedApi;
let table: TestTable;
let n = 0;

beforeAll(async () => {
  table = await startTestTable();
});
afterAll(() => table.close());
beforeEach(() => {
  clock = T0;
  slept = [];
  n += 1;
  api = new PacedApi({ pages: 8, perPage: 5, reportedRate: PACED_PLAN.rate, now: () => clock });
  vi.stubGlobal('fetch', api.fetch);
});
afterEach(() => vi.unstubAllGlobals());

const deps = () => ({
  ...pageStores(table.client, table.tableName),
  now: () => new Date(clock),
  sleep: async (ms: number) => {
    slept.push(ms);
    clock += ms;
  },
});

/** A new running run of `source` on a stream of its own, and its "Fetch first page" event. */
async function newRun(source = 'test.paced'): Promise<FetchPageEvent> {
  const stream = `s${n}`;
  const run: RunConfig = {
    runId: `paced-${n}`,
    source,
    params: { stream },
    collection: `${source}#${stream}`,
    options: { ...DEFAULT_OPTIONS, pageSize: 5, pollIntervalSeconds: 0 },
    segment: 1,
    nextExecutionName: `paced-${n}-s2`,
    since: { fetches: 0, written: 0, restarts: 0 },
  };
  const stores = pageStores(table.client, table.tableName);
  const cursor = initialCursor(
    'tokenPresence',
    source === 'test.paced' ? PACED_PLAN : undefined,
    new Date(clock),
  );
  await stores.leases.acquire(run.collection, run.runId, `arn:execution:${run.runId}`, 900);
  await stores.runs.create(run, `arn:execution:${run.runId}`, cursor);
  return { call: 'origin', run, cursor };
}

const next = (event: FetchPageEvent, cursor: Cursor): FetchPageEvent => ({
  ...event,
  call: 'continuation',
  cursor,
});
/** What "Wait for quota" does: nothing but let the seconds pass. */
const waitFor = (cursor: Cursor) => {
  clock += cursor.waitSeconds * 1000;
};
const checkpointOf = async (event: FetchPageEvent) =>
  (await pageStores(table.client, table.tableName).runs.get(event.run.runId))?.checkpoint;

describe('a paced source', () => {
  it('calls while the bucket holds calls, then hands the state machine the whole seconds to wait', async () => {
    const first = await newRun();
    // "Fetch first page" reads on past its origin call while the bucket holds calls.
    const three = await fetchAndStorePages(first, deps());

    // Burst 3: pages 1-3 at once; page 4 may come two seconds (and a 50 ms margin) later.
    expect(api.calls.map((c) => c.at - T0)).toEqual([0, 0, 0]);
    expect(three).toMatchObject({ page: 3, items: 15, waitSeconds: 2, waits: 1 });
    expect(three.pacing).toMatchObject({ nextCallAt: new Date(T0 + 2050).toISOString(), throttles: 0 });
    expect(slept).toEqual([]);
    // Every cursor handed back is the checkpoint, so a continue-as-new after a wait is accepted.
    expect(await checkpointOf(first)).toEqual(three);
  });

  it('reads on after the wait, one call per 1/rate, until the source has no more', async () => {
    const first = await newRun();
    let cursor = await fetchAndStorePages(first, deps());
    while (cursor.nextToken !== null) {
      waitFor(cursor);
      cursor = await fetchAndStorePages(next(first, cursor), deps());
    }

    expect(cursor).toMatchObject({ page: 8, items: 40, waitSeconds: 0, waits: 5, limit: null });
    expect(api.calls.map((c) => (c.at - T0) / 1000)).toEqual([0, 0, 0, 2.05, 4.05, 6.05, 8.05, 10.05]);
    // "Wait for quota" waited the whole seconds; the function slept only the margin, once.
    expect(slept).toEqual([50]);
    expect(api.throttled).toBe(0);
    expect(await collectionKeys(table.client, table.tableName, first.run.collection)).toEqual(api.ids());
  });

  it('sleeps a remainder under a second itself, and leaves whole seconds to the state machine', async () => {
    api.reportedRate = 0.8;
    const first = await newRun();
    const three = await fetchAndStorePages(first, deps());
    waitFor(three);
    await fetchAndStorePages(next(first, three), deps());

    // 1.25 s between calls at 0.8/s, and the margin: "Wait for quota" waits 1 s, the function the other 0.3 s.
    expect(three.waitSeconds).toBe(1);
    expect(slept).toEqual([300]);
    expect(api.calls.map((c) => c.at - T0)).toEqual([0, 0, 0, 1300]);
  });

  it('takes the rate the API reports in place of the usage plan', async () => {
    api.reportedRate = 0.1;
    const first = await newRun();
    const three = await fetchAndStorePages(first, deps());

    expect(three.pacing?.rate).toBe(0.1);
    expect(three.waitSeconds).toBe(10);
  });

  /** Answers the `nth` call of the API (counting from now) with 429. */
  const throttleCall = (nth: number) => {
    const original = api.answer.bind(api);
    let k = 0;
    vi.spyOn(api, 'answer').mockImplementation((url) => {
      if (++k === nth) api.throttleNext = 1;
      return original(url);
    });
  };

  it('turns a quota answer into a wait, not an error: the page before stands and the rate drops', async () => {
    const first = await newRun();
    throttleCall(2);
    const held = await fetchAndStorePages(first, deps());

    // The throttled call read nothing: the cursor is page 1's, with an empty bucket at 0.4/s.
    expect(held).toMatchObject({ page: 1, fetches: 1, nextToken: 'p2', waitSeconds: 2, waits: 1 });
    expect(held.pacing).toMatchObject({ tokens: 0, rate: 0.4, throttles: 1 });
    expect(await checkpointOf(first)).toEqual(held);

    waitFor(held);
    const after = await fetchAndStorePages(next(first, held), deps());
    // 2.5 s at the lowered rate: the function slept the last half second (and the margin), and a
    // header of 0.5/s was not taken back after the throttle.
    expect(slept).toEqual([550]);
    expect(after).toMatchObject({ page: 2, waitSeconds: 2 });
    expect(after.pacing?.rate).toBe(0.4);
  });

  it('hands a quota answer in the middle of an invocation to the state machine as a wait, after the pages it read', async () => {
    const first = await newRun();
    // The third call of the invocation is answered 429.
    throttleCall(3);
    const held = await fetchAndStorePages(first, deps());

    expect(api.calls).toHaveLength(3);
    expect(held).toMatchObject({ page: 2, fetches: 2, waitSeconds: 2 });
    expect(held.pacing?.throttles).toBe(1);
    expect(await checkpointOf(first)).toEqual(held);
  });

  it('does not send a token that would expire before the call its quota allows: the run restarts from the origin call', async () => {
    api.reportedRate = 0.01;
    const first = await newRun();
    const three = await fetchAndStorePages(first, deps());
    const calls = api.calls.length;

    // 100 s until the next call; the token lives 60 s: no point waiting for it.
    expect(three).toMatchObject({ page: 3, waitSeconds: 0 });
    await expect(fetchAndStorePages(next(first, three), deps())).rejects.toMatchObject({
      name: 'NextTokenCorrupted',
      message: expect.stringContaining('expires at'),
    });
    expect(api.calls.length).toBe(calls);
  });

  it('waits for quota before the origin call of a restart, counting the restart once', async () => {
    const first = await newRun();
    const three = await fetchAndStorePages(first, deps());
    const calls = api.calls.length;
    const restart: FetchPageEvent = {
      ...first,
      call: 'restart',
      cursor: { ...three, waitSeconds: 0, tokenError: { Error: 'NextTokenCorrupted', Cause: 'expired' } },
    };
    const held = await fetchAndStorePages(restart, deps());

    expect(api.calls.length).toBe(calls);
    expect(held).toMatchObject({
      page: 0,
      items: 0,
      nextToken: null,
      restarts: 1,
      fetches: 3,
      waitSeconds: 2,
    });
    expect(await checkpointOf(first)).toEqual(held);

    waitFor(held);
    const page1 = await fetchAndStorePages({ ...first, call: 'origin', cursor: held }, deps());
    expect(page1).toMatchObject({ page: 1, items: 5, restarts: 1, fetches: 4 });
    expect(api.calls.at(-1)?.token).toBeNull();
  });
});

describe('a source without a usage plan', () => {
  it('throws a throttle for the Task Retry to back off, as before pacing', async () => {
    const first = await newRun('test.unpaced');
    api.throttleNext = 1;

    await expect(fetchAndStorePages(first, deps())).rejects.toMatchObject({ name: 'QuotaExceeded' });
    expect(slept).toEqual([]);
  });

  it('fails a token that comes back as a pagination loop: only a source that declares it polls', async () => {
    api.pages = 2;
    const first = await newRun('test.unpaced');
    // The API answers page 2 with the token of page 2 again.
    const original = api.answer.bind(api);
    vi.spyOn(api, 'answer').mockImplementation((url) => {
      const answer = original(url);
      return { ...answer, body: answer.body.replace('"next":null', '"next":"p2"') };
    });

    await expect(fetchAndStorePages(first, deps())).rejects.toMatchObject({
      name: 'PaginationLoopDetected',
    });
    // Page 1 stands: the checkpoint is the page before the repeated token.
    expect(await checkpointOf(first)).toMatchObject({ page: 1, nextToken: 'p2' });
  });
});

describe('a source whose end of items is the token it was sent (the fourth signal)', () => {
  it('says MoreResultsAvailable=false when the token comes back, polls with it, and reads on when items come', async () => {
    api = new PacedApi({ pages: 2, perPage: 5, repeatAtEnd: true, now: () => clock });
    vi.stubGlobal('fetch', api.fetch);
    const first = await newRun('test.logStream');
    const end = await fetchAndStorePages(first, deps());

    expect(end).toMatchObject({ page: 3, items: 10, nextToken: 'p3', moreResultsAvailable: false, polls: 0 });
    const polled = await fetchAndStorePages(next(first, end), deps());
    expect(polled).toMatchObject({ page: 4, nextToken: 'p3', moreResultsAvailable: false, polls: 1 });

    api.pages = 3;
    const more = await fetchAndStorePages(next(first, polled), deps());
    expect(more).toMatchObject({ items: 15, moreResultsAvailable: false, polls: 2 });
    expect(await collectionKeys(table.client, table.tableName, first.run.collection)).toEqual(api.ids());
  });
});
