import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import {
  EVENTS_PER_INVOCATION,
  EVENTS_PER_RETRY,
  EVENTS_PER_WAIT,
  HISTORY_EVENT_BUDGET,
  SEGMENT_AGE_BUDGET_MS,
} from '../../functions/lib/history-budget';
import { glueRun } from '../support/fixtures';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
});
const { handler } = await import('../../functions/fetch-page');

const glue = mockClient(GlueClient);
const dynamo = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  glue.reset();
  dynamo.reset();
  glue.on(GetJobRunsCommand).resolves({ JobRuns: [{ Id: 'jr_1' }], NextToken: 'more' });
  dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  dynamo.on(UpdateCommand).resolves({});
  // A retried invocation reads the run record for a checkpoint its failed attempt wrote: none here.
  dynamo.on(GetCommand).resolves({});
});

const page = (cursor: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  call: 'continuation',
  run: glueRun(),
  cursor: { ...initialCursor('tokenPresence'), nextToken: 'tok', page: 1, fetches: 1, ...cursor },
  executionStartTime: new Date().toISOString(),
  ...extra,
});

describe("the estimate of this execution's history events", () => {
  it('adds about 7 events per invocation and 3 per retry Step Functions made before it', async () => {
    const next = await handler(page({ historyEvents: 100 }, { retryCount: 4 }));

    expect(next.historyEvents).toBe(100 + EVENTS_PER_INVOCATION + 4 * EVENTS_PER_RETRY);
    expect(next.continueAsNew).toBe(false);
  });

  it("adds a Wait's events to a poll after MoreResultsAvailable=false", async () => {
    const next = await handler(page({ historyEvents: 100, moreResultsAvailable: false }));

    expect(next.historyEvents).toBe(100 + EVENTS_PER_INVOCATION + EVENTS_PER_WAIT);
  });

  it('asks to continue as new once the estimate reaches the budget, well under 25,000', async () => {
    expect(HISTORY_EVENT_BUDGET).toBeLessThanOrEqual(20_000);
    const below = HISTORY_EVENT_BUDGET - EVENTS_PER_INVOCATION - 2 * EVENTS_PER_RETRY - 1;

    expect((await handler(page({ historyEvents: below }, { retryCount: 2 }))).continueAsNew).toBe(false);
    expect((await handler(page({ historyEvents: below + 1 }, { retryCount: 2 }))).continueAsNew).toBe(true);
  });

  it("asks to continue as new when the segment nears Step Functions' one-year limit, whatever its history", async () => {
    const old = new Date(Date.now() - SEGMENT_AGE_BUDGET_MS - 1000).toISOString();
    const young = new Date(Date.now() - SEGMENT_AGE_BUDGET_MS + 60_000).toISOString();

    expect((await handler(page({ historyEvents: 10 }, { executionStartTime: old }))).continueAsNew).toBe(
      true,
    );
    expect((await handler(page({ historyEvents: 10 }, { executionStartTime: young }))).continueAsNew).toBe(
      false,
    );
    expect(SEGMENT_AGE_BUDGET_MS).toBeLessThan(365 * 86_400_000 - 86_400_000);
  });

  it('keeps iterationsPerExecution as an upper bound', async () => {
    const run = glueRun({ options: { ...glueRun().options, iterationsPerExecution: 5 } });

    expect((await handler(page({ iterations: 3 }, { run }))).continueAsNew).toBe(false);
    expect((await handler(page({ iterations: 4 }, { run }))).continueAsNew).toBe(true);
  });
});
