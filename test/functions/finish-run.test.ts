import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { glueRun } from '../support/fixtures';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
});
const finishRun = (await import('../../functions/finish-run')).handler;

const dynamo = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
});

describe('finishing a run', () => {
  const run = glueRun({
    params: { JobName: 'x' },
    collection: 'glue.getJobRuns#x',
    segment: 2,
    nextExecutionName: 'run-1-s3',
  });
  const cursor = { ...initialCursor('tokenPresence'), page: 22, items: 4321, fetches: 22, iterations: 22 };

  it('marks the run succeeded with the final counters and returns the summary', async () => {
    const out = await finishRun({ outcome: 'succeeded', ending: 'succeeded', run, cursor });

    expect(out).toEqual({
      runId: 'run-1',
      status: 'succeeded',
      source: 'glue.getJobRuns',
      collection: 'glue.getJobRuns#x',
      pages: 22,
      items: 4321,
      restarts: 0,
      polls: 0,
      waits: 0,
      segment: 2,
    });
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'lease#glue.getJobRuns#x', sk: 'lease' },
      ExpressionAttributeValues: { ':runId': 'run-1' },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'run#run-1', sk: 'run' },
      ExpressionAttributeValues: expect.objectContaining({
        ':status': 'succeeded',
        ':pages': 22,
        ':items': 4321,
      }),
    });
  });

  it("records a failure with the message from AWS's Lambda error JSON", async () => {
    const error = {
      Error: 'EntityNotFoundException',
      Cause: JSON.stringify({
        errorType: 'EntityNotFoundException',
        errorMessage: 'Job with name: x not found.',
        trace: [],
      }),
    };

    const out = await finishRun({ outcome: 'failed', run, cursor, error });

    expect(out).toEqual({ error: 'EntityNotFoundException', cause: 'Job with name: x not found.' });
    const update = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'failed',
      ':lastError': { error: 'EntityNotFoundException', message: 'Job with name: x not found.' },
    });
  });

  it.each([
    ['caughtUp', {}],
    ['stoppedAtLimit', { limit: 'maxPages' }],
  ])(
    'records the ending the state machine named (%s), keeps the token to resume from and releases the lease',
    async (ending, extra) => {
      const last = { ...cursor, nextToken: 'tok', moreResultsAvailable: false, ...extra };
      const out = await finishRun({ outcome: 'succeeded', ending, run, cursor: last });

      expect(out).toMatchObject({ status: ending, nextToken: 'tok', ...extra });
      expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
        Key: { pk: 'run#run-1', sk: 'run' },
        ExpressionAttributeValues: expect.objectContaining({ ':status': ending }),
      });
      expect(dynamo).toHaveReceivedCommand(DeleteCommand);
    },
  );

  it.each([
    ['an unknown ending', { outcome: 'succeeded', ending: 'done', run, cursor }, 'ending'],
    ['no ending', { outcome: 'succeeded', run, cursor }, 'ending'],
    ['an unknown outcome', { outcome: 'finished', ending: 'succeeded', run, cursor }, 'outcome'],
    [
      'a cursor with a wrong field',
      { outcome: 'succeeded', ending: 'succeeded', run, cursor: { ...cursor, page: -1 } },
      'cursor.page',
    ],
    [
      'a run without its id',
      { outcome: 'succeeded', ending: 'succeeded', run: { ...run, runId: 1 }, cursor },
      'run',
    ],
  ])('refuses %s with InvalidInput naming the field, writing nothing', async (_, event, field) => {
    await expect(finishRun(event)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining(field),
    });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('keeps a plain-text cause as it is', async () => {
    const out = await finishRun({
      outcome: 'failed',
      run,
      cursor,
      error: { Error: 'States.Timeout', Cause: 'timed out' },
    });

    expect(out).toEqual({ error: 'States.Timeout', cause: 'timed out' });
  });
});
