import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { iamStatements, logicalId, render, resourceNames, synth } from './support';

describe('reconciling executions that could not record their ending', () => {
  const { stack, template } = synth();
  const names = resourceNames(stack);
  const stateMachine = logicalId(stack, stack.stateMachine.stateMachine);

  it('matches the Status Change events of ABORTED, TIMED_OUT and FAILED executions of this state machine only', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
          stateMachineArn: [{ Ref: stateMachine }],
        },
      },
    });
  });

  it('invokes the reconcile function, retrying delivery for a day and keeping what it could not deliver in a dead-letter queue', () => {
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(render(rule?.Properties.Targets, names)).toEqual([
      {
        Id: 'Target0',
        Arn: 'Reconcile.Arn',
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: 'ReconcileDeadLetters.Arn' },
      },
    ]);
  });

  it('sends a failed invocation to the same dead-letter queue after Lambda retried it twice', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack, stack.reconcile.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [logicalId(stack, stack.reconcile.deadLetterQueue), 'Arn'] },
        },
      },
    });
  });

  it('keeps the dead letters encrypted for 14 days and refuses them over plain HTTP', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const statements = policies.flatMap(
      (p) => render(p.Properties.PolicyDocument.Statement, names) as unknown[],
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // EventBridge may send to it for this rule only.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': 'ReconcileRule.Arn' } },
      }),
    );
  });

  it('may be invoked by EventBridge only for this rule', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
      .map((p) => render(p.Properties, names) as Record<string, unknown>)
      .filter((p) => p.FunctionName === 'Reconcile.Arn');
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: 'Reconcile.Arn',
        Principal: 'events.amazonaws.com',
        SourceArn: 'ReconcileRule.Arn',
      },
    ]);
  });

  it('runs functions/reconcile.ts with the table and the timeout the local engine enforces', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('records on the run how an execution ended'),
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({ TABLE_NAME: { Ref: logicalId(stack, stack.table.table) } }),
      },
    });
  });
});

describe('reconciling the all-jobs sync', () => {
  const { stack, template } = synth({ allJobs: true });
  const names = resourceNames(stack);

  it('matches the same endings of the all-jobs state machine with the same rule and function', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(render(rule?.Properties.EventPattern, names)).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: ['StateMachine', 'AllJobs'] },
    });
    expect(render(rule?.Properties.Targets, names)).toEqual([
      expect.objectContaining({ Arn: 'Reconcile.Arn' }),
    ]);
  });

  it("lets start-sync describe the all-jobs state machine's executions only, to take over from an ended one", () => {
    const describers = iamStatements(stack, template).filter((s) =>
      s.actions.includes('states:DescribeExecution'),
    );
    expect(describers.filter((s) => s.role === 'StartSyncRole')).toEqual([
      {
        role: 'StartSyncRole',
        actions: ['states:DescribeExecution'],
        resources: ['arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:AllJobs.Name:*'],
      },
    ]);
  });
});
