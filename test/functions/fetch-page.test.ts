import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EntityNotFoundException, GetJobRunsCommand, InvalidInputException } from '@aws-sdk/client-glue';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { fetchAndStorePages, pageStores, parseFetchPageEvent } from '../../functions/lib/fetch-page';
import {
  dynamo,
  firstPage,
  freshMocksBeforeEach,
  glue,
  handler,
  jobRun,
  nextPage,
  run,
  runs,
} from '../support/fetch-page-unit';

freshMocksBeforeEach();

describe('fetching a page', () => {
  it('calls GetJobRuns without a token on the origin call, with the page size from the input', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(3) });

    await handler(firstPage({ run: { ...run, options: { ...run.options, pageSize: 50 } } }));

    expect(glue).toHaveReceivedCommandWith(GetJobRunsCommand, { JobName: 'nightly-etl', MaxResults: 50 });
    expect(glue.commandCalls(GetJobRunsCommand)[0]?.args[0].input.NextToken).toBeUndefined();
  });

  it('carries the token on the continuation call', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(1) });

    await handler(nextPage('token-2'));

    expect(glue).toHaveReceivedCommandWith(GetJobRunsCommand, {
      JobName: 'nightly-etl',
      NextToken: 'token-2',
    });
  });

  it('returns the cursor only, with every field present and no items', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(200), NextToken: 'token-2' });

    const cursor = await handler(firstPage());

    expect(cursor).toEqual({
      signal: 'tokenPresence',
      nextToken: 'token-2',
      hasNext: null,
      moreResultsAvailable: null,
      page: 1,
      items: 200,
      restarts: 0,
      polls: 0,
      iterations: 1,
      historyEvents: 7,
      continueAsNew: false,
      fetches: 1,
      written: 200,
      limit: null,
      pacing: null,
      waitSeconds: 0,
      waits: 0,
      sync: {
        floor: null,
        newest: { id: 'jr_0000', startedOn: '2026-01-01T00:00:00.000Z' },
        oldestPending: null,
        lastStartedOn: '2025-12-31T20:41:00.000Z',
        ordered: true,
        fullPassReason: null,
        stoppedAt: null,
      },
    });
  });

  it('treats an empty NextToken as the last page', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(5), NextToken: '' });

    expect((await handler(nextPage('token-2'))).nextToken).toBeNull();
  });

  it('counts on from the incoming cursor on a continuation and starts a new pass on the origin call', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(10), NextToken: 't' });

    const continued = await handler(nextPage('token-2', { page: 4, items: 800, restarts: 1, fetches: 9 }));
    const restarted = await handler(
      firstPage({
        cursor: { ...initialCursor('tokenPresence'), page: 4, items: 800, restarts: 1, fetches: 9 },
      }),
    );

    expect(continued).toMatchObject({ page: 5, items: 810, restarts: 1, fetches: 10 });
    expect(restarted).toMatchObject({ page: 1, items: 10, restarts: 1, fetches: 10 });
  });
});

describe('writing a page', () => {
  it('writes items under the collection and their natural key, 25 per BatchWriteItem', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(200) });

    await handler(firstPage());

    const calls = dynamo.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(8);
    const first = calls[0]?.args[0].input.RequestItems?.['pagewalk-unit']?.[0]?.PutRequest?.Item;
    expect(first).toMatchObject({
      pk: 'glue.getJobRuns#nightly-etl',
      sk: 'jr_0000',
      runId: 'run-1',
      item: { Id: 'jr_0000', StartedOn: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('writes the same rows when the same page is written twice', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(30) });

    await handler(firstPage());
    await handler(firstPage());

    const keys = dynamo
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => c.args[0].input.RequestItems?.['pagewalk-unit'] ?? [])
      .map((r) => `${r.PutRequest?.Item?.pk}|${r.PutRequest?.Item?.sk}`);
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(30);
  });

  it('writes a key repeated within one page once, so BatchWriteItem does not reject it', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: [jobRun(1), jobRun(2), jobRun(1)] });

    const cursor = await handler(firstPage());

    expect(cursor.items).toBe(2);
    expect(
      dynamo.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.['pagewalk-unit'],
    ).toHaveLength(2);
  });

  it('retries UnprocessedItems until DynamoDB takes them all', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(3) });
    const leftover = [{ PutRequest: { Item: { pk: 'glue.getJobRuns#nightly-etl', sk: 'jr_0002' } } }];
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { 'pagewalk-unit': leftover } })
      .resolves({ UnprocessedItems: {} });

    await handler(firstPage());

    const calls = dynamo.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.['pagewalk-unit']).toEqual(leftover);
  });

  it('fails with PageWriteIncomplete, before checkpointing, when items stay unprocessed', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(3) });
    const leftover = [{ PutRequest: { Item: { pk: 'glue.getJobRuns#nightly-etl', sk: 'jr_0002' } } }];
    dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: { 'pagewalk-unit': leftover } });

    // The core, so the backoff between attempts waits on a recorded sleep instead of the clock.
    const waits: number[] = [];
    const deps = {
      ...pageStores(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'pagewalk-unit'),
      writerOptions: { sleep: async (ms: number) => void waits.push(ms), random: () => 0.999 },
    };

    await expect(fetchAndStorePages(parseFetchPageEvent(firstPage()), deps)).rejects.toMatchObject({
      name: 'PageWriteIncomplete',
      message: 'DynamoDB left 1 of 3 items unprocessed after 8 attempts',
    });
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 8);
    // Full jitter under a ceiling that doubles from 50 ms up to 2 s.
    expect(waits).toEqual([49, 99, 199, 399, 799, 1598, 1998]);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('fails with ItemTooLarge naming the key when an item exceeds 400 KB, writing nothing', async () => {
    glue.on(GetJobRunsCommand).resolves({
      JobRuns: [jobRun(1), jobRun(2, { ErrorMessage: 'x'.repeat(410 * 1024) })],
    });

    await expect(handler(firstPage())).rejects.toMatchObject({
      name: 'ItemTooLarge',
      message: expect.stringContaining('item jr_0002 in glue.getJobRuns#nightly-etl'),
    });
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
  });
});

describe('checkpointing the run record', () => {
  it('writes absolute counters from the cursor, so a retried invocation writes the same values', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(200), NextToken: 'token-3' });

    const first = await handler(nextPage('token-2'));
    const retried = await handler(nextPage('token-2'));

    expect(retried).toEqual(first);
    const updates = dynamo
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.Key?.pk === 'run#run-1')
      .map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(updates).toHaveLength(2);
    const { ':now': _a, ...firstValues } = updates[0] ?? {};
    const { ':now': _b, ...retriedValues } = updates[1] ?? {};
    expect(retriedValues).toEqual(firstValues);
    expect(firstValues).toMatchObject({ ':pages': 2, ':items': 400, ':fetches': 2 });
  });

  it('refuses with RunStateConflict when the run has moved on or finished', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(1) });
    dynamo
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamo.on(GetCommand).resolves({ Item: { runId: 'run-1', status: 'succeeded', fetches: 7 } });

    await expect(handler(nextPage('token-2'))).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining('it is succeeded at fetch 7'),
    });
  });
});

describe('mapping Glue errors', () => {
  it('turns InvalidInputException on a continuation call into NextTokenCorrupted', async () => {
    glue
      .on(GetJobRunsCommand)
      .rejects(new InvalidInputException({ message: 'Invalid NextToken', $metadata: {} }));

    await expect(handler(nextPage('garbled'))).rejects.toMatchObject({
      name: 'NextTokenCorrupted',
      message: expect.stringContaining('Invalid NextToken'),
    });
  });

  it('passes InvalidInputException on the origin call through, since no token was sent', async () => {
    glue.on(GetJobRunsCommand).rejects(new InvalidInputException({ message: 'bad job', $metadata: {} }));

    await expect(handler(firstPage())).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  it("passes an unknown job through with Glue's own name and message", async () => {
    glue
      .on(GetJobRunsCommand)
      .rejects(new EntityNotFoundException({ message: 'Job with name: nope not found.', $metadata: {} }));

    await expect(handler(firstPage())).rejects.toMatchObject({
      name: 'EntityNotFoundException',
      message: 'Job with name: nope not found.',
    });
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('keeps ThrottlingException by name so the state machine retries it', async () => {
    glue
      .on(GetJobRunsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(handler(firstPage())).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('turns a refused connection into SourceUnavailable', async () => {
    glue
      .on(GetJobRunsCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

    await expect(handler(firstPage())).rejects.toMatchObject({ name: 'SourceUnavailable' });
  });

  it('refuses a continuation call without a token', async () => {
    await expect(handler({ ...nextPage('x'), cursor: initialCursor('tokenPresence') })).rejects.toMatchObject(
      {
        name: 'InvalidInput',
      },
    );
    expect(glue).not.toHaveReceivedCommand(GetJobRunsCommand);
  });
});
