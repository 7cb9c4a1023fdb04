import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { ERROR_HANDLING } from '../../functions/lib/errors';
import { mapAwsSdkError } from '../../functions/lib/sources/aws-errors';
import { type GlueSandbox, startGlueSandbox } from '../../local/sandbox/glue';
import { glueRun } from '../support/fixtures';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'pagewalk-unit';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  // As the stack sets it from fetch-page's timeout; short so a hung call fails fast here.
  process.env.SOURCE_REQUEST_TIMEOUT_MS = '300';
});
const { handler } = await import('../../functions/fetch-page');

// DynamoDB is mocked at the SDK boundary; the Glue client talks to real loopback servers.
const dynamo = mockClient(DynamoDBDocumentClient);
let sandbox: GlueSandbox;

beforeAll(async () => {
  sandbox = await startGlueSandbox({ jobs: { 'nightly-etl': 30 } });
  process.env.AWS_ENDPOINT_URL_GLUE = sandbox.url;
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.setLatency(0);
  dynamo.reset();
  dynamo.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  dynamo.on(UpdateCommand).resolves({});
});

const firstPage = () => ({ call: 'origin', run: glueRun(), cursor: initialCursor('tokenPresence') });

describe('when a load balancer answers instead of Glue, with an HTML page', () => {
  it('treats a 502 as SourceUnavailable, which the state machine retries', async () => {
    sandbox.htmlErrorNext(1, 502);

    await expect(handler(firstPage())).rejects.toMatchObject({
      name: 'SourceUnavailable',
      message: 'The source answered HTTP 502 with a body that is not JSON',
    });
    expect(ERROR_HANDLING.SourceUnavailable).toBe('retried');
    // The next call reaches Glue and the page is written.
    await expect(handler(firstPage())).resolves.toMatchObject({ page: 1, items: 30 });
  });

  it('treats a 403 as a permanent UnexpectedResponse naming the status', async () => {
    sandbox.htmlErrorNext(1, 403);

    await expect(handler(firstPage())).rejects.toMatchObject({
      name: 'UnexpectedResponse',
      message: expect.stringContaining('HTTP 403 with a body that is not JSON'),
    });
    expect(ERROR_HANDLING.UnexpectedResponse).toBe('fails');
  });
});

describe('the AWS SDK error mapping', () => {
  const sdkError = (name: string, httpStatusCode?: number) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode } });

  it.each([
    [sdkError('SyntaxError', 503), 'SourceUnavailable'],
    [sdkError('SyntaxError', 500), 'SourceUnavailable'],
    [sdkError('SyntaxError', 404), 'UnexpectedResponse'],
    [sdkError('TimeoutError'), 'SourceTimeout'],
    [Object.assign(sdkError('Error'), { code: 'ECONNRESET' }), 'SourceUnavailable'],
  ])('maps %s to %s', (error, name) => {
    expect((mapAwsSdkError(error, false) as Error).name).toBe(name);
  });

  it('passes a SyntaxError without an HTTP status through untouched', () => {
    const error = new SyntaxError('Unexpected token');
    expect(mapAwsSdkError(error, false)).toBe(error);
  });
});

describe('when the Glue call stalls', () => {
  it('fails as SourceTimeout naming the source, the page and the limit, long before the function timeout', async () => {
    // Glue answers after 2 s; the request timeout is 300 ms.
    sandbox.setLatency(2_000);
    const started = Date.now();

    await expect(handler(firstPage())).rejects.toMatchObject({
      name: 'SourceTimeout',
      message:
        'glue.getJobRuns gave no answer to page 1 (the origin call) within 300 ms, the request timeout',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(ERROR_HANDLING.SourceTimeout).toBe('retried');
    expect(dynamo).not.toHaveReceivedCommand(BatchWriteCommand);
  });
});
