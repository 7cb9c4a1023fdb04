import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fromRepoRoot } from '../../infra/paths';
import { definitionsDir, iamStatements, scratchDir, synth } from './support';

const scratch = scratchDir();

const shipped = (file: string) =>
  JSON.parse(readFileSync(fromRepoRoot('sources', file), 'utf8')) as Record<string, unknown>;
const S3 = shipped('aws-s3-list-objects-v2.json');

const ALL_AWS = [
  'aws.cloudtrail.lookupEvents',
  'aws.logs.filterLogEvents',
  'aws.logs.getLogEvents',
  'aws.organizations.listAccounts',
  'aws.s3.listObjectsV2',
  'aws.sfn.listExecutions',
  'aws.ssm.getParametersByPath',
];
const ARN = (service: string, rest: string) =>
  `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${rest}`;
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:etl';

/** fetch-page's statements on the AWS sources (not its table, key or logs). */
function reads(props: Parameters<typeof synth>[0]) {
  const { stack } = synth(props);
  return {
    stack,
    statements: iamStatements(stack).filter(
      (s) =>
        s.role === 'FetchPageRole' &&
        !s.actions.some((a) =>
          /^(dynamodb:|kms:|logs:(CreateLogStream|PutLogEvents)$|xray:|secretsmanager:)/.test(a),
        ),
    ),
  };
}

describe('which AWS sources deploy', () => {
  it('grants a default deployment Glue’s read alone: no S3, Logs, CloudTrail, SSM, Organizations or Step Functions read', () => {
    const { statements } = reads({ glueJobNames: ['nightly-etl'] });
    expect(statements).toEqual([
      { role: 'FetchPageRole', actions: ['glue:GetJobRuns'], resources: [ARN('glue', 'job/nightly-etl')] },
    ]);
  });

  it('refuses a source name the folder does not hold, listing those it does', () => {
    expect(() => synth({ sources: ['aws.s3.listObjects'] })).toThrow(
      /sources names "aws\.s3\.listObjects", which is not in .*sources; it has aws\.cloudtrail\.lookupEvents, /,
    );
  });
});

describe('IAM from each definition', () => {
  it('grants each named source’s action on its resource pattern, filled with the scoped params', () => {
    const { statements } = reads({
      sources: ALL_AWS,
      sourceScopes: {
        'aws.s3.listObjectsV2': { Bucket: ['demo', 'logs.example'] },
        'aws.logs.filterLogEvents': { logGroupName: ['/aws/lambda/etl'] },
        'aws.logs.getLogEvents': { logGroupName: ['/aws/lambda/etl'], logStreamName: ['s1'] },
        'aws.ssm.getParametersByPath': { Path: ['/app'] },
        'aws.sfn.listExecutions': { stateMachineArn: [MACHINE] },
      },
    });
    expect(statements).toEqual([
      // The two actions with no resource ARN, merged into one statement by minimizePolicies.
      {
        role: 'FetchPageRole',
        actions: ['cloudtrail:LookupEvents', 'organizations:ListAccounts'],
        resources: ['*'],
      },
      {
        role: 'FetchPageRole',
        actions: ['logs:FilterLogEvents'],
        resources: [ARN('logs', 'log-group:/aws/lambda/etl:*')],
      },
      {
        role: 'FetchPageRole',
        actions: ['logs:GetLogEvents'],
        resources: [ARN('logs', 'log-group:/aws/lambda/etl:log-stream:s1')],
      },
      {
        role: 'FetchPageRole',
        actions: ['s3:ListBucket'],
        resources: ['arn:<AWS::Partition>:s3:::demo', 'arn:<AWS::Partition>:s3:::logs.example'],
      },
      {
        role: 'FetchPageRole',
        actions: ['ssm:GetParametersByPath'],
        resources: [ARN('ssm', 'parameter/app')],
      },
      { role: 'FetchPageRole', actions: ['states:ListExecutions'], resources: [MACHINE] },
    ]);
  });

  it('puts * only where a param was left open, inside the ARN, and warns naming the setting that narrows it', () => {
    const { stack, statements } = reads({ sources: ['aws.s3.listObjectsV2', 'aws.sfn.listExecutions'] });
    expect(statements).toEqual([
      { role: 'FetchPageRole', actions: ['s3:ListBucket'], resources: ['arn:<AWS::Partition>:s3:::*'] },
      {
        role: 'FetchPageRole',
        actions: ['states:ListExecutions'],
        resources: [ARN('states', 'stateMachine:*')],
      },
    ]);
    Annotations.fromStack(stack).hasWarning(
      '/Pagewalk/Functions/FetchPage',
      Match.stringLikeRegexp(
        'sourceScopes.aws.s3.listObjectsV2.Bucket is not set: fetch-page may call s3:ListBucket on every Bucket',
      ),
    );
    Annotations.fromStack(stack).hasWarning(
      '/Pagewalk/Functions/FetchPage',
      Match.stringLikeRegexp('sourceScopes.aws.sfn.listExecutions.stateMachineArn is not set'),
    );
  });

  it.each([
    [
      { 'aws.s3.listObjectsV2': { Bucket: ['Not_A_Bucket'] } },
      'sourceScopes.aws.s3.listObjectsV2.Bucket[0]: params.Bucket must be an S3 bucket name',
    ],
    [
      { 'aws.s3.listObjectsV2': { Prefix: ['a/'] } },
      "sourceScopes.aws.s3.listObjectsV2.Prefix scopes nothing: aws.s3.listObjectsV2's IAM resources name Bucket",
    ],
    [
      { 'aws.s3.listObjectsV2': { Bucket: [] } },
      'sourceScopes.aws.s3.listObjectsV2.Bucket must name at least one value',
    ],
    [
      { 'aws.ssm.getParametersByPath': { Path: ['/app'] } },
      'sourceScopes.aws.ssm.getParametersByPath names no AWS source this deployment deploys; it deploys aws.s3.listObjectsV2, glue.getJobRuns',
    ],
  ])('refuses the scopes %j naming the setting and what is allowed', (sourceScopes, message) => {
    expect(() => synth({ sources: ['glue.getJobRuns', 'aws.s3.listObjectsV2'], sourceScopes })).toThrow(
      message,
    );
  });

  it('refuses glueJobNames with a JobName scope, and either when Glue does not deploy', () => {
    expect(() =>
      synth({ glueJobNames: ['a'], sourceScopes: { 'glue.getJobRuns': { JobName: ['b'] } } }),
    ).toThrow('Give glueJobNames or sourceScopes.glue.getJobRuns.JobName, not both');
    expect(() => synth({ glueJobNames: ['a'], sources: ['aws.s3.listObjectsV2'] })).toThrow(
      'glueJobNames scopes glue.getJobRuns, which this deployment does not deploy (sources)',
    );
    expect(() => synth({ allJobs: true, sources: ['aws.s3.listObjectsV2'] })).toThrow(
      'allJobs syncs glue.getJobRuns, which this deployment does not deploy (sources)',
    );
  });
});

describe('a bad AWS definition fails synth naming the file and the field', () => {
  const client = S3.client as Record<string, unknown>;
  const pagination = S3.pagination as Record<string, unknown>;
  it.each([
    [
      { client: { ...client, package: '@aws-sdk/client-s4' } },
      '/client/package @aws-sdk/client-s4 is not installed: npm i @aws-sdk/client-s4',
    ],
    [
      { client: { ...client, command: 'ListObjectsV3Command' } },
      '/client/command ListObjectsV3Command is not a command of @aws-sdk/client-s3',
    ],
    [
      { client: { ...client, name: 'S4Client' } },
      '/client/name S4Client is not exported by @aws-sdk/client-s3; it exports S3Client',
    ],
    [
      { client: { ...client, endpointVariable: 'AWS_ENDPOINT_URL_S4' } },
      "/client/endpointVariable must be AWS_ENDPOINT_URL_S3, the SDK's variable for S3",
    ],
    [
      { pagination: { ...pagination, inputToken: 'NextToken' } },
      "/pagination/inputToken NextToken is not a member of ListObjectsV2Command's input; it has Bucket, Delimiter",
    ],
    [
      { pagination: { ...pagination, moreResults: 'KeyCount' } },
      "/pagination/moreResults KeyCount is a number in ListObjectsV2Command's model, not a boolean",
    ],
    [
      { itemKey: ['Id'] },
      '/itemKey/0 Id is not a member of the items in Contents; they have Key, LastModified',
    ],
    [
      { iam: { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::{params.Bukket}'] } },
      '/iam/resources/0 uses {params.Bukket}; allowed: {params.Bucket}, {params.Prefix}, {params.StartAfter}',
    ],
    [{ iam: { actions: ['s3:ListBucket'], resources: ['*'] } }, '/iam/wildcardReason is required'],
    [
      { input: { Bucket: '{params.Bucket}', FetchOwner: 'yes' } },
      '/input/FetchOwner is a boolean in the SDK\'s model; got "yes"',
    ],
    [{ input: { Bukket: '{params.Bucket}' } }, "/input/Bukket is not a member of the command's input here"],
    [{ input: { Bucket: '{params.Bucket}', MaxKeys: 5 } }, '/input/MaxKeys is set by pagination'],
  ])('refuses %j', (changes, message) => {
    const dir = definitionsDir(scratch, `bad-${Math.random().toString(36).slice(2)}`, {
      's3.json': { ...S3, ...changes },
    });
    expect(() => synth({ sourceDefinitionsDir: dir, sources: ['aws.s3.listObjectsV2'] })).toThrow(
      `source definition ${join(dir, 's3.json')}: ${message}`,
    );
  });
});
