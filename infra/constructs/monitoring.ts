import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SOURCE_DIMENSION } from '../../functions/lib/observability';
import { requireIntegerInRange, requireMatch } from '../validate';

/** Deliberately loose: SNS confirms the address by e-mail; this only catches typos like a missing `@`. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  readonly stateMachine: IStateMachine;
  /** The three handlers, by name, in the order the state machine calls them. */
  readonly functions: Readonly<Record<'startRun' | 'fetchPage' | 'finishRun', IFunction>>;
  /**
   * Send alarm notifications to this address: creates a KMS-encrypted SNS topic with an e-mail
   * subscription (confirm it from the e-mail SNS sends).
   * @default - no notifications, unless `alarmTopic` is given
   */
  readonly alarmEmail?: string;
  /**
   * Send alarm notifications to this existing topic (its owner sees to encryption and access).
   * @default - no notifications, unless `alarmEmail` is given
   */
  readonly alarmTopic?: ITopic;
  /**
   * Lambda errors of the three functions together, per 5 minutes, that count as a bad period
   * (1 to 10000). The alarm fires after 3 bad periods in a row: throttling and transient errors
   * are thrown on purpose for the state machine to retry, so one error is no emergency.
   * @default 5
   */
  readonly lambdaErrorThreshold?: number;
  /**
   * Create the CloudWatch dashboard (the first 3 dashboards of an account are free, then $3/month each).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * The reconcile dead-letter queue: an alarm fires while it holds an ending nobody recorded.
   * @default - no such alarm
   */
  readonly deadLetterQueue?: IQueue;
}

/**
 * Alarms on failed and throttled executions and on Lambda errors, optionally notifying an SNS
 * topic, and a dashboard of executions, fetch-page health and the custom page metrics.
 */
export class Monitoring extends Construct {
  readonly executionsFailed: Alarm;
  readonly executionsThrottled: Alarm;
  readonly lambdaErrors: Alarm;
  /** Set with `deadLetterQueue`. */
  readonly deadLetters?: Alarm;
  /** Where the alarms notify; undefined when neither alarmEmail nor alarmTopic is given. */
  readonly alarmTopic?: ITopic;
  readonly dashboard?: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stateMachine, functions } = props;
    if (props.alarmEmail !== undefined && props.alarmTopic !== undefined) {
      throw new Error('Give alarmEmail or alarmTopic, not both; got both');
    }
    const lambdaErrorThreshold = requireIntegerInRange(
      'lambdaErrorThreshold',
      props.lambdaErrorThreshold ?? 5,
      1,
      10000,
      'errors per 5 minutes',
    );

    this.executionsFailed = new Alarm(this, 'ExecutionsFailed', {
      alarmDescription:
        'A pagewalk run failed (ExecutionsFailed >= 1 in 5 minutes). Its run record keeps the last good ' +
        'checkpoint and lastError; the execution history shows the failing state.',
      metric: stateMachine.metricFailed({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.executionsThrottled = new Alarm(this, 'ExecutionsThrottled', {
      alarmDescription:
        'Step Functions throttled pagewalk executions (ExecutionThrottled >= 1 in 5 minutes): too many ' +
        'state transitions at once; runs slow down until the quota allows.',
      metric: stateMachine.metricThrottled({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const errors = Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [
        name,
        fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      ]),
    );
    this.lambdaErrors = new Alarm(this, 'LambdaErrors', {
      alarmDescription:
        `The pagewalk functions reported ${lambdaErrorThreshold} or more errors in each of 3 consecutive ` +
        '5-minute periods: a source that keeps throttling or failing, or a broken deployment.',
      metric: new MathExpression({
        // FILL: a function that did not run has no datapoints, which would blank the sum.
        expression: Object.keys(errors)
          .map((name) => `FILL(${name}, 0)`)
          .join(' + '),
        usingMetrics: errors,
        label: 'Lambda errors (start-run + fetch-page + finish-run)',
        period: PERIOD,
      }),
      threshold: lambdaErrorThreshold,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    if (props.deadLetterQueue) {
      this.deadLetters = new Alarm(this, 'ReconcileDeadLetters', {
        alarmDescription:
          'An execution ending could not be recorded on its run (a message waits in the reconcile ' +
          'dead-letter queue). The next start or resume of that run takes over anyway; read the ' +
          'message to see which execution, then delete it.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.alarmEmail !== undefined) {
      const email = requireMatch('alarmEmail', props.alarmEmail, EMAIL, 'an e-mail address');
      this.alarmTopic = this.encryptedTopic();
      this.alarmTopic.addSubscription(new EmailSubscription(email));
    } else {
      this.alarmTopic = props.alarmTopic;
    }
    if (this.alarmTopic) {
      const action = new SnsAction(this.alarmTopic);
      const alarms = [this.executionsFailed, this.executionsThrottled, this.lambdaErrors, this.deadLetters];
      for (const alarm of alarms.filter((a): a is Alarm => a !== undefined)) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    if (props.dashboard ?? true) {
      this.dashboard = this.createDashboard(stateMachine, functions.fetchPage);
    }
  }

  /**
   * An SNS topic encrypted with its own customer managed key: CloudWatch alarms cannot publish
   * to a topic under the AWS managed aws/sns key, whose policy cannot let CloudWatch in.
   * The key only protects messages in flight, so it leaves with the stack.
   */
  private encryptedTopic(): Topic {
    const stack = Stack.of(this);
    const key = new Key(this, 'AlarmTopicKey', {
      description: `pagewalk ${stack.stackName}: encrypts the alarm notification topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: `pagewalk alarms (${stack.stackName})`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL replaces the default topic policy, so CloudWatch is allowed back in explicitly,
    // for this account's alarms only (the confused-deputy guard CloudWatch documents).
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    return topic;
  }

  private createDashboard(stateMachine: IStateMachine, fetchPage: IFunction): Dashboard {
    const stack = Stack.of(this);
    /** One line per source: the metrics carry the dimensions service and source. */
    const perSource = (metric: string, label: string): IMetric =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},service,${SOURCE_DIMENSION}} MetricName="${metric}"', 'Sum', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        label,
        period: PERIOD,
      });
    const sum = { period: PERIOD, statistic: Stats.SUM };
    return new Dashboard(this, 'Dashboard', {
      // Dashboards are named per account, so the Region keeps two deployments apart.
      dashboardName: Fn.join('-', [stack.stackName, Aws.REGION]),
      widgets: [
        [
          new GraphWidget({
            title: 'Executions',
            left: [
              stateMachine.metricStarted({ ...sum, label: 'started' }),
              stateMachine.metricSucceeded({ ...sum, label: 'succeeded' }),
              stateMachine.metricFailed({ ...sum, label: 'failed' }),
              stateMachine.metricThrottled({ ...sum, label: 'throttled' }),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'fetch-page: errors and duration',
            left: [fetchPage.metricErrors({ ...sum, label: 'errors' })],
            right: [
              fetchPage.metricDuration({ period: PERIOD, statistic: Stats.p(50), label: 'duration p50' }),
              fetchPage.metricDuration({ period: PERIOD, statistic: Stats.p(99), label: 'duration p99' }),
            ],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: `${METRICS_NAMESPACE}/${METRIC.pagesFetched} by source`,
            left: [perSource(METRIC.pagesFetched, 'pages')],
            width: 12,
          }),
          new GraphWidget({
            title: `${METRICS_NAMESPACE}/${METRIC.itemsWritten} by source`,
            left: [perSource(METRIC.itemsWritten, 'items')],
            width: 12,
          }),
        ],
      ],
    });
  }
}
