import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { stackPropsFromContext } from '../../infra/context';
import { PagewalkStack, type PagewalkStackProps } from '../../infra/pagewalk-stack';
import { fromRepoRoot } from '../../infra/paths';

/** The feature flags `cdk synth` uses, so the tests see the same template. */
const cdkJsonContext = (JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as { context: object })
  .context;

/** An app that skips bundling (fast), unless a test needs the real assets. */
function newApp(options: { bundle?: boolean; outdir?: string; context?: Record<string, unknown> } = {}): App {
  return new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

function synth(props: PagewalkStackProps = {}): { stack: PagewalkStack; template: Template } {
  const stack = new PagewalkStack(newApp(), 'Pagewalk', props);
  return { stack, template: Template.fromStack(stack) };
}

const scratch = mkdtempSync(join(tmpdir(), 'pagewalk-infra-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes an ASL document to a scratch file and returns its path. */
function aslFile(name: string, asl: unknown): string {
  const path = join(scratch, `${name}.asl.json`);
  writeFileSync(path, typeof asl === 'string' ? asl : JSON.stringify(asl, null, 2));
  return path;
}

/** `${name}`, an ASL placeholder. */
const placeholder = (name: string): string => `\${${name}}`;

/** A minimal definition calling the three functions; options add the states a test is about. */
function minimalAsl(
  options: { continueAsNew?: boolean; extraResource?: string; fetchTimeoutSeconds?: number } = {},
): object {
  const task = (resource: string, next?: string) => ({
    Type: 'Task',
    Resource: resource,
    ...(next ? { Next: next } : { End: true }),
  });
  return {
    StartAt: 'Start run',
    States: {
      'Start run': task(placeholder('StartRunFunctionArn'), 'Fetch page'),
      'Fetch page': {
        ...task(
          placeholder('FetchPageFunctionArn'),
          options.continueAsNew ? 'Continue as new' : 'Finish run',
        ),
        ...(options.fetchTimeoutSeconds ? { TimeoutSeconds: options.fetchTimeoutSeconds } : {}),
      },
      ...(options.continueAsNew
        ? {
            'Continue as new': {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution',
              Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Input.$': '$' },
              Next: 'Finish run',
            },
          }
        : {}),
      ...(options.extraResource ? { Extra: task(options.extraResource, 'Finish run') } : {}),
      'Finish run': task(placeholder('FinishRunFunctionArn')),
    },
  };
}

function logicalId(stack: PagewalkStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnFunction | CfnStateMachine);
}

interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
}

/** Every statement of every AWS::IAM::Policy attached to `roleLogicalId`, actions and resources as arrays. */
function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
    .map((statement) => ({
      Effect: statement.Effect as string,
      Action: ([] as string[]).concat(statement.Action as string | string[]),
      Resource: ([] as unknown[]).concat(statement.Resource),
    }));
}

/** The statements of a function's execution role. */
function statementsOfFunction(template: Template, stack: PagewalkStack, fn: IConstruct): Statement[] {
  const resource = template.toJSON().Resources[logicalId(stack, fn)];
  const [roleLogicalId] = resource.Properties.Role['Fn::GetAtt'] as [string, string];
  return statementsOfRole(template, roleLogicalId);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => statement.Action).sort();
}

function tableArn(stack: PagewalkStack): unknown {
  return { 'Fn::GetAtt': [stack.getLogicalId(stack.table.table.node.defaultChild as never), 'Arn'] };
}

function functionArn(stack: PagewalkStack, fn: IConstruct): unknown {
  return { 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] };
}

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
  });

  it('is retained when the stack is deleted, by default', () => {
    synth().template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('is deleted with the stack when the removal policy says so', () => {
    synth({ tableRemovalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
    });
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

describe('the page functions', () => {
  it('are three Node.js 22 arm64 functions that know the table name', () => {
    const { stack, template } = synth();
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: stack.getLogicalId(stack.table.table.node.defaultChild as never) },
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('get 256 MB, 60 s for fetching a page and 10 s for the bookkeeping handlers by default', () => {
    const { stack, template } = synth();
    const resources = template.toJSON().Resources;
    const { startRun, fetchPage, finishRun } = stack.functions;
    expect(resources[logicalId(stack, fetchPage)].Properties).toMatchObject({ MemorySize: 256, Timeout: 60 });
    expect(resources[logicalId(stack, startRun)].Properties).toMatchObject({ MemorySize: 256, Timeout: 10 });
    expect(resources[logicalId(stack, finishRun)].Properties).toMatchObject({ MemorySize: 256, Timeout: 10 });
  });

  it('take the memory size, fetch-page timeout and log level they are given', () => {
    const { stack, template } = synth({
      memorySize: 1024,
      fetchPageTimeout: Duration.minutes(5),
      logLevel: 'DEBUG',
      // A definition without Task timeouts, so any function timeout is allowed.
      definitionPath: aslFile('no-task-timeouts', minimalAsl()),
    });
    template.allResourcesProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
    });
    expect(template.toJSON().Resources[logicalId(stack, stack.functions.fetchPage)].Properties.Timeout).toBe(
      300,
    );
  });

  it('log JSON to their own log groups, kept for one month', () => {
    const { template } = synth();
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const config = fn.Properties.LoggingConfig;
      expect(config).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      const logGroup = logGroups[config.LogGroup.Ref as string];
      expect(logGroup?.Properties.RetentionInDays).toBe(30);
    }
    // The deprecated logRetention custom resource is not used.
    template.resourceCountIs('Custom::LogRetention', 0);
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

describe('IAM least privilege', () => {
  it('lets fetch-page call glue:GetJobRuns on job ARNs only', () => {
    const { stack, template } = synth();
    const glue = statementsOfFunction(template, stack, stack.functions.fetchPage).filter((s) =>
      s.Action.some((action) => action.startsWith('glue:')),
    );
    expect(glue).toEqual([
      {
        Effect: 'Allow',
        Action: ['glue:GetJobRuns'],
        Resource: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':glue:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':job/*',
              ],
            ],
          },
        ],
      },
    ]);
  });

  it('narrows Glue access to the named jobs when given', () => {
    const { stack, template } = synth({ glueJobNames: ['nightly-etl', 'hourly-etl'] });
    const [glue] = statementsOfFunction(template, stack, stack.functions.fetchPage).filter((s) =>
      s.Action.includes('glue:GetJobRuns'),
    );
    const resources = JSON.stringify(glue?.Resource);
    expect(resources).toContain(':job/nightly-etl"');
    expect(resources).toContain(':job/hourly-etl"');
    expect(resources).not.toContain('job/*');
  });

  it('rejects an empty list of Glue jobs', () => {
    expect(() => synth({ glueJobNames: [] })).toThrow('glueJobNames must name at least one Glue job');
  });

  it('lets fetch-page write pages and update the run record on this table only', () => {
    const { stack, template } = synth();
    const statements = statementsOfFunction(template, stack, stack.functions.fetchPage);
    const dynamo = statements.filter((s) => s.Action.some((action) => action.startsWith('dynamodb:')));
    expect(actionsOf(dynamo)).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem']);
    for (const statement of dynamo) expect(statement.Resource).toEqual([tableArn(stack)]);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:UpdateItem',
      'glue:GetJobRuns',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('lets start-run put and get the run record on this table, and nothing in Glue', () => {
    const { stack, template } = synth();
    const statements = statementsOfFunction(template, stack, stack.functions.startRun);
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(actionsOf(statements).some((action) => action.startsWith('glue:'))).toBe(false);
    for (const statement of statements.filter((s) => s.Action[0]?.startsWith('dynamodb:'))) {
      expect(statement.Resource).toEqual([tableArn(stack)]);
    }
  });

  it('lets finish-run only update the run record', () => {
    const { stack, template } = synth();
    expect(actionsOf(statementsOfFunction(template, stack, stack.functions.finishRun))).toEqual([
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('lets each function write only to its own log group, with no managed policy', () => {
    const { stack, template } = synth();
    const resources = template.toJSON().Resources;
    for (const fn of [stack.functions.startRun, stack.functions.fetchPage, stack.functions.finishRun]) {
      const properties = resources[logicalId(stack, fn)].Properties;
      const [roleLogicalId] = properties.Role['Fn::GetAtt'];
      expect(resources[roleLogicalId].Properties.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOfRole(template, roleLogicalId).filter((s) => s.Action[0]?.startsWith('logs:'));
      expect(logs.flatMap((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
      ]);
    }
  });

  it('has no statement anywhere that allows a wildcard action', () => {
    const { template } = synth({
      definitionPath: aslFile('continue-as-new', minimalAsl({ continueAsNew: true })),
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies.length).toBeGreaterThanOrEqual(5);
    const actions = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
        (s) => s.Action,
      ),
    );
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });
});

describe('the state machine', () => {
  it('is a Standard workflow', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
    });
  });

  it('deploys statemachine/pagewalk.asl.json as it is, the file the local runtime runs', () => {
    const { template } = synth();
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(stateMachine?.Properties.DefinitionString).toBe(
      readFileSync(fromRepoRoot('statemachine', 'pagewalk.asl.json'), 'utf8'),
    );
  });

  it('substitutes the ARNs of the three functions for the placeholders the definition uses', () => {
    const { stack, template } = synth();
    const { startRun, fetchPage, finishRun } = stack.functions;
    const [stateMachine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition: string = stateMachine?.Properties.DefinitionString ?? '';
    const placeholders = new Set([...definition.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'FetchPageFunctionArn',
      'FinishRunFunctionArn',
      'StartRunFunctionArn',
    ]);
    expect(stateMachine?.Properties.DefinitionSubstitutions).toEqual({
      StartRunFunctionArn: functionArn(stack, startRun),
      FetchPageFunctionArn: functionArn(stack, fetchPage),
      FinishRunFunctionArn: functionArn(stack, finishRun),
    });
  });

  it('can invoke exactly the three functions, and their versions', () => {
    const { stack, template } = synth();
    const roleArn =
      template.toJSON().Resources[logicalId(stack, stack.stateMachine.stateMachine)].Properties.RoleArn;
    const statements = statementsOfRole(template, roleArn['Fn::GetAtt'][0]);
    const lambda = statements.filter((s) => s.Action.some((action) => action.startsWith('lambda:')));
    expect(actionsOf(lambda)).toEqual(['lambda:InvokeFunction']);
    const fns = [stack.functions.startRun, stack.functions.fetchPage, stack.functions.finishRun];
    const expected = fns.flatMap((fn) => [
      functionArn(stack, fn),
      { 'Fn::Join': ['', [functionArn(stack, fn), ':*']] },
    ]);
    const granted = lambda.flatMap((s) => s.Resource);
    expect(granted.map((r) => JSON.stringify(r)).sort()).toEqual(
      expected.map((r) => JSON.stringify(r)).sort(),
    );
  });

  it('cannot start executions when the definition never continues as new', () => {
    const { template } = synth({ definitionPath: aslFile('plain', minimalAsl()) });
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
        (s) => s.Action,
      ),
    );
    expect(actions).not.toContain('states:StartExecution');
  });

  it('may start executions of itself only, when the definition continues as new', () => {
    const { stack, template } = synth({
      definitionPath: aslFile('continue-as-new', minimalAsl({ continueAsNew: true })),
    });
    const stateMachineId = logicalId(stack, stack.stateMachine.stateMachine);
    const roleArn = template.toJSON().Resources[stateMachineId].Properties.RoleArn;
    const startExecution = statementsOfRole(template, roleArn['Fn::GetAtt'][0]).filter((s) =>
      s.Action.some((action) => action.startsWith('states:')),
    );
    expect(startExecution).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: stateMachineId }] },
    ]);
  });

  it('logs errors to its own log group without execution data', () => {
    const { stack, template } = synth();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: {
                'Fn::GetAtt': [
                  stack.getLogicalId(stack.stateMachine.logGroup.node.defaultChild as never),
                  'Arn',
                ],
              },
            },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      RetentionInDays: 30,
    });
  });

  it('is not traced unless asked', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: false },
    });
    synth({ tracingEnabled: true }).template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    });
  });

  describe('refuses at synth a definition that would fail on AWS', () => {
    it('when it is not JSON', () => {
      expect(() => synth({ definitionPath: aslFile('broken', '{ "StartAt": ') })).toThrow(
        /is not valid JSON/,
      );
    });

    it('when it uses a placeholder nothing substitutes', () => {
      const asl = minimalAsl({ extraResource: placeholder('ArchiveFunctionArn') });
      expect(() => synth({ definitionPath: aslFile('unknown-placeholder', asl) })).toThrow(
        /uses placeholders with no substitution: \$\{ArchiveFunctionArn\}/,
      );
    });

    it('when it never calls one of the functions', () => {
      const asl = minimalAsl() as { States: Record<string, unknown> };
      asl.States['Finish run'] = { Type: 'Succeed' };
      expect(() => synth({ definitionPath: aslFile('unused-function', asl) })).toThrow(
        /never uses \$\{FinishRunFunctionArn\}/,
      );
    });

    it('when a Task times out before the function it invokes', () => {
      const definitionPath = aslFile('short-task-timeout', minimalAsl({ fetchTimeoutSeconds: 90 }));
      expect(() => synth({ definitionPath, fetchPageTimeout: Duration.seconds(80) })).not.toThrow();
      expect(() => synth({ definitionPath, fetchPageTimeout: Duration.seconds(90) })).toThrow(
        `Task "Fetch page" in ${definitionPath} times out after 90 s, no later than its function's 90 s timeout`,
      );
    });

    it('when a Task calls a service the state machine is granted nothing for', () => {
      const asl = minimalAsl({ extraResource: 'arn:aws:states:::dynamodb:putItem' });
      expect(() => synth({ definitionPath: aslFile('unsupported-resource', asl) })).toThrow(
        /grants no permission for: arn:aws:states:::dynamodb:putItem/,
      );
    });
  });
});

describe('the stack outputs', () => {
  it('give the state machine ARN, the table name and a console link', () => {
    const { stack, template } = synth();
    const stateMachineId = logicalId(stack, stack.stateMachine.stateMachine);
    template.hasOutput('StateMachineArn', { Value: { Ref: stateMachineId } });
    template.hasOutput('TableName', {
      Value: { Ref: stack.getLogicalId(stack.table.table.node.defaultChild as never) },
    });
    const url = JSON.stringify(template.findOutputs('StateMachineConsoleUrl').StateMachineConsoleUrl?.Value);
    expect(url).toContain('.console.aws.amazon.com/states/home?region=');
    expect(url).toContain(JSON.stringify({ Ref: stateMachineId }));
  });
});

describe('the context the CDK app reads', () => {
  it('turns -c strings into typed stack props', () => {
    const app = newApp({
      context: {
        tableName: 'items',
        memorySize: '512',
        fetchPageTimeoutSeconds: '120',
        logLevel: 'DEBUG',
        glueJobNames: 'nightly-etl, hourly-etl',
        tracing: 'true',
      },
    });
    const props = stackPropsFromContext(app.node);
    expect(props).toMatchObject({
      tableName: 'items',
      memorySize: 512,
      logLevel: 'DEBUG',
      glueJobNames: ['nightly-etl', 'hourly-etl'],
      tracingEnabled: true,
    });
    expect(props.fetchPageTimeout?.toSeconds()).toBe(120);
  });

  it('leaves every prop to its default when no context is given', () => {
    expect(Object.values(stackPropsFromContext(newApp().node)).every((value) => value === undefined)).toBe(
      true,
    );
  });

  it('rejects a memory size that is not a number, naming it', () => {
    expect(() => stackPropsFromContext(newApp({ context: { memorySize: 'lots' } }).node)).toThrow(
      'Context memorySize must be a number; got "lots"',
    );
  });
});

describe('bundling', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Slow on purpose (a few seconds): the only test that runs esbuild for real.
  it('bundles each handler with the local esbuild into a loadable CommonJS file with a source map', () => {
    // Any attempt to fall back to Docker fails at once instead of hanging.
    vi.stubEnv('CDK_DOCKER', join(scratch, 'no-docker-here'));
    const outdir = join(scratch, 'cdk.out');
    mkdirSync(outdir);
    const stack = new PagewalkStack(newApp({ bundle: true, outdir }), 'Pagewalk');
    const template = Template.fromStack(stack);

    const load = createRequire(import.meta.url);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
      const assetDir = join(outdir, `asset.${assetHash}`);
      expect(existsSync(join(assetDir, 'index.js'))).toBe(true);
      expect(existsSync(join(assetDir, 'index.js.map'))).toBe(true);
      expect(existsSync(join(assetDir, 'index.mjs'))).toBe(false);

      vi.stubEnv('TABLE_NAME', 'pagewalk-test');
      vi.stubEnv('AWS_REGION', 'us-east-1');
      const bundle = load(join(assetDir, 'index.js')) as { handler?: unknown };
      expect(typeof bundle.handler).toBe('function');
    }
  });
});
