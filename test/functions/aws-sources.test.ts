import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { describeSource, sourceDefinitions } from '../../functions/lib/sources/catalog';
import { isAwsDefinition } from '../../functions/lib/sources/definition';
import { getSource } from '../../functions/lib/sources/registry';
import type { Source, SourcePage } from '../../functions/lib/sources/source';

/** One call through the source's public surface. */
function call(
  source: Source,
  kind: 'origin' | 'continuation',
  params: unknown,
  pageSize: number,
  token?: string,
) {
  return source.fetch({ kind, params: source.parseParams(params), pageSize, nextToken: token });
}

interface Case {
  readonly client: Parameters<typeof mockClient>[0];
  // biome-ignore lint/suspicious/noExplicitAny: any SDK command class, as aws-sdk-client-mock takes them
  readonly command: any;
  readonly params: Record<string, unknown>;
  /** The command input the params make, besides the token and the page size. */
  readonly input: Record<string, unknown>;
  readonly pageSize: number;
  /** [limit key, input token member, output token member, result member] */
  readonly members: readonly [string, string, string, string];
  readonly item: Record<string, unknown>;
  readonly key: string;
  readonly more?: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  'glue.getJobRuns': {
    client: GlueClient,
    command: GetJobRunsCommand,
    params: { JobName: 'nightly-etl' },
    input: { JobName: 'nightly-etl' },
    pageSize: 200,
    members: ['MaxResults', 'NextToken', 'NextToken', 'JobRuns'],
    item: { Id: 'jr_1', StartedOn: new Date('2030-01-01T00:00:00Z'), JobRunState: 'SUCCEEDED' },
    key: 'jr_1',
  },
  'aws.s3.listObjectsV2': {
    client: S3Client,
    command: ListObjectsV2Command,
    params: { Bucket: 'demo', Prefix: 'photos/été 2024/' },
    input: { Bucket: 'demo', Prefix: 'photos/été 2024/' },
    pageSize: 1000,
    members: ['MaxKeys', 'ContinuationToken', 'NextContinuationToken', 'Contents'],
    item: { Key: 'photos/été 2024/IMG 1.jpg', Size: 3, LastModified: new Date('2030-01-01T00:00:00Z') },
    key: 'photos/été 2024/IMG 1.jpg',
    more: { IsTruncated: true },
  },
  'aws.logs.filterLogEvents': {
    client: CloudWatchLogsClient,
    command: FilterLogEventsCommand,
    params: { logGroupName: '/aws/lambda/f', logStreamNames: 'a,b', startTime: '1700000000000' },
    input: { logGroupName: '/aws/lambda/f', logStreamNames: ['a', 'b'], startTime: 1700000000000 },
    pageSize: 10000,
    members: ['limit', 'nextToken', 'nextToken', 'events'],
    item: { eventId: '3752', message: 'hello', timestamp: 1700000000001 },
    key: '3752',
  },
  'aws.logs.getLogEvents': {
    client: CloudWatchLogsClient,
    command: GetLogEventsCommand,
    params: { logGroupName: '/aws/lambda/f', logStreamName: '2030/01/01/[$LATEST]abc' },
    input: { logGroupName: '/aws/lambda/f', logStreamName: '2030/01/01/[$LATEST]abc', startFromHead: true },
    pageSize: 10000,
    members: ['limit', 'nextToken', 'nextForwardToken', 'events'],
    item: { timestamp: 1700000000001, ingestionTime: 1700000000500, message: 'hello' },
    key: '[1700000000001,1700000000500,"hello"]',
  },
  'aws.cloudtrail.lookupEvents': {
    client: CloudTrailClient,
    command: LookupEventsCommand,
    params: {
      AttributeKey: 'EventSource',
      AttributeValue: 's3.amazonaws.com',
      StartTime: '2030-01-01T00:00:00Z',
    },
    input: {
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 's3.amazonaws.com' }],
      StartTime: new Date('2030-01-01T00:00:00Z'),
    },
    pageSize: 50,
    members: ['MaxResults', 'NextToken', 'NextToken', 'Events'],
    item: { EventId: 'e-1', EventName: 'PutObject' },
    key: 'e-1',
  },
  'aws.ssm.getParametersByPath': {
    client: SSMClient,
    command: GetParametersByPathCommand,
    params: { Path: '/app', Recursive: 'true' },
    input: { Path: '/app', Recursive: true, WithDecryption: false },
    pageSize: 10,
    members: ['MaxResults', 'NextToken', 'NextToken', 'Parameters'],
    item: { Name: '/app/db/host', Type: 'String', Value: 'db.internal' },
    key: '/app/db/host',
  },
  'aws.organizations.listAccounts': {
    client: OrganizationsClient,
    command: ListAccountsCommand,
    params: {},
    input: {},
    pageSize: 20,
    members: ['MaxResults', 'NextToken', 'NextToken', 'Accounts'],
    item: { Id: '123456789012', Name: 'prod' },
    key: '123456789012',
  },
  'aws.sfn.listExecutions': {
    client: SFNClient,
    command: ListExecutionsCommand,
    params: {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:etl',
      statusFilter: 'FAILED',
    },
    input: {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:etl',
      statusFilter: 'FAILED',
    },
    pageSize: 1000,
    members: ['maxResults', 'nextToken', 'nextToken', 'executions'],
    item: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:etl:a', status: 'FAILED' },
    key: 'arn:aws:states:us-east-1:123456789012:execution:etl:a',
  },
};

describe('every shipped AWS definition through the generic path', () => {
  it.each(Object.entries(CASES))(
    '%s: sends the params and the page size, carries the token only on the continuation call, keys the items and reads the signal',
    async (name, c) => {
      const [limitKey, inputToken, outputToken, resultKey] = c.members;
      const mock = mockClient(c.client);
      mock
        .on(c.command)
        .resolvesOnce({ [resultKey]: [c.item], [outputToken]: 'token-1', ...c.more })
        .resolvesOnce({ [resultKey]: [], ...(c.more ? { [Object.keys(c.more)[0] as string]: false } : {}) });
      const source = getSource(name);
      expect(source.pageSize.max).toBe(c.pageSize);

      const first: SourcePage = await call(source, 'origin', c.params, c.pageSize);
      expect(mock).toHaveReceivedCommandTimes(c.command, 1);
      expect(mock.commandCalls(c.command)[0]?.args[0].input).toEqual({ ...c.input, [limitKey]: c.pageSize });
      expect(first).toEqual({
        items: [JSON.parse(JSON.stringify(c.item))],
        nextToken: 'token-1',
        hasNext: c.more ? true : null,
        moreResultsAvailable: null,
      });
      expect(source.itemKey(first.items[0] as Record<string, unknown>)).toBe(c.key);

      const second = await call(source, 'continuation', c.params, 7, 'token-1');
      expect(mock.commandCalls(c.command)[1]?.args[0].input).toEqual({
        ...c.input,
        [limitKey]: 7,
        [inputToken]: 'token-1',
      });
      expect(second).toMatchObject({ items: [], nextToken: null, hasNext: c.more ? false : null });
      mock.restore();
    },
  );

  it('stores an item as its JSON round trip would: nested Dates as ISO strings, undefined members gone, non-finite numbers null', async () => {
    const item = {
      Id: 'jr_2',
      StartedOn: new Date('2030-01-01T00:00:00.123Z'),
      CompletedOn: undefined,
      ExecutionTime: Number.NaN,
      Attempt: 0,
      Arguments: { '--day': '2030-01-01', nested: { at: new Date('2030-01-02T00:00:00Z'), gone: undefined } },
      PredecessorRuns: [{ JobName: 'a', RunId: 'jr_1' }, undefined],
      Flags: [true, false, null],
    };
    const mock = mockClient(GlueClient);
    mock.on(GetJobRunsCommand).resolvesOnce({ JobRuns: [item] } as never);
    const page = await call(getSource('glue.getJobRuns'), 'origin', { JobName: 'nightly-etl' }, 200);
    expect(page.items).toEqual([JSON.parse(JSON.stringify(item))]);
    expect(page.items[0]).toStrictEqual({
      Id: 'jr_2',
      StartedOn: '2030-01-01T00:00:00.123Z',
      ExecutionTime: null,
      Attempt: 0,
      Arguments: { '--day': '2030-01-01', nested: { at: '2030-01-02T00:00:00.000Z' } },
      PredecessorRuns: [{ JobName: 'a', RunId: 'jr_1' }, null],
      Flags: [true, false, null],
    });
    mock.restore();
  });

  it('covers every AWS definition in sources/', () => {
    expect(Object.keys(CASES).sort()).toEqual(
      sourceDefinitions()
        .filter(isAwsDefinition)
        .map((d) => d.name)
        .sort(),
    );
  });
});

describe('the API’s own error names', () => {
  const s3Error = (name: string, status: number) =>
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} happened`,
    });
  const s3 = () => getSource('aws.s3.listObjectsV2');

  it('maps a rejected token to NextTokenCorrupted on a continuation call only', async () => {
    const mock = mockClient(S3Client);
    mock.on(ListObjectsV2Command).rejects(s3Error('InvalidArgument', 400));
    const onContinuation = await call(s3(), 'continuation', { Bucket: 'demo' }, 10, 'bad').catch(
      (e: unknown) => e,
    );
    expect(s3().mapError(onContinuation, 'continuation')).toMatchObject({ name: 'NextTokenCorrupted' });
    const onOrigin = await call(s3(), 'origin', { Bucket: 'demo' }, 10).catch((e: unknown) => e);
    expect(s3().mapError(onOrigin, 'origin')).toMatchObject({
      name: 'InvalidArgument',
      message: 'InvalidArgument happened',
    });
    mock.restore();
  });

  it('retries a throttle the state machine does not know by name (S3 SlowDown) as ThrottlingException, and a transient one as SourceUnavailable', () => {
    expect(s3().mapError(s3Error('SlowDown', 503), 'continuation')).toMatchObject({
      name: 'ThrottlingException',
      message: 'The source throttled the call (SlowDown: SlowDown happened)',
    });
    expect(s3().mapError(s3Error('InternalError', 500), 'origin')).toMatchObject({
      name: 'SourceUnavailable',
    });
    expect(s3().mapError(s3Error('NoSuchBucket', 404), 'origin')).toMatchObject({ name: 'NoSuchBucket' });
  });

  it('maps CloudWatch Logs’ InvalidParameterException to NextTokenCorrupted on a continuation call only', () => {
    const error = new InvalidParameterException({
      $metadata: {},
      message: 'The specified nextToken is invalid.',
    });
    const logs = getSource('aws.logs.filterLogEvents');
    expect(logs.mapError(error, 'continuation')).toMatchObject({ name: 'NextTokenCorrupted' });
    expect(logs.mapError(error, 'origin')).toBe(error);
  });
});

describe('params, as the API names and types them', () => {
  it.each([
    ['aws.s3.listObjectsV2', {}, 'params.Bucket must be an S3 bucket name'],
    ['aws.s3.listObjectsV2', { Bucket: 'Not A Bucket' }, 'params.Bucket must be an S3 bucket name'],
    [
      'aws.ssm.getParametersByPath',
      { Path: '/app', Recursive: 'yes' },
      'params.Recursive must be true or false; got "yes"',
    ],
    [
      'aws.logs.filterLogEvents',
      { logGroupName: 'g', logStreamNames: ['a'], logStreamNamePrefix: 'a' },
      'give at most one of params.logStreamNames, params.logStreamNamePrefix; got params.logStreamNames, params.logStreamNamePrefix',
    ],
    [
      'aws.logs.filterLogEvents',
      { logGroupName: 'g', startTime: '-1' },
      'params.startTime must be an integer from 0 to',
    ],
    [
      'aws.cloudtrail.lookupEvents',
      { AttributeKey: 'EventName' },
      'params.AttributeKey needs params.AttributeValue',
    ],
    [
      'aws.cloudtrail.lookupEvents',
      { StartTime: 'yesterday' },
      'params.StartTime must be an ISO-8601 time with a zone, like 2030-01-01T00:00:00Z; got "yesterday"',
    ],
    [
      'aws.sfn.listExecutions',
      { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x', statusFilter: 'DONE' },
      'params.statusFilter must be one of: RUNNING',
    ],
    ['aws.organizations.listAccounts', { Extra: 1 }, 'params.Extra is not a known field; allowed: none'],
  ])('%s refuses %j with InvalidInput naming the param', (name, params, message) => {
    expect(() => describeSource(name).parseParams(params)).toThrow(
      expect.objectContaining({ name: 'InvalidInput', message: expect.stringContaining(message) }),
    );
  });

  it('declares GetLogEvents’ repeated token as “caught up”, for the core to poll on', () => {
    expect(describeSource('aws.logs.getLogEvents')).toMatchObject({
      repeatedTokenMeansCaughtUp: true,
      tokenLifetimeSeconds: 86400,
    });
    expect(describeSource('aws.logs.filterLogEvents')).not.toHaveProperty('repeatedTokenMeansCaughtUp');
  });
});
