import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stackPropsFromContext } from '../../infra/context';
import { PagewalkStack, type PagewalkStackProps } from '../../infra/pagewalk-stack';
import { logicalId, newApp, synth } from './support';

const NIGHTLY = {
  name: 'nightly-etl',
  schedule: 'cron(0 3 * * ? *)',
  input: { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' }, options: { sync: 'incremental' } },
};

/** The stack `cdk synth -c key=value ...` builds. */
function synthWithContext(context: Record<string, string>) {
  const app = newApp({ context });
  const stack = new PagewalkStack(app, 'Pagewalk', stackPropsFromContext(app.node));
  return { stack, template: Template.fromStack(stack) };
}

/** Every action any policy in the template allows. */
function allActions(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
      ([] as string[]).concat(s.Action),
    ),
  );
}

describe('by default', () => {
  it('deploys no all-jobs sync, no schedule, and grants no glue:ListJobs, GetJobs or GetJobRun', () => {
    const { stack, template } = synth();

    expect(stack.allJobs).toBeUndefined();
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(allActions(template).filter((a) => /^glue:(ListJobs|GetJobs|GetJobRun)$/.test(a))).toEqual([]);
  });
});

describe("the context key syncSchedule ('-c syncSchedule=rate(1 day)')", () => {
  const { stack, template } = synthWithContext({ syncSchedule: 'rate(1 day)' });
  const allJobs = logicalId(stack, stack.allJobs?.stateMachine as never);
  const queue = logicalId(stack, stack.schedules?.deadLetterQueue as never);
  const role = logicalId(stack, stack.schedules?.role as never);

  it('schedules an incremental all-jobs sync that skips when one is still running, in a flexible window', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Pagewalk-sync-all-jobs',
      ScheduleExpression: 'rate(1 day)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: {
        Arn: { Ref: allJobs },
        RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
        Input: JSON.stringify({
          source: 'glue.allJobs',
          params: {},
          options: { ifBusy: 'skip', sync: 'incremental' },
        }),
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      },
    });
  });

  it('gives the schedule a role only Scheduler of this account may assume, allowed only to start the all-jobs sync and dead-letter', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: [
          { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: allJobs } },
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [queue, 'Arn'] } },
        ],
      },
    });
  });

  it('dead-letters into an encrypted queue that refuses plain HTTP and keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('deploys the all-jobs state machine, which may start pagewalk executions and watch only those', () => {
    const pagewalk = logicalId(stack, stack.stateMachine.stateMachine);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: pagewalk } },
          {
            Action: ['states:DescribeExecution', 'states:StopExecution'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([':execution:', { 'Fn::GetAtt': [pagewalk, 'Name'] }, ':*'])],
            },
          },
        ]),
      },
    });
  });

  it('lets the all-jobs sync start only itself again, to continue as a new execution', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: allJobs } }],
      },
      Roles: [{ Ref: logicalId(stack, stack.allJobs?.stateMachine.role as never) }],
    });
  });

  it('lets only the list-jobs function call glue:ListJobs, and nothing call GetJobs or GetJobRun', () => {
    const listJobsRole = logicalId(stack, stack.allJobs?.functions.listJobs.role as never);
    const glueActions = allActions(template).filter((a) => a.startsWith('glue:'));
    expect(glueActions.sort()).toEqual(['glue:GetJobRuns', 'glue:ListJobs']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: listJobsRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'glue:ListJobs', Effect: 'Allow', Resource: '*' }]),
      },
    });
  });
});

describe('with a customer managed key', () => {
  it('encrypts the all-jobs state machine with it, as the pagewalk one, under a name of at most 80 characters', () => {
    const { stack, template } = synth({ allJobs: true, customerManagedKey: true });

    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Pagewalk-AllJobs',
      EncryptionConfiguration: {
        Type: 'CUSTOMER_MANAGED_KMS_KEY',
        KmsKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.encryptionKey as never), 'Arn'] },
      },
    });
  });
});

describe('the sync alarms', () => {
  it('fire on a failed all-jobs sync and on a scheduled start left in the dead-letter queue, notifying the alarm topic', () => {
    const { stack, template } = synth({ syncSchedule: 'rate(1 day)', alarmEmail: 'ops@example.com' });
    const topic = logicalId(stack, stack.monitoring.alarmTopic as never);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Dimensions: [
        { Name: 'StateMachineArn', Value: { Ref: logicalId(stack, stack.allJobs?.stateMachine as never) } },
      ],
      Threshold: 1,
      AlarmActions: [{ Ref: topic }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(stack, stack.schedules?.deadLetterQueue as never), 'QueueName'] },
        },
      ],
      AlarmActions: [{ Ref: topic }],
    });
  });
});

describe('with glueJobNames', () => {
  it('lists exactly those jobs without calling Glue: no glue:ListJobs at all', () => {
    const { stack, template } = synth({ allJobs: true, glueJobNames: ['nightly-etl', 'hourly-compaction'] });

    expect(allActions(template)).not.toContain('glue:ListJobs');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GLUE_JOB_NAMES: 'nightly-etl,hourly-compaction' }) },
    });
    expect(stack.allJobs).toBeDefined();
  });
});

describe('the schedules prop', () => {
  it('starts a single-job sync on the pagewalk state machine, with its own window', () => {
    const { stack, template } = synth({ schedules: [{ ...NIGHTLY, flexibleWindowMinutes: 60 }] });

    expect(stack.allJobs).toBeUndefined();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Pagewalk-nightly-etl',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 },
      Target: Match.objectLike({
        Arn: { Ref: logicalId(stack, stack.stateMachine.stateMachine) },
        Input: JSON.stringify({ ...NIGHTLY.input, options: { ifBusy: 'skip', sync: 'incremental' } }),
      }),
    });
  });

  it.each([
    [
      { schedules: [{ ...NIGHTLY, name: 'has space' }] },
      'schedules[].name must be 1 to 64 of A-Z a-z 0-9 - _ .',
    ],
    [{ schedules: [NIGHTLY, NIGHTLY] }, 'the name nightly-etl is used twice'],
    [{ schedules: [{ ...NIGHTLY, schedule: 'every day' }] }, 'schedules[nightly-etl].schedule must be rate('],
    [
      { schedules: [{ ...NIGHTLY, flexibleWindowMinutes: 0 }] },
      'schedules[nightly-etl].flexibleWindowMinutes',
    ],
    [
      { schedules: [{ ...NIGHTLY, input: { source: 'glue.getJobRuns', params: {} } }] },
      'schedules[nightly-etl].input: params.JobName must be a Glue job name',
    ],
    [
      { syncSchedule: 'rate(1 day)', allJobs: false },
      'schedules[sync-all-jobs] starts an all-jobs sync, but allJobs is false',
    ],
    [
      {
        schedules: [
          { ...NIGHTLY, input: { source: 'glue.allJobs', params: {}, options: { maxConcurrency: 99 } } },
        ],
      },
      'options.maxConcurrency must be an integer from 1 to 40',
    ],
  ] as [PagewalkStackProps, string][])(
    'refuses %j, naming the field and what is allowed',
    (props, message) => {
      expect(() => synth(props)).toThrow(message);
    },
  );
});
