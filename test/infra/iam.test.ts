import { describe, expect, it } from 'vitest';
import {
  aslFile,
  definitionsDir,
  glueDefinition,
  httpDefinition,
  iamStatements,
  LOG_DELIVERY_ACTIONS,
  minimalAsl,
  type RoleStatement,
  roles,
  scratchDir,
  synth,
} from './support';

const scratch = scratchDir();
/** Definitions with fixed Task resources, so these tests do not move with statemachine/. */
const plainAsl = aslFile(scratch, 'plain', minimalAsl());
const continueAsNewAsl = aslFile(scratch, 'continue-as-new', minimalAsl({ continueAsNew: true }));

const ALL_GLUE_JOBS = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:job/*';
const TABLE_KEY: Omit<RoleStatement, 'role'> = {
  actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  resources: ['Key.Arn'],
  condition: { StringEquals: { 'kms:ViaService': 'dynamodb.<AWS::Region>.<AWS::URLSuffix>' } },
};
const LAMBDA_XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** What each function role may do by default, given its own log group. */
function functionStatements(): RoleStatement[] {
  return [
    {
      role: 'FetchPageRole',
      actions: ['dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: ['Table.Arn'],
    },
    { role: 'FetchPageRole', actions: ['glue:GetJobRuns'], resources: [ALL_GLUE_JOBS] },
    {
      role: 'FetchPageRole',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['FetchPageLogs.Arn'],
    },
    {
      role: 'FinishRunRole',
      actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
      resources: ['Table.Arn'],
    },
    {
      role: 'FinishRunRole',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['FinishRunLogs.Arn'],
    },
    {
      role: 'StartRunRole',
      actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: ['Table.Arn'],
    },
    {
      role: 'StartRunRole',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['StartRunLogs.Arn'],
    },
  ];
}

/**
 * What the reconcile function may do: read a run record, mark its ending, release the lease,
 * write its own logs, and send what it could not handle to its dead-letter queue.
 */
function reconcileStatements(): RoleStatement[] {
  return [
    {
      role: 'ReconcileRole',
      actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: ['Table.Arn'],
    },
    {
      role: 'ReconcileRole',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['ReconcileLogs.Arn'],
    },
    {
      role: 'ReconcileRole',
      actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      resources: ['ReconcileDeadLetters.Arn'],
    },
  ];
}

/** start-run may ask about this state machine's executions (to take over from ended ones), and no other's. */
const DESCRIBE_OWN_EXECUTIONS: RoleStatement = {
  role: 'StartRunRole',
  actions: ['states:DescribeExecution'],
  resources: ['arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:StateMachine.Name:*'],
};

/** Statements in the order iamStatements reports them: by role, then actions. */
function sorted(statements: (RoleStatement | undefined)[]): (RoleStatement | undefined)[] {
  const key = (s: RoleStatement | undefined) => (s ? `${s.role} ${s.actions.join(',')}` : '');
  return [...statements].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * What the API's function may do: start executions of this state machine (a Ref to it, not
 * `*`, not its executions), read run records, and write its own logs.
 */
function apiStatements(): RoleStatement[] {
  return [
    { role: 'ApiHandlerRole', actions: ['dynamodb:GetItem'], resources: ['Table.Arn'] },
    {
      role: 'ApiHandlerRole',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['ApiHandlerLogs.Arn'],
    },
    { role: 'ApiHandlerRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
  ];
}

const INVOKE_THE_THREE_FUNCTIONS: RoleStatement = {
  role: 'StateMachineRole',
  actions: ['lambda:InvokeFunction'],
  resources: ['FetchPage.Arn', 'FinishRun.Arn', 'StartRun.Arn'],
};
const LOG_DELIVERY: RoleStatement = {
  role: 'StateMachineRole',
  actions: LOG_DELIVERY_ACTIONS,
  resources: ['*'],
};

describe('IAM: the whole set of statements', () => {
  it("has six roles: one per function (the three the state machine calls, the API's and the reconcile), trusted by Lambda, and the state machine, trusted by Step Functions", () => {
    const { stack, template } = synth({ definitionPath: plainAsl });
    expect(roles(stack, template)).toEqual({
      ApiHandlerRole: 'lambda.amazonaws.com',
      ReconcileRole: 'lambda.amazonaws.com',
      StartRunRole: 'lambda.amazonaws.com',
      FetchPageRole: 'lambda.amazonaws.com',
      FinishRunRole: 'lambda.amazonaws.com',
      StateMachineRole: 'states.amazonaws.com',
    });
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('is exactly this by default', () => {
    const { stack } = synth({ definitionPath: plainAsl });
    expect(iamStatements(stack)).toEqual(
      sorted([
        ...apiStatements(),
        ...functionStatements(),
        ...reconcileStatements(),
        DESCRIBE_OWN_EXECUTIONS,
        INVOKE_THE_THREE_FUNCTIONS,
        LOG_DELIVERY,
      ]),
    );
  });

  it("loses exactly the API function's statements without the API", () => {
    const { stack } = synth({ definitionPath: plainAsl, api: false });
    expect(iamStatements(stack)).toEqual(
      sorted([
        ...functionStatements(),
        ...reconcileStatements(),
        DESCRIBE_OWN_EXECUTIONS,
        INVOKE_THE_THREE_FUNCTIONS,
        LOG_DELIVERY,
      ]),
    );
  });

  it('adds only states:StartExecution on the state machine itself when the definition continues as new', () => {
    const { stack } = synth({ definitionPath: continueAsNewAsl });
    expect(iamStatements(stack)).toEqual(
      sorted([
        ...apiStatements(),
        ...functionStatements(),
        ...reconcileStatements(),
        DESCRIBE_OWN_EXECUTIONS,
        INVOKE_THE_THREE_FUNCTIONS,
        LOG_DELIVERY,
        { role: 'StateMachineRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
      ]),
    );
  });

  it('narrows Glue to the named jobs, adds the secrets the definitions name, the key and X-Ray when configured', () => {
    const sourceDefinitionsDir = definitionsDir(scratch, 'with-auth', {
      'glue.json': glueDefinition(),
      'a.json': httpDefinition('vendor.orders', {
        auth: {
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/api-AbCdEf',
          header: 'X-Api-Key',
        },
      }),
    });
    const { stack } = synth({
      definitionPath: continueAsNewAsl,
      glueJobNames: ['nightly-etl', 'hourly-etl'],
      sourceDefinitionsDir,
      customerManagedKey: true,
      tracing: true,
      stateMachineLogLevel: 'OFF',
    });
    const [fetchTable, , fetchLogs, finishTable, finishLogs, startTable, startLogs] = functionStatements();
    const [apiTable, apiLogs, apiStart] = apiStatements();
    const glueJob = (name: string) => `arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:job/${name}`;
    const [reconcileTable, reconcileLogs, reconcileQueue] = reconcileStatements();
    expect(iamStatements(stack)).toEqual(
      sorted([
        reconcileTable,
        { role: 'ReconcileRole', ...TABLE_KEY },
        reconcileLogs,
        reconcileQueue,
        { role: 'ReconcileRole', actions: LAMBDA_XRAY, resources: ['*'] },
        DESCRIBE_OWN_EXECUTIONS,
        apiTable,
        { role: 'ApiHandlerRole', ...TABLE_KEY },
        {
          role: 'ApiHandlerRole',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['Key.Arn'],
          condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': 'StateMachine' } },
        },
        apiLogs,
        apiStart,
        { role: 'ApiHandlerRole', actions: LAMBDA_XRAY, resources: ['*'] },
        fetchTable,
        {
          role: 'FetchPageRole',
          actions: ['glue:GetJobRuns'],
          resources: [glueJob('hourly-etl'), glueJob('nightly-etl')],
        },
        { role: 'FetchPageRole', ...TABLE_KEY },
        fetchLogs,
        {
          role: 'FetchPageRole',
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:vendor/api-AbCdEf'],
        },
        { role: 'FetchPageRole', actions: LAMBDA_XRAY, resources: ['*'] },
        finishTable,
        { role: 'FinishRunRole', ...TABLE_KEY },
        finishLogs,
        { role: 'FinishRunRole', actions: LAMBDA_XRAY, resources: ['*'] },
        startTable,
        { role: 'StartRunRole', ...TABLE_KEY },
        startLogs,
        { role: 'StartRunRole', actions: LAMBDA_XRAY, resources: ['*'] },
        {
          role: 'StateMachineRole',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['Key.Arn'],
          condition: {
            StringEquals: {
              'kms:EncryptionContext:aws:states:stateMachineArn':
                'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:Pagewalk-StateMachine',
            },
          },
        },
        INVOKE_THE_THREE_FUNCTIONS,
        { role: 'StateMachineRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
        {
          role: 'StateMachineRole',
          actions: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', ...LAMBDA_XRAY],
          resources: ['*'],
        },
      ]),
    );
  });
});

describe('IAM least privilege', () => {
  it('never allows a wildcard action, in any configuration', () => {
    for (const props of [
      { definitionPath: continueAsNewAsl },
      {
        definitionPath: continueAsNewAsl,
        customerManagedKey: true,
        tracing: true,
        alarmEmail: 'ops@example.com',
      },
    ]) {
      const { stack } = synth(props);
      const actions = iamStatements(stack).flatMap((statement) => statement.actions);
      expect(actions.length).toBeGreaterThan(10);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    }
  });

  it('gives "*" resources only to actions that have no resource-level permissions', () => {
    const { stack } = synth({ definitionPath: continueAsNewAsl, tracing: true });
    const unscoped = iamStatements(stack)
      .filter((statement) => statement.resources.includes('*'))
      .flatMap((statement) => statement.actions);
    expect(
      unscoped.every((action) => action.startsWith('xray:') || LOG_DELIVERY_ACTIONS.includes(action)),
    ).toBe(true);
  });

  it('rejects an empty list of Glue jobs', () => {
    expect(() => synth({ glueJobNames: [] })).toThrow('glueJobNames must name at least one Glue job');
  });

  it('scopes the DynamoDB actions of every function to this table', () => {
    const { stack } = synth({ definitionPath: plainAsl });
    const dynamo = iamStatements(stack).filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => s.role).sort()).toEqual([
      'ApiHandlerRole',
      'FetchPageRole',
      'FinishRunRole',
      'ReconcileRole',
      'StartRunRole',
    ]);
    for (const statement of dynamo) expect(statement.resources).toEqual(['Table.Arn']);
  });

  it('starts executions of this state machine only, never of "*" and never by execution ARN, and describes only its executions', () => {
    const { stack } = synth({ definitionPath: continueAsNewAsl, tracing: true, customerManagedKey: true });
    const states = iamStatements(stack).filter((s) => s.actions.some((a) => a.startsWith('states:')));
    expect(states).toEqual([
      { role: 'ApiHandlerRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
      DESCRIBE_OWN_EXECUTIONS,
      { role: 'StateMachineRole', actions: ['states:StartExecution'], resources: ['StateMachine'] },
    ]);
  });

  it('lets each function write only to its own log group', () => {
    const { stack } = synth({ definitionPath: plainAsl });
    const logs = iamStatements(stack).filter((s) => s.actions.includes('logs:PutLogEvents'));
    expect(logs.map((s) => [s.role.replace(/Role$/, ''), s.resources])).toEqual([
      ['ApiHandler', ['ApiHandlerLogs.Arn']],
      ['FetchPage', ['FetchPageLogs.Arn']],
      ['FinishRun', ['FinishRunLogs.Arn']],
      ['Reconcile', ['ReconcileLogs.Arn']],
      ['StartRun', ['StartRunLogs.Arn']],
    ]);
  });
});
