import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetJobRunsCommand,
  type GetJobRunsCommandInput,
  GlueClient,
  InvalidInputException,
  type JobRun,
  JobRunState,
} from '@aws-sdk/client-glue';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Cursor, initialCursor } from '../../functions/lib/cursor';
import {
  type FetchPageEvent,
  fetchAndStorePages,
  type InvocationContext,
  pageStores,
} from '../../functions/lib/fetch-page';
import type { RunOptions } from '../../functions/lib/run-config';
import { DEFAULT_OPTIONS, glueRun } from '../support/fixtures';

const TABLE = 'pagewalk-unit';
const glue = mockClient(GlueClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
let deps: ReturnType<typeof pageStores>;

const PAGE = 10;
const jobRuns = (page: number): JobRun[] =>
  Array.from({ length: PAGE }, (_, i) => ({
    Id: `jr_${page}_${i}`,
    JobName: 'nightly-etl',
    StartedOn: new Date(Date.UTC(2026, 0, 1)),
    JobRunState: JobRunState.SUCCEEDED,
  }));
/** The page a token points at: none is page 1, `t<n>` is page n; `pages` is the last. */
const pageOf = (input: GetJobRunsCommandInput) => (input.NextToken ? Number(input.NextToken.slice(1)) : 1);
const serve = (pages: number) => (input: GetJobRunsCommandInput) => {
  const n = pageOf(input);
  return { JobRuns: jobRuns(n), NextToken: n < pages ? `t${n + 1}` : undefined };
};
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A continuation call for page 1 (token `t1`), or with no token "Fetch first page"'s origin call. */
const event = (
  options: Partial<RunOptions> = {},
  cursor: Partial<Cursor> = { nextToken: 't1' },
): FetchPageEvent => ({
  call: cursor.nextToken ? 'continuation' : 'origin',
  run: glueRun({ runId: 'run-m', options: { ...DEFAULT_OPTIONS, ...options } }),
  cursor: { ...initialCursor('tokenPresence'), ...cursor },
});
/** The run-record checkpoints written, in order, by their fetch count. */
const checkpoints = () =>
  dynamo
    .commandCalls(UpdateCommand)
    .filter((c) => c.args[0].input.Key?.pk === 'run#run-m')
    .map((c) => c.args[0].input.ExpressionAttributeValues?.[':fetches']);

beforeEach(() => {
  glue.reset();
  dynamo.reset();
  dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  dynamo.on(UpdateCommand).resolves({});
  deps = pageStores(client, TABLE);
});

describe('when one invocation reads several pages', () => {
  it('reads up to pagesPerInvocation pages, checkpointing each, and returns the cursor after the last', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));

    const cursor = await fetchAndStorePages(event({ pagesPerInvocation: 4 }), deps);

    expect(glue.commandCalls(GetJobRunsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      't1',
      't2',
      't3',
      't4',
    ]);
    expect(checkpoints()).toEqual([1, 2, 3, 4]);
    expect(cursor).toMatchObject({ nextToken: 't5', page: 4, items: 40, fetches: 4, written: 40 });
    // The history budget counts invocations: one, however many pages it read.
    expect(cursor.iterations).toBe(1);
  });

  it('fetches on while the pages before are written, checkpoints a page only once it is durable and in order, and holds at most three pages', async () => {
    const log: string[] = [];
    glue.on(GetJobRunsCommand).callsFake((input: GetJobRunsCommandInput) => {
      log.push(`fetch ${pageOf(input)}`);
      return serve(5)(input);
    });
    dynamo.on(BatchWriteCommand).callsFake(async (input) => {
      const page = (input.RequestItems[TABLE][0].PutRequest.Item.sk as string).split('_')[1];
      log.push(`writing ${page}`);
      await delay(20);
      log.push(`written ${page}`);
      return { UnprocessedItems: {} };
    });
    dynamo.on(UpdateCommand).callsFake((input) => {
      if (input.Key.pk === 'run#run-m') log.push(`checkpoint ${input.ExpressionAttributeValues[':fetches']}`);
      return {};
    });

    const cursor = await fetchAndStorePages(event(), deps);

    expect(cursor).toMatchObject({ nextToken: null, page: 5, items: 50 });
    const at = (entry: string) => log.indexOf(entry);
    // A slow write does not hold the next call back: page 3 is asked for while page 1 is written...
    expect(at('fetch 2')).toBeLessThan(at('written 1'));
    expect(at('fetch 3')).toBeLessThan(at('written 1'));
    // ...and page 2 is written beside it, but no further: page 4 waits for page 1 to be durable,
    // so pages 2 and 3 are written while page 4 is fetched, three pages at most.
    expect(at('writing 2')).toBeLessThan(at('written 1'));
    expect(at('writing 3')).toBeGreaterThan(at('written 1'));
    expect(at('fetch 4')).toBeGreaterThan(at('written 1'));
    expect(at('fetch 5')).toBeGreaterThan(at('written 2'));
    for (const page of [1, 2, 3, 4, 5]) {
      expect(at(`checkpoint ${page}`)).toBeGreaterThan(at(`written ${page}`));
    }
    // Page 1's checkpoint is written while page 2 is: off the next page's critical path.
    expect(at('checkpoint 1')).toBeLessThan(at('written 2'));
    expect(log.filter((e) => e.startsWith('checkpoint'))).toEqual([
      'checkpoint 1',
      'checkpoint 2',
      'checkpoint 3',
      'checkpoint 4',
      'checkpoint 5',
    ]);
  });

  it('checkpoints no page past one whose write failed, while the page after it was being written', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(6));
    dynamo.on(BatchWriteCommand).callsFake(async (input) => {
      const page = (input.RequestItems[TABLE][0].PutRequest.Item.sk as string).split('_')[1];
      // Page 3 fails slowly, so page 4 is written (and page 5 fetched) before it does.
      await delay(page === '3' ? 30 : 5);
      if (page === '3') throw Object.assign(new Error('write failed'), { name: 'InternalServerError' });
      return { UnprocessedItems: {} };
    });

    await expect(fetchAndStorePages(event(), deps)).rejects.toThrow('write failed');

    expect(checkpoints()).toEqual([1, 2]);
    expect(glue.commandCalls(GetJobRunsCommand).length).toBeLessThanOrEqual(5);
  });

  it('hands control back on the page without a token', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(3));

    const cursor = await fetchAndStorePages(event(), deps);

    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(3);
    expect(cursor).toMatchObject({ nextToken: null, page: 3, items: 30 });
  });

  it('hands control back on the page that reaches a limit', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));

    const cursor = await fetchAndStorePages(event({ maxPages: 2 }), deps);

    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(2);
    expect(cursor).toMatchObject({ page: 2, limit: 'maxPages' });
  });

  it('reads on past the first page on an origin call, up to pagesPerInvocation', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));

    const cursor = await fetchAndStorePages(event({ pagesPerInvocation: 4 }, {}), deps);

    const tokens = glue.commandCalls(GetJobRunsCommand).map((c) => c.args[0].input.NextToken ?? null);
    expect(tokens).toEqual([null, 't2', 't3', 't4']);
    expect(cursor).toMatchObject({ nextToken: 't5', page: 4, fetches: 4, items: 40, iterations: 1 });
    expect(checkpoints()).toEqual([1, 2, 3, 4]);
  });

  it('throws a token refused on a later page of an origin call, after the page before is checkpointed', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));
    glue
      .on(GetJobRunsCommand, { NextToken: 't3' })
      .rejects(new InvalidInputException({ message: 'Invalid NextToken', $metadata: {} }));

    await expect(fetchAndStorePages(event({}, {}), deps)).rejects.toMatchObject({
      name: 'NextTokenCorrupted',
    });

    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(3);
    expect(checkpoints()).toEqual([1, 2]);
  });

  it('reads one page on a restart call, whatever pagesPerInvocation says', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));
    dynamo.on(GetCommand).resolves({});
    const caught = event({}, { nextToken: 't5', page: 4, fetches: 4 });
    const tokenError = { Error: 'NextTokenCorrupted', Cause: 'Invalid NextToken' };

    const cursor = await fetchAndStorePages(
      { ...caught, call: 'restart', cursor: { ...caught.cursor, tokenError } },
      deps,
    );

    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(1);
    expect(glue.commandCalls(GetJobRunsCommand)[0]?.args[0].input.NextToken).toBeUndefined();
    expect(cursor).toMatchObject({ nextToken: 't2', page: 1, fetches: 5, restarts: 1 });
  });

  it('reads one page per invocation with pagesPerInvocation 1', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));

    const cursor = await fetchAndStorePages(event({ pagesPerInvocation: 1 }), deps);

    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(1);
    expect(cursor).toMatchObject({ nextToken: 't2', page: 1, fetches: 1, iterations: 1 });
  });
});

describe('the time budget', () => {
  it('stops an invocation a few page times before the function timeout', async () => {
    glue.on(GetJobRunsCommand).callsFake(async (input: GetJobRunsCommandInput) => {
      await delay(40);
      return serve(1000)(input);
    });
    const deadline = Date.now() + 1500;
    const context: InvocationContext = { getRemainingTimeInMillis: () => deadline - Date.now() };

    const cursor = await fetchAndStorePages(
      event({ pagesPerInvocation: 1000, invocationBudgetSeconds: 900 }),
      deps,
      { context },
    );

    expect(context.getRemainingTimeInMillis()).toBeGreaterThanOrEqual(300);
    expect(cursor.page).toBeGreaterThan(2);
    expect(cursor.nextToken).not.toBeNull();
  });

  it('stops an invocation within invocationBudgetSeconds', async () => {
    glue.on(GetJobRunsCommand).callsFake(async (input: GetJobRunsCommandInput) => {
      await delay(50);
      return serve(1000)(input);
    });
    const started = Date.now();

    const cursor = await fetchAndStorePages(
      event({ pagesPerInvocation: 1000, invocationBudgetSeconds: 1 }),
      deps,
    );

    expect(Date.now() - started).toBeLessThanOrEqual(1000);
    expect(cursor.page).toBeGreaterThan(3);
  });
});

describe('when a later source call fails', () => {
  it('returns the last checkpointed cursor, so the next invocation makes the call again', async () => {
    glue.on(GetJobRunsCommand).callsFake((input: GetJobRunsCommandInput) => {
      if (pageOf(input) === 3)
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return serve(10)(input);
    });
    const deferred: string[] = [];

    const cursor = await fetchAndStorePages(event(), deps, {
      onDeferredError: (error) => deferred.push((error as Error).name),
    });

    expect(cursor).toMatchObject({ nextToken: 't3', page: 2, fetches: 2 });
    expect(checkpoints()).toEqual([1, 2]);
    expect(deferred).toEqual(['ThrottlingException']);
  });

  it('raises NextTokenCorrupted at once, after checkpointing the pages before it', async () => {
    glue.on(GetJobRunsCommand).callsFake((input: GetJobRunsCommandInput) => {
      if (pageOf(input) === 3)
        throw new InvalidInputException({ message: 'Invalid NextToken', $metadata: {} });
      return serve(10)(input);
    });

    await expect(fetchAndStorePages(event(), deps)).rejects.toMatchObject({ name: 'NextTokenCorrupted' });
    expect(checkpoints()).toEqual([1, 2]);
    expect(glue.commandCalls(GetJobRunsCommand)).toHaveLength(3);
  });
});

describe('when a later page cannot be written', () => {
  it('fails with ItemTooLarge after checkpointing the pages before it, writing nothing of that page', async () => {
    glue.on(GetJobRunsCommand).callsFake((input: GetJobRunsCommandInput) => {
      const served = serve(10)(input);
      if (pageOf(input) !== 3) return served;
      return { ...served, JobRuns: [{ ...served.JobRuns[0], ErrorMessage: 'x'.repeat(410 * 1024) }] };
    });

    await expect(fetchAndStorePages(event(), deps)).rejects.toMatchObject({ name: 'ItemTooLarge' });
    expect(checkpoints()).toEqual([1, 2]);
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(2);
  });
});

describe('restarting after NextTokenCorrupted', () => {
  const restart = (cursor: Partial<Cursor>): FetchPageEvent => ({
    ...event({ pagesPerInvocation: 1 }, cursor),
    call: 'restart',
    cursor: {
      ...initialCursor('tokenPresence'),
      ...cursor,
      tokenError: { Error: 'NextTokenCorrupted', Cause: 'Invalid NextToken' },
    },
  });
  const recordAt = (checkpoint: Partial<Cursor>) =>
    dynamo.on(GetCommand).resolves({
      Item: {
        runId: 'run-m',
        status: 'running',
        checkpoint: { ...initialCursor('tokenPresence'), ...checkpoint },
      },
    });

  it('counts on from the checkpoint the caught invocation wrote before its token was refused', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));
    recordAt({ nextToken: 't4', page: 3, items: 30, fetches: 3, written: 30 });

    const cursor = await fetchAndStorePages(
      restart({ nextToken: 't2', page: 1, items: 10, fetches: 1, written: 10 }),
      deps,
    );

    expect(glue.commandCalls(GetJobRunsCommand)[0]?.args[0].input.NextToken).toBeUndefined();
    expect(cursor).toMatchObject({ page: 1, items: 10, restarts: 1, fetches: 4, written: 40 });
  });

  it('counts from where the new pass began when a retried restart finds its own earlier pages', async () => {
    glue.on(GetJobRunsCommand).callsFake(serve(10));
    // The first attempt read pages 1 and 2 of pass 1 (fetches 4 and 5) from a pass-0 checkpoint at fetch 3.
    recordAt({ nextToken: 't3', page: 2, items: 20, restarts: 1, fetches: 5, written: 50 });

    const cursor = await fetchAndStorePages(
      restart({ nextToken: 't2', page: 1, items: 10, fetches: 1, written: 10 }),
      deps,
    );

    expect(cursor).toMatchObject({ page: 1, items: 10, restarts: 1, fetches: 4, written: 40 });
  });
});
