import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { FUNCTION_TIMEOUT_SECONDS } from '../../functions/lib/timeouts';
import { aslFile, functionResource, logicalId, minimalAsl, newApp, scratchDir, synth } from './support';

const scratch = scratchDir();

describe('the items table', () => {
  it('is on-demand, keyed by string pk and sk, with point-in-time recovery and AWS-owned encryption', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled false means the AWS owned key, DynamoDB's default: no KMS key to manage or pay for.
      SSESpecification: { SSEEnabled: false },
    });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('expires rows by the expiresAt attribute that lease and token rows carry', () => {
    synth().template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is retained, and protected from deletion, by default', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('is deleted with the stack, and unprotected, when the removal policy says DESTROY', () => {
    synth({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('rejects a removal policy other than RETAIN or DESTROY', () => {
    expect(() => synth({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(
      'removalPolicy must be one of RETAIN, DESTROY; got "snapshot"',
    );
  });

  it('takes a physical name when one is given', () => {
    synth({ tableName: 'pagewalk-items' }).template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'pagewalk-items',
    });
  });

  it('rejects an invalid table name, naming it', () => {
    expect(() => synth({ tableName: 'a b' })).toThrow(
      `tableName must be 3 to 255 characters of letters, digits, '_', '-' and '.'; got "a b"`,
    );
  });
});

describe('encryption with a customer managed key', () => {
  it('creates a rotating key for the table and every log group when asked', () => {
    const { stack, template } = synth({ customerManagedKey: true });
    const keyId = logicalId(stack, stack.encryptionKey as Key);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // Five functions, the state machine and the API's access logs.
    expect(logGroups).toHaveLength(7);
    for (const logGroup of logGroups) {
      expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });

  it("lets CloudWatch Logs use the created key for this account's log groups only", () => {
    const { template } = synth({ customerManagedKey: true });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
            Principal: {
              Service: {
                'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
              },
            },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          }),
        ]),
      },
    });
  });

  it('schedules the created key for deletion with a throwaway stack', () => {
    synth({ customerManagedKey: true, removalPolicy: RemovalPolicy.DESTROY }).template.hasResource(
      'AWS::KMS::Key',
      { DeletionPolicy: 'Delete' },
    );
  });

  it('uses a key it is given, by construct or by ARN, and creates none', () => {
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const encryptionKey = Key.fromKeyArn(new Stack(newApp(), 'Keys'), 'Given', arn);
    for (const props of [{ encryptionKey }, { encryptionKeyArn: arn }]) {
      const { template } = synth(props);
      template.resourceCountIs('AWS::KMS::Key', 0);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arn },
      });
    }
  });

  it('rejects two ways of choosing a key, and a key ARN that is not one', () => {
    expect(() =>
      synth({
        customerManagedKey: true,
        encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      }),
    ).toThrow(
      'Give at most one of encryptionKey, encryptionKeyArn, customerManagedKey; got encryptionKeyArn, customerManagedKey',
    );
    expect(() => synth({ encryptionKeyArn: 'alias/pagewalk' })).toThrow(
      'encryptionKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); got "alias/pagewalk"',
    );
  });
});

describe('the page functions', () => {
  it("are five Node.js 22 arm64 functions (the three the state machine calls, the API's and the reconcile) that know the table and the Powertools settings", () => {
    const { stack, template } = synth();
    template.resourceCountIs('AWS::Lambda::Function', 5);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: logicalId(stack, stack.table.table) },
          POWERTOOLS_SERVICE_NAME: 'pagewalk',
          POWERTOOLS_METRICS_NAMESPACE: 'Pagewalk',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    });
  });

  it('get 256 MB, 60 s for fetching a page and 10 s for the bookkeeping handlers, the reconcile and the API by default: the timeouts the local engine enforces', () => {
    const { stack, template } = synth();
    const { startRun, fetchPage, finishRun } = stack.functions;
    expect(functionResource(template, stack, fetchPage).Properties).toMatchObject({
      MemorySize: 256,
      Timeout: 60,
    });
    for (const fn of [startRun, finishRun, stack.reconcile.function, stack.api!.handler]) {
      expect(functionResource(template, stack, fn).Properties).toMatchObject({
        MemorySize: 256,
        Timeout: 10,
      });
    }
    expect(FUNCTION_TIMEOUT_SECONDS).toMatchObject({
      StartRunFunctionArn: 10,
      FetchPageFunctionArn: 60,
      FinishRunFunctionArn: 10,
      ReconcileFunctionArn: 10,
    });
    // The source call's timeout sits well inside fetch-page's.
    expect(functionResource(template, stack, fetchPage).Properties).toMatchObject({
      Environment: { Variables: expect.objectContaining({ SOURCE_REQUEST_TIMEOUT_MS: '20000' }) },
    });
  });

  it('take the memory size, fetch-page timeout and log level they are given, for Lambda and Powertools alike', () => {
    const { stack, template } = synth({
      memorySize: 1024,
      fetchPageTimeout: Duration.minutes(5),
      logLevel: 'DEBUG',
      // A definition without Task timeouts, so any function timeout is allowed.
      definitionPath: aslFile(scratch, 'no-task-timeouts', minimalAsl()),
    });
    template.allResourcesProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
    });
    expect(functionResource(template, stack, stack.functions.fetchPage).Properties.Timeout).toBe(300);
    expect(
      functionResource(template, stack, stack.functions.fetchPage).Properties.Environment.Variables,
    ).toMatchObject({ SOURCE_REQUEST_TIMEOUT_MS: '20000' });
  });

  it("call Lambda's FATAL level CRITICAL for Powertools", () => {
    synth({ logLevel: 'FATAL' }).template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'FATAL' }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' }) },
    });
  });

  it('log JSON to their own log groups, kept for one month and retained by default', () => {
    const { template } = synth();
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const config = fn.Properties.LoggingConfig;
      expect(config).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      const logGroup = logGroups[config.LogGroup.Ref as string];
      expect(logGroup?.Properties.RetentionInDays).toBe(30);
      expect(logGroup?.DeletionPolicy).toBe('Retain');
    }
    // The deprecated logRetention custom resource is not used.
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('keep logs as long as asked, and drop every log group with a throwaway stack', () => {
    const { template } = synth({
      logRetention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // Five functions, the state machine and the API's access logs.
    expect(logGroups).toHaveLength(7);
    for (const logGroup of logGroups) {
      expect(logGroup).toMatchObject({ DeletionPolicy: 'Delete', Properties: { RetentionInDays: 90 } });
    }
  });

  it('reject a log retention CloudWatch Logs does not offer', () => {
    expect(() => synth({ logRetention: 45 as RetentionDays })).toThrow(
      /^logRetention must be one of 1, 3, 5, 7, .* days; got 45$/,
    );
  });

  it('tell fetch-page alone how many days items live when itemTtlDays is set', () => {
    const { stack, template } = synth({ itemTtlDays: 90 });
    const { startRun, fetchPage, finishRun } = stack.functions;
    expect(functionResource(template, stack, fetchPage).Properties.Environment.Variables.ITEM_TTL_DAYS).toBe(
      '90',
    );
    for (const fn of [startRun, finishRun]) {
      expect(functionResource(template, stack, fn).Properties.Environment.Variables).not.toHaveProperty(
        'ITEM_TTL_DAYS',
      );
    }
    expect(
      functionResource(synth().template, stack, fetchPage)?.Properties.Environment.Variables,
    ).not.toHaveProperty('ITEM_TTL_DAYS');
  });

  it.each([0, 3651, 1.5])('reject item TTL of %s days, naming it and the range', (itemTtlDays) => {
    expect(() => synth({ itemTtlDays })).toThrow(
      `itemTtlDays must be a whole number from 1 to 3650 days; got ${itemTtlDays}`,
    );
  });

  it('are traced with X-Ray only when asked', () => {
    const plain = synth().template.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(plain)) expect(fn.Properties.TracingConfig).toBeUndefined();
    synth({ tracing: true }).template.allResourcesProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
    });
  });

  it.each([127, 10241, 512.5])('reject a memory size of %s MB, naming it and the range', (memorySize) => {
    expect(() => synth({ memorySize })).toThrow(
      `memorySize must be a whole number from 128 to 10240 MB; got ${memorySize}`,
    );
  });

  it.each([
    [Duration.seconds(901), '901'],
    [Duration.millis(500), '0.5'],
  ])('reject a fetch-page timeout of %s, naming it and the range', (fetchPageTimeout, seconds) => {
    expect(() => synth({ fetchPageTimeout })).toThrow(
      `fetchPageTimeout must be a whole number from 1 to 900 seconds; got ${seconds}`,
    );
  });

  it('reject an unknown log level, naming it and the choices', () => {
    expect(() => synth({ logLevel: 'VERBOSE' as never })).toThrow(
      'logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; got "VERBOSE"',
    );
  });
});

describe('the stack outputs', () => {
  it('give the state machine ARN, the table name, a console link (for the partition) and the dashboard link', () => {
    const { stack, template } = synth();
    const stateMachineId = logicalId(stack, stack.stateMachine.stateMachine);
    template.hasOutput('StateMachineArn', { Value: { Ref: stateMachineId } });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack, stack.table.table) } });
    const url = JSON.stringify(template.findOutputs('StateMachineConsoleUrl').StateMachineConsoleUrl?.Value);
    expect(url).toContain(
      JSON.stringify({ 'Fn::FindInMap': ['ConsoleDomain', { Ref: 'AWS::Partition' }, 'domain'] }),
    );
    expect(url).toContain('/states/home?region=');
    expect(template.toJSON().Mappings.ConsoleDomain).toEqual({
      aws: { domain: 'console.aws.amazon.com' },
      'aws-cn': { domain: 'console.amazonaws.cn' },
      'aws-us-gov': { domain: 'console.amazonaws-us-gov.com' },
    });
    expect(url).toContain(JSON.stringify({ Ref: stateMachineId }));
    const dashboard = JSON.stringify(template.findOutputs('DashboardUrl').DashboardUrl?.Value);
    expect(dashboard).toContain('#dashboards/dashboard/');
  });
});
