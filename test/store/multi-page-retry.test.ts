import {
  GetJobRunsCommand,
  type GetJobRunsCommandInput,
  GlueClient,
  JobRunState,
} from '@aws-sdk/client-glue';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cursor, initialCursor } from '../../functions/lib/cursor';
import { type FetchPageEvent, fetchAndStorePages, pageStores } from '../../functions/lib/fetch-page';
import { RunRecords } from '../../functions/lib/store/run-record';
import { collectionKeys } from '../../local/inspect';
import { startTestTable, type TestTable } from '../support/dynalite';
import { DEFAULT_OPTIONS, glueRun } from '../support/fixtures';

const PAGES = 5;
const PAGE = 20;
const glue = mockClient(GlueClient);

/** Five pages of twenty runs; `t<n>` is the token of page n. */
function serveFivePages(input: GetJobRunsCommandInput) {
  const n = input.NextToken ? Number(input.NextToken.slice(1)) : 1;
  return {
    JobRuns: Array.from({ length: PAGE }, (_, i) => ({
      Id: `jr_${n}_${i}`,
      JobName: 'nightly-etl',
      StartedOn: new Date(Date.UTC(2026, 0, 1)),
      JobRunState: JobRunState.SUCCEEDED,
    })),
    NextToken: n < PAGES ? `t${n + 1}` : undefined,
  };
}

/** Run records whose checkpoint of one page fails once, after that page's items were written. */
class FailingCheckpoint extends RunRecords {
  /** The record's `fetches` after every checkpoint call that returned. */
  readonly seen: number[] = [];
  private failed = false;

  constructor(
    table: TestTable,
    private readonly failAtFetch: number,
  ) {
    super(table.client, table.tableName);
  }

  override async recordPage(runId: string, cursor: Cursor): Promise<void> {
    if (!this.failed && cursor.fetches === this.failAtFetch) {
      this.failed = true;
      throw Object.assign(new Error('injected: the checkpoint write timed out'), {
        name: 'InternalServerError',
      });
    }
    await super.recordPage(runId, cursor);
    this.seen.push((await this.get(runId))?.fetches ?? -1);
  }
}

/** The cursor after all five pages, read in one invocation. */
const DRAINED = { nextToken: null, page: 5, items: 100, fetches: 5, written: 100, iterations: 1 };

let table: TestTable;
let n = 0;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(() => table.close());
beforeEach(() => {
  glue.reset();
  glue.on(GetJobRunsCommand).callsFake(serveFivePages);
  n += 1;
});

/**
 * A new running run on a collection of its own, and the event of an invocation that reads all
 * five pages: by default a continuation call for page 1 (token t1), or "Fetch first page"'s
 * origin call, which reads on past page 1 just the same.
 */
async function newRun(call: 'origin' | 'continuation' = 'continuation'): Promise<FetchPageEvent> {
  const run = glueRun({
    runId: `retry-${n}`,
    collection: `glue.getJobRuns#retry-${n}`,
    options: { ...DEFAULT_OPTIONS, pagesPerInvocation: 25 },
  });
  const stores = pageStores(table.client, table.tableName);
  await stores.leases.acquire(run.collection, run.runId, `arn:execution:${run.runId}`, 900);
  await stores.runs.create(run, `arn:execution:${run.runId}`, initialCursor('tokenPresence'));
  const cursor = initialCursor('tokenPresence');
  return call === 'origin' ? { call, run, cursor } : { call, run, cursor: { ...cursor, nextToken: 't1' } };
}

describe('when a multi-page invocation is retried', () => {
  it.each([
    ['the 2nd', 2],
    ['the 4th', 4],
  ])(
    'ends exact after failing at %s of 5 pages, after its write and before its checkpoint',
    async (_, failAt) => {
      const event = await newRun();
      const runs = new FailingCheckpoint(table, failAt);
      const deps = { ...pageStores(table.client, table.tableName), runs };

      await expect(fetchAndStorePages(event, deps)).rejects.toMatchObject({ name: 'InternalServerError' });
      const afterFailure = await runs.get(event.run.runId);
      // The Task's retry: the same event, so it re-reads from the cursor it was given.
      const cursor = await fetchAndStorePages(event, deps);

      expect(afterFailure?.fetches).toBe(failAt - 1);
      expect(cursor).toMatchObject(DRAINED);
      expect(await runs.get(event.run.runId)).toMatchObject({
        status: 'running',
        pages: 5,
        items: 100,
        written: 100,
        fetches: 5,
        checkpoint: cursor,
      });
      // The checkpoint never moved backwards, not even while the retry re-read pages behind it.
      expect(runs.seen).toEqual([...runs.seen].sort((a, b) => a - b));
      const keys = await collectionKeys(table.client, table.tableName, event.run.collection);
      expect(keys).toHaveLength(100);
      expect(new Set(keys).size).toBe(100);
    },
  );
});

describe('when Step Functions retries an invocation whose failed attempt checkpointed pages', () => {
  const tokensAsked = () =>
    glue.commandCalls(GetJobRunsCommand).map((call) => call.args[0].input.NextToken ?? null);

  it.each(['continuation', 'origin'] as const)(
    'goes on from the checkpoint instead of re-reading, and ends exact (%s call)',
    async (call) => {
      const event = await newRun(call);
      const runs = new FailingCheckpoint(table, 4);
      const deps = { ...pageStores(table.client, table.tableName), runs };
      await expect(fetchAndStorePages(event, deps)).rejects.toMatchObject({ name: 'InternalServerError' });
      glue.resetHistory();

      const cursor = await fetchAndStorePages({ ...event, retryCount: 1 }, deps);

      // Pages 1–3 were checkpointed: the retry asks for page 4 first, never for t1..t3.
      expect(tokensAsked()).toEqual(['t4', 't5']);
      expect(cursor).toMatchObject(DRAINED);
      expect((await runs.get(event.run.runId))?.checkpoint).toEqual(cursor);
      expect(await collectionKeys(table.client, table.tableName, event.run.collection)).toHaveLength(100);
    },
  );

  it.each(['continuation', 'origin'] as const)(
    'hands the checkpoint to the Choice at once when the failed attempt had reached the last page (%s call)',
    async (call) => {
      const event = await newRun(call);
      const deps = pageStores(table.client, table.tableName);
      // The first attempt read every page, but its answer was lost (it timed out returning).
      const first = await fetchAndStorePages(event, deps);
      glue.resetHistory();

      const retried = await fetchAndStorePages({ ...event, retryCount: 1 }, deps);

      expect(tokensAsked()).toEqual([]);
      expect(retried).toMatchObject({ nextToken: null, page: 5, items: 100, fetches: 5, iterations: 1 });
      expect(retried.historyEvents).toBeGreaterThan(first.historyEvents ?? 0);
    },
  );
});

describe('when an item write fails while the page after it is being written', () => {
  /** The table's client, whose item write of page `page` fails once, slowly, so the page after it is durable first. */
  function failingItemWriteOnce(page: number): DynamoDBDocumentClient {
    let failed = false;
    const client = table.client;
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
          const rows =
            command instanceof BatchWriteCommand ? command.input.RequestItems?.[table.tableName] : [];
          const sk = rows?.[0]?.PutRequest?.Item?.sk;
          if (!failed && typeof sk === 'string' && sk.startsWith(`jr_${page}_`)) {
            failed = true;
            await new Promise((resolve) => setTimeout(resolve, 50));
            throw Object.assign(new Error('injected: the item write failed'), {
              name: 'InternalServerError',
            });
          }
          return target.send(command as never);
        };
      },
    });
  }

  it('keeps the checkpoint before that page, and the retry ends exact with no loop detected', async () => {
    const event = await newRun();
    const stores = pageStores(table.client, table.tableName);
    const deps = { ...stores, client: failingItemWriteOnce(3) };

    await expect(fetchAndStorePages(event, deps)).rejects.toThrow('injected: the item write failed');
    const afterFailure = await stores.runs.get(event.run.runId);
    const keysAfterFailure = await collectionKeys(table.client, table.tableName, event.run.collection);
    const cursor = await fetchAndStorePages({ ...event, retryCount: 1 }, deps);

    expect(afterFailure?.fetches).toBe(2);
    // Page 4 was written beside page 3, before page 3's write failed: it is written again, the same rows.
    expect(keysAfterFailure.filter((key) => key.startsWith('jr_4_'))).toHaveLength(PAGE);
    expect(keysAfterFailure.filter((key) => key.startsWith('jr_3_'))).toHaveLength(0);
    expect(cursor).toMatchObject(DRAINED);
    expect(await stores.runs.get(event.run.runId)).toMatchObject({
      pages: 5,
      items: 100,
      written: 100,
      fetches: 5,
    });
    const keys = await collectionKeys(table.client, table.tableName, event.run.collection);
    expect(new Set(keys).size).toBe(100);
    expect(keys).toHaveLength(100);
  });
});
