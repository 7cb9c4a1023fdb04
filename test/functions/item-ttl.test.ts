import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { glueRun } from '../support/fixtures';

const glue = mockClient(GlueClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const run = glueRun();

/** The handler as a fresh container with `env` would load it: configuration is read once, at cold start. */
async function coldStart(env: Record<string, string>) {
  vi.resetModules();
  vi.stubEnv('TABLE_NAME', 'pagewalk-unit');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('../../functions/fetch-page')).handler;
}

beforeEach(() => {
  glue.reset();
  dynamo.reset();
  glue.on(GetJobRunsCommand).resolves({ JobRuns: [{ Id: 'jr_1' }, { Id: 'jr_2' }] });
  dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  dynamo.on(UpdateCommand).resolves({});
});
afterEach(() => vi.unstubAllEnvs());

const writtenRows = () =>
  dynamo
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => c.args[0].input.RequestItems?.['pagewalk-unit'] ?? [])
    .map((r) => r.PutRequest?.Item ?? {});

describe('item expiry', () => {
  it('stamps item rows with expiresAt when ITEM_TTL_DAYS is set', async () => {
    const handler = await coldStart({ ITEM_TTL_DAYS: '7' });
    const before = Math.floor(Date.now() / 1000);

    await handler({ call: 'origin', run, cursor: initialCursor('tokenPresence') });

    for (const row of writtenRows()) {
      expect(row.expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400);
      expect(row.expiresAt).toBeLessThanOrEqual(before + 7 * 86_400 + 5);
    }
    expect(writtenRows()).toHaveLength(2);
  });

  it('keeps item rows for good when ITEM_TTL_DAYS is unset', async () => {
    const handler = await coldStart({});

    await handler({ call: 'origin', run, cursor: initialCursor('tokenPresence') });

    expect(writtenRows().map((row) => 'expiresAt' in row)).toEqual([false, false]);
  });

  it('refuses to start with a malformed ITEM_TTL_DAYS, naming the variable and range', async () => {
    await expect(coldStart({ ITEM_TTL_DAYS: 'soon' })).rejects.toThrow(
      'Environment variable ITEM_TTL_DAYS must be a whole number from 1 to 3650; got soon',
    );
  });
});
