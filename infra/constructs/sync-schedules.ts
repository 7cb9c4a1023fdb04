import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parseStartInput } from '../../functions/lib/run-config';
import { ALL_JOBS_SOURCE, parseAllJobsInput } from '../../functions/lib/sync/all-jobs-config';
import { requireIntegerInRange, requireMatch } from '../validate';
import { deadLetterQueue } from './dead-letter-queue';
import { grantExecutionKey } from './execution-key';

/** One schedule that starts a sync. */
export interface SyncSchedule {
  /** Unique within the stack: 1 to 64 of `A-Z a-z 0-9 - _ .`, together with the stack name and a hyphen. */
  readonly name: string;
  /** An EventBridge Scheduler expression: `rate(1 day)`, `cron(0 3 * * ? *)` or `at(2027-01-01T00:00:00)`. */
  readonly schedule: string;
  /**
   * The execution input: `{"source": "glue.allJobs", ...}` starts the all-jobs sync, anything else
   * the pagewalk state machine. `options.ifBusy` is `skip` unless given, so a sync still running
   * when the next one is due is not doubled.
   */
  readonly input: Readonly<Record<string, unknown>>;
  /**
   * Minutes within which Scheduler may start the execution, spreading load (1 to 1440).
   * @default 15
   */
  readonly flexibleWindowMinutes?: number;
}

export interface SyncSchedulesProps {
  readonly schedules: readonly SyncSchedule[];
  readonly pagewalk: IStateMachine;
  /** Needed when a schedule's input is an all-jobs sync. */
  readonly allJobs?: IStateMachine;
  /**
   * The customer managed key the state machines are encrypted with: the role may then use it
   * for StartExecution, in the encryption context of each state machine a schedule starts only.
   * @default - none: the AWS owned key, which needs no grant
   */
  readonly encryptionKey?: IKey;
}

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const EXPRESSION =
  /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$/;
/** Scheduler retries a failed start this often, over at most this long, then dead-letters it. */
const RETRY_ATTEMPTS = 5;
const MAX_EVENT_AGE = Duration.hours(1);

/** The input with `options.ifBusy` defaulted to `skip`, validated as its state machine's Start state will. */
function scheduledInput(schedule: SyncSchedule): Record<string, unknown> {
  const options = (schedule.input.options ?? {}) as Record<string, unknown>;
  const input: Record<string, unknown> = { ...schedule.input, options: { ifBusy: 'skip', ...options } };
  try {
    if (input.source === ALL_JOBS_SOURCE) parseAllJobsInput(input, 'schedule');
    else if (input.source === 'glue.getJobRuns') parseStartInput(input, 'schedule');
    else if (typeof input.source !== 'string') throw new Error('source must name a source');
  } catch (error) {
    throw new Error(`schedules[${schedule.name}].input: ${(error as Error).message}`);
  }
  return input;
}

/**
 * EventBridge Scheduler schedules that start syncs: one role for all of them, allowed only to
 * start the state machines they target, a flexible window, a retry policy, and an encrypted
 * dead-letter queue that keeps starts that still failed for 14 days.
 */
export class SyncSchedules extends Construct {
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly schedules: Schedule[] = [];

  constructor(scope: Construct, id: string, props: SyncSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = new Set<string>();
    for (const schedule of props.schedules) {
      requireMatch('schedules[].name', schedule.name, NAME, '1 to 64 of A-Z a-z 0-9 - _ .');
      if (names.has(schedule.name)) throw new Error(`schedules: the name ${schedule.name} is used twice`);
      names.add(schedule.name);
      requireMatch(
        `schedules[${schedule.name}].schedule`,
        schedule.schedule,
        EXPRESSION,
        'rate(<n> minutes|hours|days), cron(...) or at(yyyy-mm-ddThh:mm:ss)',
      );
      requireIntegerInRange(
        `schedules[${schedule.name}].flexibleWindowMinutes`,
        schedule.flexibleWindowMinutes ?? 15,
        1,
        1440,
        'minutes',
      );
      if (schedule.input.source === ALL_JOBS_SOURCE && !props.allJobs) {
        throw new Error(`schedules[${schedule.name}] starts an all-jobs sync, but allJobs is false`);
      }
    }

    this.role = new Role(this, 'Role', {
      description: 'EventBridge Scheduler starts pagewalk syncs with this role',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: 'default/*',
            }),
          },
        },
      }),
    });
    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetters',
      'the sync schedules (Scheduler DeadLetterConfig)',
    );

    const started = new Set<IStateMachine>();
    for (const schedule of props.schedules) {
      const machine = (
        schedule.input.source === ALL_JOBS_SOURCE ? props.allJobs : props.pagewalk
      ) as IStateMachine;
      if (!started.has(machine))
        grantExecutionKey(this.role, props.encryptionKey, machine, ['StartExecution']);
      started.add(machine);
      const scheduleName = `${stack.stackName}-${schedule.name}`;
      if (!Token.isUnresolved(scheduleName) && scheduleName.length > 64) {
        throw new Error(
          `schedules[${schedule.name}]: ${scheduleName} is longer than Scheduler's 64 characters`,
        );
      }
      this.schedules.push(
        new Schedule(this, schedule.name, {
          scheduleName,
          description: `pagewalk: ${schedule.input.source} on ${schedule.schedule}`,
          schedule: ScheduleExpression.expression(schedule.schedule),
          timeWindow: TimeWindow.flexible(Duration.minutes(schedule.flexibleWindowMinutes ?? 15)),
          target: new StepFunctionsStartExecution(machine, {
            input: ScheduleTargetInput.fromObject(scheduledInput(schedule)),
            role: this.role,
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: RETRY_ATTEMPTS,
            maxEventAge: MAX_EVENT_AGE,
          }),
        }),
      );
    }
  }
}
