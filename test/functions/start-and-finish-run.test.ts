import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import * as errors from '../../functions/lib/errors';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
});
const startRun = (await import('../../functions/start-run')).handler;
const finishRun = (await import('../../functions/finish-run')).handler;

const dynamo = mockClient(DynamoDBDocumentClient);
const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1', name: 'run-1' };
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

describe('starting a run', () => {
  it('accepts the minimal console input and fills in the defaults', async () => {
    const out = await startRun({
      input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } },
      execution,
    });

    expect(out).toEqual({
      run: {
        runId: 'run-1',
        source: 'glue.getJobRuns',
        params: { JobName: 'nightly-etl' },
        options: { pageSize: 200, pollIntervalSeconds: 60, maxPolls: 10, maxRestarts: 3 },
      },
      cursor: initialCursor('tokenPresence'),
    });
  });

  it('creates the run record once, conditionally, with the execution that owns it', async () => {
    await startRun({ input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } }, execution });

    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'pagewalk-unit',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({
        pk: 'run#run-1',
        sk: 'run',
        status: 'running',
        collection: 'glue.getJobRuns#nightly-etl',
        executionArn: execution.id,
        pages: 0,
        items: 0,
      }),
    });
  });

  it('succeeds when a retried invocation finds the record its own execution created', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { runId: 'run-1', executionArn: execution.id } });

    await expect(
      startRun({ input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } }, execution }),
    ).resolves.toMatchObject({ run: { runId: 'run-1' } });
  });

  it('refuses a run id that another execution already owns', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { runId: 'run-1', executionArn: 'arn:other' } });

    await expect(
      startRun({ input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } }, execution }),
    ).rejects.toMatchObject({ name: 'RunStateConflict', message: expect.stringContaining('arn:other') });
  });

  describe('when the input is invalid', () => {
    it.each([
      ['not an object', 'the execution input must be a JSON object'],
      [
        { source: 'glue.getJobRuns' },
        'params must be an object like {"JobName": "nightly-etl"}; got nothing',
      ],
      [
        { source: 's3.listObjects', params: {} },
        'source must be one of: glue.getJobRuns, marketplace.customers, marketplace.orders, marketplace.reports; got "s3.listObjects"',
      ],
      [{ source: 'glue.getJobRuns', params: { JobName: '' } }, 'params.JobName must be a Glue job name'],
      [{ source: 'glue.getJobRuns', params: { JobName: 'a\nb' } }, 'params.JobName must be a Glue job name'],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x'.repeat(256) } },
        'params.JobName must be a Glue job name',
      ],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x', Extra: 1 } },
        'params.Extra is not a known field; allowed: JobName',
      ],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: 0 } },
        'options.pageSize must be an integer from 1 to 200 for glue.getJobRuns; got 0',
      ],
      [{ source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: 201 } }, 'got 201'],
      [{ source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: 1.5 } }, 'got 1.5'],
      [{ source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: '50' } }, 'got "50"'],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x' }, nextToken: 'abc' },
        'nextToken is not a known field; allowed: source, params, options',
      ],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { maxRestarts: -1 } },
        'options.maxRestarts must be an integer from 0 to 100; got -1',
      ],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pollIntervalSeconds: 90000 } },
        'options.pollIntervalSeconds must be an integer from 0 to 86400',
      ],
      [
        { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { wait: 1 } },
        'options.wait is not a known field; allowed: pageSize, pollIntervalSeconds, maxPolls, maxRestarts',
      ],
      [
        { source: 'marketplace.orders', params: { MarketplaceId: 'us' } },
        'params.MarketplaceId must be a string matching ^[A-Z0-9]{10,14}$; got "us"',
      ],
      [{ source: 'marketplace.orders', params: {} }, 'params.MarketplaceId is required'],
      [
        { source: 'marketplace.reports', params: {}, options: { pageSize: 101 } },
        'options.pageSize must be an integer from 1 to 100 for marketplace.reports; got 101',
      ],
    ])('rejects %j with InvalidInput naming the field, and writes nothing', async (input, message) => {
      await expect(startRun({ input, execution })).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining(message),
      });
      expect(dynamo.calls()).toHaveLength(0);
    });
  });
});

describe('finishing a run', () => {
  const run = {
    runId: 'run-1',
    source: 'glue.getJobRuns',
    params: { JobName: 'x' },
    options: { pageSize: 200 },
  };
  const cursor = { ...initialCursor('tokenPresence'), page: 22, items: 4321, fetches: 22, iterations: 22 };

  it('marks the run succeeded with the final counters and returns the summary', async () => {
    const out = await finishRun({ outcome: 'succeeded', run, cursor });

    expect(out).toEqual({
      runId: 'run-1',
      status: 'succeeded',
      source: 'glue.getJobRuns',
      pages: 22,
      items: 4321,
      restarts: 0,
      polls: 0,
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

  it("records a failure with the message from AWS's Lambda error JSON and leaves the checkpoint alone", async () => {
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
    expect(update?.UpdateExpression).not.toContain('checkpoint');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'failed',
      ':lastError': { error: 'EntityNotFoundException', message: 'Job with name: x not found.' },
    });
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

describe('error classes', () => {
  it('set name to the exact string the state machine matches, for every class', () => {
    const classes = Object.entries(errors).filter(
      ([, value]) =>
        typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error,
    ) as Array<[string, new (message: string) => Error]>;

    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(errors.ERROR_HANDLING).sort());
    for (const [exportName, ErrorClass] of classes) {
      expect(new ErrorClass('message').name).toBe(exportName);
    }
  });
});
