import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { logicalId, newApp, synth } from './support';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

function alarms(template: ReturnType<typeof synth>['template']) {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
}

describe('the alarms', () => {
  it('fire on any failed execution in 5 minutes', () => {
    const { stack, template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [
        { Name: 'StateMachineArn', Value: { Ref: logicalId(stack, stack.stateMachine.stateMachine) } },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire on any throttled execution in 5 minutes', () => {
    synth().template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionThrottled',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('fire when the three functions together keep reporting errors for 15 minutes', () => {
    const { stack, template } = synth();
    const lambdaErrors = alarms(template).find((alarm) => alarm.Metrics !== undefined);
    expect(lambdaErrors).toMatchObject({
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const expression = lambdaErrors?.Metrics.find((m: { Expression?: string }) => m.Expression);
    expect(expression.Expression).toBe('FILL(startRun, 0) + FILL(fetchPage, 0) + FILL(finishRun, 0)');
    const inputs = lambdaErrors?.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat);
    expect(
      inputs.map(
        (m: { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: unknown[] } } }) => [
          m.Id,
          m.MetricStat.Metric.MetricName,
          m.MetricStat.Metric.Dimensions,
        ],
      ),
    ).toEqual(
      (['startRun', 'fetchPage', 'finishRun'] as const).map((name) => [
        name,
        'Errors',
        [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions[name]) } }],
      ]),
    );
  });

  it('take the Lambda error threshold they are given, within 1 to 10000', () => {
    const lambdaErrors = alarms(synth({ lambdaErrorThreshold: 20 }).template).find((a) => a.Metrics);
    expect(lambdaErrors?.Threshold).toBe(20);
    expect(() => synth({ lambdaErrorThreshold: 0 })).toThrow(
      'lambdaErrorThreshold must be a whole number from 1 to 10000 errors per 5 minutes; got 0',
    );
  });

  it('fire while the reconcile dead-letter queue holds an ending nobody recorded', () => {
    const { stack, template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(stack, stack.reconcile.deadLetterQueue), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('notify nobody unless asked', () => {
    const { template } = synth();
    expect(alarms(template)).toHaveLength(4);
    for (const alarm of alarms(template)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('alarm notifications by e-mail', () => {
  it('go to a KMS-encrypted, TLS-only topic with an e-mail subscription', () => {
    const { stack, template } = synth({ alarmEmail: 'ops@example.com' });
    const topicId = logicalId(stack, stack.monitoring.alarmTopic as Topic);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    for (const alarm of alarms(template)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('use a rotating topic key that CloudWatch may use, and that leaves with the stack', () => {
    const { template } = synth({ alarmEmail: 'ops@example.com' });
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            }),
          ]),
        },
      }),
    });
  });

  it('reject an address without an @', () => {
    expect(() => synth({ alarmEmail: 'ops.example.com' })).toThrow(
      'alarmEmail must be an e-mail address; got "ops.example.com"',
    );
  });
});

describe('alarm notifications to an existing topic', () => {
  it('go to the topic given, as a construct or by ARN, and create none', () => {
    const alarmTopic = Topic.fromTopicArn(new Stack(newApp(), 'Topics'), 'Ops', TOPIC_ARN);
    for (const props of [{ alarmTopic }, { alarmTopicArn: TOPIC_ARN }]) {
      const { template } = synth(props);
      template.resourceCountIs('AWS::SNS::Topic', 0);
      for (const alarm of alarms(template)) {
        expect(alarm.AlarmActions).toEqual([TOPIC_ARN]);
        expect(alarm.OKActions).toEqual([TOPIC_ARN]);
      }
    }
  });

  it('reject a topic together with an e-mail address, and an ARN that is not a topic', () => {
    expect(() => synth({ alarmTopicArn: TOPIC_ARN, alarmEmail: 'ops@example.com' })).toThrow(
      'Give alarmEmail or alarmTopic, not both; got both',
    );
    expect(() => synth({ alarmTopicArn: 'ops-alarms' })).toThrow(
      'alarmTopicArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>); got "ops-alarms"',
    );
  });
});

describe('the dashboard', () => {
  it('shows executions, fetch-page errors and duration, and pages and items by source', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    // The body is JSON joined around references (Region, ARNs): stand those in with a marker.
    const [, parts]: [string, unknown[]] = dashboard?.Properties.DashboardBody['Fn::Join'] ?? ['', []];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')) as {
      widgets: { properties: { title: string; metrics: unknown[][] } }[];
    };
    const graphs = Object.fromEntries(
      body.widgets.map((w) => [w.properties.title, JSON.stringify(w.properties.metrics)]),
    );
    expect(Object.keys(graphs)).toEqual([
      'Executions',
      'fetch-page: errors and duration',
      'Pagewalk/PagesFetched by source',
      'Pagewalk/ItemsWritten by source',
    ]);
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionThrottled',
    ]) {
      expect(graphs.Executions).toContain(`"${metric}"`);
    }
    expect(graphs['fetch-page: errors and duration']).toContain('"Errors"');
    expect(graphs['fetch-page: errors and duration']).toContain('"Duration"');
    for (const metric of ['PagesFetched', 'ItemsWritten']) {
      expect(JSON.parse(graphs[`Pagewalk/${metric} by source`] as string)[0][0].expression).toBe(
        `SEARCH('{Pagewalk,service,source} MetricName="${metric}"', 'Sum', 300)`,
      );
    }
  });

  it('is left out when not wanted', () => {
    const { template } = synth({ dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(template.findOutputs('DashboardUrl')).toEqual({});
  });
});
