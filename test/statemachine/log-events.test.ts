/**
 * CloudWatch Logs through the shipped definitions on the local engine, the real SDK client
 * mocked at its boundary: GetLogEvents answers the end of a stream with the token it was sent
 * (its definition declares repeatedTokenMeansCaughtUp), FilterLogEvents never should.
 */
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Scenario, startScenario } from '../support/scenario';

const logs = mockClient(CloudWatchLogsClient);
let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
});
afterAll(() => scenario?.close());
beforeEach(() => logs.reset());

const events = (from: number, count: number): OutputLogEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + from + i,
    ingestionTime: 1_700_000_000_500 + from + i,
    message: `line ${from + i}`,
  }));
const params = { logGroupName: '/aws/lambda/etl', logStreamName: '2030/01/01/[$LATEST]abc' };

describe('aws.logs.getLogEvents at the end of a stream', () => {
  it('polls with the token that came back until maxPolls and ends caught up, not as a pagination loop', async () => {
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: events(0, 3), nextForwardToken: 'f/1' })
      .resolvesOnce({ events: events(3, 2), nextForwardToken: 'f/2' })
      // The end of the stream: the very token that was sent, for as long as nothing new arrives.
      .resolves({ events: [], nextForwardToken: 'f/2' });
    const result = await scenario.execute({
      source: 'aws.logs.getLogEvents',
      params,
      options: { pageSize: 3, pollIntervalSeconds: 0, maxPolls: 2 },
    });

    expect(result.output).toMatchObject({ status: 'caughtUp', items: 5, polls: 2, nextToken: 'f/2' });
    expect(result.stats.stateEntries['Wait for more results']).toBe(2);
    const sent = logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input);
    expect(sent.map((input) => input.nextToken)).toEqual([undefined, 'f/1', 'f/2', 'f/2', 'f/2']);
    expect(sent[0]).toEqual({ ...params, startFromHead: true, limit: 3 });
    expect(
      await scenario.storedKeys(`aws.logs.getLogEvents#${params.logGroupName}#${params.logStreamName}`),
    ).toHaveLength(5);
  });
});

describe('aws.logs.filterLogEvents', () => {
  it('fails a token that comes back again as a pagination loop: only GetLogEvents declares it means caught up', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ eventId: 'e1', message: 'a', timestamp: 1 }], nextToken: 't1' })
      .resolves({ events: [{ eventId: 'e2', message: 'b', timestamp: 2 }], nextToken: 't1' });
    const result = await scenario.execute({
      source: 'aws.logs.filterLogEvents',
      params: { logGroupName: '/aws/lambda/etl' },
      options: { pollIntervalSeconds: 0 },
    });

    expect(result.status).toBe('FAILED');
    expect(await scenario.runRecord(result.name)).toMatchObject({
      status: 'failed',
      lastError: { error: 'PaginationLoopDetected' },
    });
  });
});
