import { ExecutionLimitExceeded, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:pagewalk';
  process.env.AWS_REGION = 'us-east-1';
});
const { handler } = await import('../../functions/api');

const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const request = (routeKey: string, body?: unknown, runId?: string) =>
  ({
    routeKey,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: runId ? { runId } : undefined,
  }) as unknown as APIGatewayProxyEventV2;
const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

beforeEach(() => {
  sfn.reset();
  dynamo.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:pagewalk:${input.name}`,
    startDate: new Date('2026-11-21T12:00:00Z'),
  }));
});

describe('POST /runs', () => {
  it('starts an execution with the body as its input and answers 202 with the run id and execution ARN', async () => {
    const input = { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } };

    const result = await handler(request('POST /runs', input));

    expect(result.statusCode).toBe(202);
    const body = bodyOf(result);
    expect(body.executionArn).toBe(`arn:aws:states:us-east-1:123456789012:execution:pagewalk:${body.runId}`);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:pagewalk',
      name: body.runId as string,
      input: JSON.stringify(input),
    });
  });

  it('answers a resume with the resumed run id', async () => {
    const result = await handler(request('POST /runs', { resume: 'run-7' }));

    expect(result.statusCode).toBe(202);
    expect(bodyOf(result).runId).toBe('run-7');
  });

  it.each([
    ['not json', 'the body must be a JSON execution input'],
    [
      { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: 500 } },
      'options.pageSize must be an integer from 1 to 200',
    ],
    [{ source: 'nope', params: {} }, 'source must be one of: aws.cloudtrail.lookupEvents'],
    [{ continue: { runId: 'r', segment: 2, cursor: {} } }, 'continue is written by the state machine itself'],
  ])('answers 400 naming the field for %j and starts nothing', async (body, message) => {
    const result = await handler(request('POST /runs', body));

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      error: 'InvalidInput',
      message: expect.stringContaining(message),
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('answers 429 when Step Functions refuses more executions', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionLimitExceeded({ message: 'limit', $metadata: {} }));

    const result = await handler(
      request('POST /runs', { source: 'glue.getJobRuns', params: { JobName: 'x' } }),
    );

    expect(result.statusCode).toBe(429);
  });
});

describe('GET /runs/{runId}', () => {
  it('returns the run record without its keys', async () => {
    dynamo
      .on(GetCommand)
      .resolves({ Item: { pk: 'run#run-7', sk: 'run', runId: 'run-7', status: 'running', pages: 3 } });

    const result = await handler(request('GET /runs/{runId}', undefined, 'run-7'));

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ runId: 'run-7', status: 'running', pages: 3 });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'run#run-7', sk: 'run' } });
  });

  it('answers 404 for an unknown run', async () => {
    dynamo.on(GetCommand).resolves({});

    const result = await handler(request('GET /runs/{runId}', undefined, 'nope'));

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'RunNotFound' });
  });
});
