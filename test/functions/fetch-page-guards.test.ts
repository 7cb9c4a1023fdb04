import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetJobRunsCommand } from '@aws-sdk/client-glue';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import type { RunConfig } from '../../functions/lib/run-config';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { dynamo, freshMocksBeforeEach, glue, handler, nextPage, run, runs } from '../support/fetch-page-unit';

freshMocksBeforeEach();

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
