import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  EntityNotFoundException,
  GetJobRunsCommand,
  GlueClient,
  InvalidInputException,
  type JobRun,
  JobRunState,
} from '@aws-sdk/client-glue';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { fetchAndStorePages, pageStores, parseFetchPageEvent } from '../../functions/lib/fetch-page';
import type { RunConfig } from '../../functions/lib/run-config';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { DEFAULT_OPTIONS, glueRun } from '../support/fixtures';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
});
const { handler } = await import('../../functions/fetch-page');

const glue = mockClient(GlueClient);
const dynamo = mockClient(DynamoDBDocumentClient);

// One page per invocation, as before multi-page invocations: each test here is about one page.
const run = glueRun({ options: { ...DEFAULT_OPTIONS, pagesPerInvocation: 1 } });
const jobRun = (i: number, extra: Partial<JobRun> = {}): JobRun => ({
  Id: `jr_${String(i).padStart(4, '0')}`,
  JobName: 'nightly-etl',
  // Newest first, as GetJobRuns lists them: run i started i minutes before run 0.
  StartedOn: new Date(Date.UTC(2026, 0, 1, 0, -i)),
  JobRunState: JobRunState.SUCCEEDED,
  ...extra,
});
const runs = (n: number) => Array.from({ length: n }, (_, i) => jobRun(i));
const firstPage = (overrides = {}) => ({
  call: 'origin',
  run,
  cursor: initialCursor('tokenPresence'),
  ...overrides,
});
const nextPage = (token: string, cursor = {}) => ({
  call: 'continuation',
  run,
  cursor: {
    ...initialCursor('tokenPresence'),
    nextToken: token,
    page: 1,
    items: 200,
    iterations: 1,
    fetches: 1,
    ...cursor,
  },
});

beforeEach(() => {
  glue.reset();
  dynamo.reset();
  dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  dynamo.on(UpdateCommand).resolves({});
});

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

describe('guarding against pagination loops', () => {
  it('remembers each token it is handed on, per pass', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2), NextToken: 'token-3' });

    await handler(nextPage('token-2', { restarts: 1 }));

    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: 'tokens#run-1',
        sk: expect.stringMatching(/^1#/),
        page: 2,
        fetch: 2,
      }),
    });
  });

  it('fails with PaginationLoopDetected naming both pages when a token comes back', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2), NextToken: 'token-A' });
    dynamo
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamo.on(GetCommand).resolves({ Item: { pass: 0, page: 2, fetch: 2 } });

    await expect(handler(nextPage('token-B', { page: 3, fetches: 3 }))).rejects.toMatchObject({
      name: 'PaginationLoopDetected',
      message: expect.stringContaining('page 4 returned a NextToken that page 2 already returned'),
    });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('accepts the same token again from a retried invocation of the same page', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2), NextToken: 'token-3' });
    dynamo
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamo.on(GetCommand).resolves({ Item: { pass: 0, page: 2, fetch: 2 } });

    await expect(handler(nextPage('token-2'))).resolves.toMatchObject({ nextToken: 'token-3', fetches: 2 });
  });

  it('does not remember the token of the last page', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2) });

    await handler(nextPage('token-2'));

    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});

describe('holding the collection', () => {
  const leaseUpdates = () =>
    dynamo
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.Key?.pk === 'lease#glue.getJobRuns#nightly-etl');

  it("renews the lease on a container's first page of a run, not on every page", async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2), NextToken: 'token-3' });
    const fresh = { ...run, runId: 'run-renewal' };

    await handler({ ...nextPage('token-2'), run: fresh });
    await handler({ ...nextPage('token-3', { page: 2, fetches: 2 }), run: fresh });

    expect(leaseUpdates()).toHaveLength(1);
    expect(leaseUpdates()[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':runId': 'run-renewal' },
    });
  });

  it('renews again once a third of the lease lifetime has passed since its last renewal', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const leases = new CollectionLeases(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      'pagewalk-unit',
      () => now,
    );
    const renewals: boolean[] = [];

    renewals.push(await leases.renewIfDue('c', 'run-1', 900));
    now = new Date(now.getTime() + 299_000);
    renewals.push(await leases.renewIfDue('c', 'run-1', 900));
    now = new Date(now.getTime() + 1_000);
    renewals.push(await leases.renewIfDue('c', 'run-1', 900));

    expect(renewals).toEqual([true, false, true]);
    expect(
      dynamo
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input.ExpressionAttributeValues?.[':expiresAt']),
    ).toEqual([Date.parse('2026-03-01T00:15:00Z') / 1000, Date.parse('2026-03-01T00:20:00Z') / 1000]);
  });

  it('fails with LeaseLost when another run took the collection', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(2), NextToken: 'token-3' });
    dynamo
      .on(UpdateCommand, { Key: { pk: 'lease#glue.getJobRuns#nightly-etl', sk: 'lease' } })
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamo
      .on(GetCommand)
      .resolves({ Item: { runId: 'run-2', executionArn: 'arn:x', expiresAt: 9_999_999_999 } });

    await expect(
      handler({ ...nextPage('token-2'), run: { ...run, runId: 'run-lease-lost' } }),
    ).rejects.toMatchObject({
      name: 'LeaseLost',
      message: expect.stringContaining('run run-2 took it'),
    });
  });
});

describe('run limits', () => {
  const limited = (options: Partial<RunConfig['options']>, since = { fetches: 0, written: 0 }) => ({
    ...run,
    options: { ...run.options, ...options },
    since,
  });

  it('marks maxPages reached, counting pages since the run was started or resumed', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(10), NextToken: 'token-9' });

    const below = await handler({ ...nextPage('t', { fetches: 3 }), run: limited({ maxPages: 5 }) });
    const reached = await handler({ ...nextPage('t', { fetches: 4 }), run: limited({ maxPages: 5 }) });
    const resumed = await handler({
      ...nextPage('t', { fetches: 4 }),
      run: limited({ maxPages: 5 }, { fetches: 3, written: 0 }),
    });

    expect(below.limit).toBeNull();
    expect(reached.limit).toBe('maxPages');
    expect(resumed.limit).toBeNull();
  });

  it('marks maxItems reached by items written', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(10), NextToken: 'token-9' });

    const cursor = await handler({ ...nextPage('t', { written: 195 }), run: limited({ maxItems: 200 }) });

    expect(cursor).toMatchObject({ written: 205, limit: 'maxItems' });
  });

  it('marks the deadline reached once it has passed', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(1), NextToken: 'token-9' });

    const cursor = await handler({
      ...nextPage('t'),
      run: limited({ deadline: '2020-01-01T00:00:00.000Z' }),
    });

    expect(cursor.limit).toBe('deadline');
  });
});

describe('observability', () => {
  it('publishes PagesFetched, ItemsWritten and PageLatency for the page, per source, on Lambda', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: runs(7), NextToken: 'token-3' });
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'pagewalk-fetch-page');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    try {
      await handler(nextPage('token-2'));
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }

    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => '_aws' in l);
    expect(emf).toMatchObject({
      source: 'glue.getJobRuns',
      service: 'pagewalk',
      PagesFetched: 1,
      ItemsWritten: 7,
    });
    expect(emf?.PageLatency).toEqual(expect.any(Number));
  });
});
