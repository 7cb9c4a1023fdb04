import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS } from '../../functions/lib/timeouts';
import { acknowledge, iam5ResourceFinding } from '../nag';
import { deadLetterQueue } from './dead-letter-queue';
import { type FunctionSettings, pagewalkFunction, useTable } from './page-functions';

/** The endings an execution cannot record itself; SUCCEEDED always recorded its own (or handed over). */
export const RECONCILED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** How often EventBridge retries delivering one event to the reconcile function, and for how long. */
export const RECONCILE_DELIVERY = { retryAttempts: 10, maxEventAge: Duration.hours(24) } as const;

export interface ReconcileProps extends FunctionSettings {
  /** The state machine whose executions are reconciled (and only it). */
  readonly stateMachine: IStateMachine & { readonly stateMachineName: string };
  /** The start-run function, which may describe this state machine's executions to take over from ended ones. */
  readonly startRun: IFunction;
  /** The table of run records and leases. */
  readonly table: ITable;
}

/**
 * Records the endings an execution cannot write itself. Step Functions emits "Step Functions
 * Execution Status Change" to EventBridge for every ending (at least once, possibly late); a
 * rule on ABORTED, TIMED_OUT and FAILED of this state machine (and of those `cover` adds)
 * invokes `functions/reconcile.ts`, which marks the run or sync record stopped, timedOut or
 * failed and releases the lease, only while that execution still owns them. Events EventBridge cannot deliver, and
 * invocations that fail after Lambda's own retries, land in an encrypted SQS dead-letter queue.
 * The backstop, start-run's takeover of a lease whose holder ended, gets its one permission here.
 */
export class Reconcile extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReconcileProps) {
    super(scope, id);
    allowTakeover(this, 'StartRunDescribeExecution', props.startRun, props.stateMachine, 'start-run');
    this.function = pagewalkFunction(this, 'Reconcile', props, {
      entry: 'functions/reconcile.ts',
      description:
        'pagewalk: records on the run how an execution ended when it could not (stopped, timed out, failed)',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.ReconcileFunctionArn),
    });
    // Read the record, mark the ending, release the lease: nothing else.
    useTable(this.function, props.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', 'the reconcile rule target and function');
    this.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
    });

    this.rule = new Rule(this, 'ExecutionEnded', {
      description: 'pagewalk: an execution was stopped, timed out or failed; record it on its run',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...RECONCILED_STATUSES],
          stateMachineArn: [props.stateMachine.stateMachineArn],
        },
      },
      targets: [
        new LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: RECONCILE_DELIVERY.retryAttempts,
          maxEventAge: RECONCILE_DELIVERY.maxEventAge,
        }),
      ],
    });
  }

  /**
   * Reconciles another state machine's executions too (the all-jobs sync, whose endings the
   * function records on the sync record): the rule matches its ARN as well.
   */
  cover(stateMachine: IStateMachine): void {
    this.rule.addEventPattern({ detail: { stateMachineArn: [stateMachine.stateMachineArn] } });
  }
}

/**
 * Lets a state machine's first function (start-run, start-sync) ask Step Functions whether the
 * execution holding a lease still runs (`states:DescribeExecution`), on that state machine's
 * executions only. A separate policy: the function's default policy cannot name the state
 * machine, which depends on the function.
 */
export function allowTakeover(
  scope: Construct,
  id: string,
  startFunction: IFunction,
  stateMachine: IStateMachine & { readonly stateMachineName: string },
  who: string,
): Policy {
  const executions = Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const role = startFunction.role;
  if (!role) throw new Error(`${who} has no role to grant states:DescribeExecution to`);
  const policy = new Policy(scope, id, {
    roles: [role],
    statements: [new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] })],
  });
  acknowledge(
    policy,
    iam5ResourceFinding(policy, executions),
    `${who} takes over a collection from an execution that is no longer running: it may describe any execution of its state machine (their names are the run ids, unknown at deploy) and no other state machine's.`,
  );
  return policy;
}
