import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, stackPropsFromContext } from '../../infra/context';
import { newApp, synth } from './support';

/** A -c value for every key the app reads. */
const EVERY_KEY: Record<string, string> = {
  tableName: 'items',
  removalPolicy: 'destroy',
  customerManagedKey: 'true',
  encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  itemTtlDays: '90',
  memorySize: '512',
  fetchPageTimeoutSeconds: '120',
  logLevel: 'DEBUG',
  logRetentionDays: '90',
  stateMachineLogLevel: 'ALL',
  includeExecutionData: 'true',
  glueJobNames: 'nightly-etl, hourly-etl',
  sources: 'glue.getJobRuns, aws.s3.listObjectsV2',
  sourceScopes: 'aws.s3.listObjectsV2.Bucket=demo, aws.s3.listObjectsV2.Bucket=logs',
  tracing: 'true',
  sourceMaps: 'true',
  sourceDefinitionsDir: 'my-sources',
  sourceEndpoints:
    'PAGEWALK_ENDPOINT_URL_MARKETPLACE=https://sellers.example.com, PAGEWALK_ENDPOINT_URL_B=http://127.0.0.1:9000',
  alarmEmail: 'ops@example.com',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
  lambdaErrorThreshold: '20',
  dashboard: 'false',
  api: 'false',
  allJobs: 'true',
  syncSchedule: 'rate(1 day)',
  spapiRegion: 'eu',
  spapiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagewalk/spapi-lwa-AbC123',
  spapiSecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
};

const fromContext = (context: Record<string, unknown>) => stackPropsFromContext(newApp({ context }).node);

describe('the context the CDK app reads', () => {
  it('turns -c strings into typed stack props', () => {
    const props = fromContext(EVERY_KEY);
    const { fetchPageTimeout, ...rest } = props;
    expect(fetchPageTimeout?.toSeconds()).toBe(120);
    expect(rest).toEqual({
      tableName: 'items',
      removalPolicy: RemovalPolicy.DESTROY,
      customerManagedKey: true,
      encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      itemTtlDays: 90,
      memorySize: 512,
      logLevel: 'DEBUG',
      logRetention: 90,
      stateMachineLogLevel: 'ALL',
      includeExecutionData: true,
      glueJobNames: ['nightly-etl', 'hourly-etl'],
      sources: ['glue.getJobRuns', 'aws.s3.listObjectsV2'],
      sourceScopes: { 'aws.s3.listObjectsV2': { Bucket: ['demo', 'logs'] } },
      tracing: true,
      sourceMaps: true,
      sourceDefinitionsDir: 'my-sources',
      sourceEndpoints: {
        PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com',
        PAGEWALK_ENDPOINT_URL_B: 'http://127.0.0.1:9000',
      },
      alarmEmail: 'ops@example.com',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
      lambdaErrorThreshold: 20,
      dashboard: false,
      api: false,
      allJobs: true,
      syncSchedule: 'rate(1 day)',
      spapiRegion: 'eu',
      spapiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagewalk/spapi-lwa-AbC123',
      spapiSecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    });
  });

  it('knows every key it reads: the list above is complete', () => {
    expect(Object.keys(EVERY_KEY).sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  it('takes JSON values from cdk.json as they are', () => {
    expect(
      fromContext({
        memorySize: 1024,
        tracing: true,
        glueJobNames: ['nightly-etl'],
        sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com' },
      }),
    ).toMatchObject({
      memorySize: 1024,
      tracing: true,
      glueJobNames: ['nightly-etl'],
      sourceEndpoints: { PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com' },
    });
    expect(
      fromContext({ sourceEndpoints: '{"PAGEWALK_ENDPOINT_URL_MARKETPLACE":"https://sellers.example.com"}' })
        .sourceEndpoints,
    ).toEqual({ PAGEWALK_ENDPOINT_URL_MARKETPLACE: 'https://sellers.example.com' });
    expect(
      fromContext({
        sources: ['aws.s3.listObjectsV2'],
        sourceScopes: { 'aws.s3.listObjectsV2': { Bucket: ['demo'] } },
      }),
    ).toMatchObject({
      sources: ['aws.s3.listObjectsV2'],
      sourceScopes: { 'aws.s3.listObjectsV2': { Bucket: ['demo'] } },
    });
    expect(fromContext({ sourceScopes: '{"glue.getJobRuns":{"JobName":["a","b"]}}' }).sourceScopes).toEqual({
      'glue.getJobRuns': { JobName: ['a', 'b'] },
    });
  });

  it('leaves every prop to its default when no context is given', () => {
    expect(Object.values(fromContext({})).every((value) => value === undefined)).toBe(true);
  });

  it.each([
    [{ memorySize: 'lots' }, 'Context memorySize must be a number; got "lots"'],
    [{ tracing: 'yes' }, 'Context tracing must be one of true, false; got "yes"'],
    [{ removalPolicy: 'snapshot' }, 'Context removalPolicy must be one of retain, destroy; got "snapshot"'],
    [
      { stateMachineLogLevel: 'all' },
      'Context stateMachineLogLevel must be one of ALL, ERROR, FATAL, OFF; got "all"',
    ],
    [
      { logLevel: 'verbose' },
      'Context logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; got "verbose"',
    ],
    [
      { sourceEndpoints: 'https://sellers.example.com' },
      'Context sourceEndpoints must be VARIABLE=URL pairs separated by commas, or a JSON object of strings; got "https://sellers.example.com"',
    ],
    [{ sourceScopes: 'demo' }, 'Context sourceScopes must be source.Param=value pairs separated by commas'],
    [
      { sourceScopes: { 'aws.s3.listObjectsV2': { Bucket: 'demo' } } },
      'Context sourceScopes must be source.Param=value pairs separated by commas',
    ],
  ])('rejects %j, naming the key, the value and what is allowed', (context, message) => {
    expect(() => fromContext(context)).toThrow(message);
  });

  it('leaves ranges to the stack, so props and context fail alike', () => {
    const props = fromContext({ itemTtlDays: '0' });
    expect(() => synth(props)).toThrow('itemTtlDays must be a whole number from 1 to 3650 days; got 0');
    expect(() => synth(fromContext({ logRetentionDays: '45' }))).toThrow(
      /logRetention must be one of .* days; got 45/,
    );
  });
});
