import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { historyAtStart } from '../../functions/lib/history-budget';
import { DEFAULT_OPTIONS, glueRun } from '../support/fixtures';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
});
const startRun = (await import('../../functions/start-run')).handler;

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1', name: 'run-1' };
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
});

const newRun = { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } };
const storedRun = (changes: Record<string, unknown> = {}) => ({
  runId: 'run-1',
  status: 'failed',
  source: 'glue.getJobRuns',
  params: { JobName: 'nightly-etl' },
  options: DEFAULT_OPTIONS,
  collection: 'glue.getJobRuns#nightly-etl',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1',
  segments: {},
  segmentCount: 3,
  since: { fetches: 0, written: 0 },
  checkpoint: {
    ...initialCursor('tokenPresence'),
    nextToken: 'tok-40',
    page: 40,
    items: 8000,
    fetches: 40,
    written: 8000,
    polls: 4,
    iterations: 40,
  },
  fetches: 40,
  written: 8000,
  restarts: 0,
  ...changes,
});
const leaseKey = { pk: 'lease#glue.getJobRuns#nightly-etl', sk: 'lease' };
/** Refuses the conditional put of the row whose pk starts with `prefix`, accepting every other put. */
const refusePut = (prefix: string) =>
  dynamo.on(PutCommand).callsFake((input: { Item?: { pk?: string } }) => {
    if (input.Item?.pk?.startsWith(prefix)) throw conditionFailed();
    return {};
  });

describe('starting a new run', () => {
  it('accepts the minimal console input and fills in the defaults', async () => {
    const out = await startRun({ input: newRun, execution });

    expect(out).toEqual({
      startedAs: 'new',
      run: glueRun(),
      cursor: { ...initialCursor('tokenPresence'), historyEvents: historyAtStart(0) },
    });
  });

  it('takes the collection lease, then creates the run record', async () => {
    await startRun({ input: newRun, execution });

    const puts = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.pk)).toEqual(['lease#glue.getJobRuns#nightly-etl', 'run#run-1']);
    expect(puts[0]).toMatchObject({
      Item: { runId: 'run-1', executionArn: execution.id },
    });
    expect(puts[1]).toMatchObject({
      Item: expect.objectContaining({
        status: 'running',
        collection: 'glue.getJobRuns#nightly-etl',
        executionArn: execution.id,
        segments: { '1': expect.objectContaining({ executionArn: execution.id, startedAs: 'new' }) },
        pages: 0,
        items: 0,
      }),
    });
  });

  it('refuses with CollectionBusy, writing nothing, while another run RUNNING drains the collection', async () => {
    refusePut('lease#');
    dynamo
      .on(GetCommand)
      .resolves({ Item: { runId: 'run-0', executionArn: 'arn:run-0', expiresAt: 9_999_999_999 } });

    await expect(startRun({ input: newRun, execution })).rejects.toMatchObject({
      name: 'CollectionBusy',
      message: expect.stringContaining(
        'run run-0 is being run by execution arn:run-0, which is still RUNNING',
      ),
    });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: 'arn:run-0' });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('succeeds when a retried invocation finds the record its own execution created', async () => {
    refusePut('run#');
    dynamo.on(GetCommand).resolves({ Item: { runId: 'run-1', executionArn: execution.id } });

    await expect(startRun({ input: newRun, execution })).resolves.toMatchObject({ run: { runId: 'run-1' } });
  });

  it('refuses a run id that another execution already owns', async () => {
    refusePut('run#');
    dynamo.on(GetCommand).resolves({ Item: { runId: 'run-1', executionArn: 'arn:other' } });

    await expect(startRun({ input: newRun, execution })).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringContaining('arn:other'),
    });
  });

  it('shortens long run ids in the next segment name to fit 80 characters', async () => {
    const name = 'x'.repeat(80);

    const out = await startRun({ input: newRun, execution: { id: `arn:e:${name}`, name } });

    expect(out.run.nextExecutionName).toMatch(/^x{55}-[0-9a-f]{8}-s2$/);
    expect(out.run.nextExecutionName.length).toBeLessThanOrEqual(80);
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
        'source must be one of: aws.cloudtrail.lookupEvents, aws.logs.filterLogEvents, aws.logs.getLogEvents, aws.organizations.listAccounts, aws.s3.listObjectsV2, aws.sfn.listExecutions, aws.ssm.getParametersByPath, glue.getJobRuns, marketplace.customers, marketplace.orders, marketplace.reports, spapi.financialEvents, spapi.ordersV0, spapi.orders, spapi.reports; got "s3.listObjects"',
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

describe('continuing a run as its next segment', () => {
  const handed = {
    ...initialCursor('tokenPresence'),
    nextToken: 'tok-1000',
    page: 1000,
    fetches: 1000,
    iterations: 1000,
  };
  const continueInput = {
    continue: { runId: 'run-1', segment: 2, cursor: handed },
    AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID:
      'arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1',
  };
  const segmentExecution = {
    id: 'arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1-s2',
    name: 'run-1-s2',
  };

  it('picks up the handed-over cursor with a fresh iteration count and records the segment', async () => {
    dynamo.on(GetCommand).resolves({
      Item: storedRun({ status: 'running', segmentCount: 1, fetches: 1000, checkpoint: handed }),
    });

    const out = await startRun({ input: continueInput, execution: segmentExecution });

    expect(out).toMatchObject({
      startedAs: 'continued',
      run: { runId: 'run-1', segment: 2, nextExecutionName: 'run-1-s3' },
      cursor: { ...handed, iterations: 0, historyEvents: historyAtStart(0), continueAsNew: false },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'run#run-1', sk: 'run' },
      ExpressionAttributeValues: expect.objectContaining({
        ':fetches': 1000,
        ':count': 2,
        ':arn': segmentExecution.id,
      }),
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, { Key: leaseKey });
  });

  it("refuses with InvalidInput, writing nothing, a cursor that is not the run record's checkpoint", async () => {
    const checkpoint = { ...handed, page: 1003, fetches: 1003 };
    dynamo
      .on(GetCommand)
      .resolves({ Item: storedRun({ status: 'running', segmentCount: 1, fetches: 1003, checkpoint }) });

    await expect(startRun({ input: continueInput, execution: segmentExecution })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining("continue.cursor must be the run's checkpoint (fetch 1003)"),
    });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});

describe('resuming a run', () => {
  const resumeExecution = {
    id: 'arn:aws:states:us-east-1:123456789012:execution:pagewalk:again',
    name: 'again',
  };

  it('continues a failed run from its checkpoint as the next segment, with limits counted from now', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedRun() });

    const out = await startRun({
      input: { resume: 'run-1', options: { maxPages: 5 } },
      execution: resumeExecution,
    });

    expect(out).toMatchObject({
      startedAs: 'resumed',
      run: {
        runId: 'run-1',
        segment: 4,
        nextExecutionName: 'run-1-s5',
        since: { fetches: 40, written: 8000, restarts: 0 },
      },
      cursor: { nextToken: 'tok-40', page: 40, fetches: 40, iterations: 0, polls: 0, limit: null },
    });
    expect(out.run.options).toMatchObject({ maxPages: 5, pageSize: 200 });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ ...leaseKey, runId: 'run-1' }),
    });
  });

  it('says a run that already succeeded is complete and writes nothing', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedRun({ status: 'succeeded' }) });

    const out = await startRun({ input: { resume: 'run-1' }, execution: resumeExecution });

    expect(out.startedAs).toBe('alreadyComplete');
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('refuses a run that is still RUNNING in another execution, saying which and what to do', async () => {
    dynamo
      .on(GetCommand, { Key: { pk: 'run#run-1', sk: 'run' } })
      .resolves({ Item: storedRun({ status: 'running' }) });
    dynamo
      .on(GetCommand, { Key: leaseKey })
      .resolves({ Item: { runId: 'run-1', executionArn: 'arn:x', expiresAt: 9_999_999_999 } });

    await expect(startRun({ input: { resume: 'run-1' }, execution: resumeExecution })).rejects.toMatchObject({
      name: 'RunStateConflict',
      message: expect.stringMatching(
        /execution arn:aws:states:us-east-1:123456789012:execution:pagewalk:run-1, which is still RUNNING\..*Stop that execution .*then resume run run-1/,
      ),
    });
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  it.each([
    [{ resume: 'nope' }, 'resume names no run: nope'],
    [{ resume: 42 }, 'resume must be the run id to resume (a string); got 42'],
    [{ resume: 'run-1', source: 'glue.getJobRuns' }, 'source cannot be given with resume'],
    [
      { resume: 'run-1', options: { deadline: '2001-01-01T00:00:00Z' } },
      'options.deadline must be a future ISO-8601 time',
    ],
  ])('rejects %j with InvalidInput', async (input, message) => {
    dynamo
      .on(GetCommand)
      .resolves({ Item: (input as { resume?: unknown }).resume === 'run-1' ? storedRun() : undefined });

    await expect(startRun({ input, execution: resumeExecution })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining(message),
    });
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });
});
