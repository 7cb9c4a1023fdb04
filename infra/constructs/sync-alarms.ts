import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface SyncAlarmsProps {
  /** The all-jobs sync state machine, when deployed. */
  readonly allJobs?: IStateMachine;
  /** The sync schedules' dead-letter queue, when there are schedules. */
  readonly scheduleDeadLetters?: IQueue;
  /**
   * Where the alarms notify (the stack's alarm topic).
   * @default - no notifications
   */
  readonly alarmTopic?: ITopic;
}

const PERIOD = Duration.minutes(5);

/**
 * The alarms of the sync: an all-jobs sync that failed (listing the jobs failed, or every job
 * did; a single failed job already fires the pagewalk ExecutionsFailed alarm), and a scheduled
 * start that Scheduler gave up on.
 */
export class SyncAlarms extends Construct {
  readonly allJobsFailed?: Alarm;
  readonly scheduleDeadLetters?: Alarm;

  constructor(scope: Construct, id: string, props: SyncAlarmsProps) {
    super(scope, id);
    const alarm = (name: string, description: string, metric: Alarm['metric']) =>
      new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    if (props.allJobs) {
      this.allJobsFailed = alarm(
        'AllJobsFailed',
        'An all-jobs sync failed (ExecutionsFailed >= 1 in 5 minutes): listing the jobs failed, or every ' +
          "job's run did. Its sync record (sync-run#<runId>) names each job and its error.",
        props.allJobs.metricFailed({ period: PERIOD, statistic: Stats.SUM }),
      );
    }
    if (props.scheduleDeadLetters) {
      this.scheduleDeadLetters = alarm(
        'ScheduleDeadLetters',
        'EventBridge Scheduler could not start a scheduled sync after its retries (a message waits in the ' +
          "schedules' dead-letter queue, naming the schedule and the error). Read it, then delete it.",
        props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
      );
    }
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const a of [this.allJobsFailed, this.scheduleDeadLetters]) {
        a?.addAlarmAction(action);
        a?.addOkAction(action);
      }
    }
  }
}
