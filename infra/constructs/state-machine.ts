import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { Aws, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  CustomerManagedEncryptionConfiguration,
  DefinitionBody,
  LogLevel,
  type LogOptions,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { assertIsError } from '../../functions/lib/errors';
import { partitionAware } from '../definition-file';
import { acknowledge } from '../nag';
import { fromRepoRoot, REPO_ROOT } from '../paths';
import { requireOneOf } from '../validate';

/** Step Functions log levels: ALL logs every history event, OFF nothing. */
export const STATE_MACHINE_LOG_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;
export type StateMachineLogLevel = (typeof STATE_MACHINE_LOG_LEVELS)[number];

/** The functions the ASL calls, keyed by the placeholder that stands for each ARN. */
export interface PagewalkFunctions {
  readonly StartRunFunctionArn: IFunction;
  readonly FetchPageFunctionArn: IFunction;
  readonly FinishRunFunctionArn: IFunction;
}

export interface PagewalkStateMachineProps {
  /** The handlers the definition's Task states invoke. */
  readonly functions: PagewalkFunctions;
  /**
   * The ASL file. Every `${Placeholder}` in it must be one of the `functions` keys.
   * @default statemachine/pagewalk.asl.json
   */
  readonly definitionPath?: string;
  /**
   * Send X-Ray traces of each execution.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Which execution events go to CloudWatch Logs. The execution history keeps every event
   * for 90 days regardless; ALL costs one log event per history event (about 7 per page).
   * @default 'ERROR'
   */
  readonly logLevel?: StateMachineLogLevel;
  /**
   * Log the input and output of each state. They hold the run's params and the source's
   * continuation tokens, so they stay out of the logs unless asked for.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * How long the execution logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * A customer managed key to encrypt the log group with; its policy must let CloudWatch Logs use it.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: IKey;
  /**
   * A customer managed key for the definition and the execution history (inputs, outputs,
   * params, cursors and tokens). The state machine's role may use it only with this state
   * machine's encryption context; the key policy lets CloudWatch Logs' delivery read it.
   * @default - Step Functions' AWS owned key
   */
  readonly encryptionKey?: IKey;
}

/**
 * Placeholders this construct fills in besides the function ARNs: the partition, so service
 * integration ARNs (`arn:${Partition}:states:::states:startExecution`, which `partitionAware`
 * makes of the file's `arn:aws:states:::`) hold in aws-cn and aws-us-gov too.
 */
const CONTEXT_PLACEHOLDERS = { Partition: Aws.PARTITION } as const;
/** Task resources that need no grant beyond the function invokes (the ARN is in Parameters). */
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
/** Fire-and-forget start of another execution: the "continue as new execution" state. */
const START_EXECUTION = /^arn:[^:]+:states:::states:startExecution$/;
const PLACEHOLDER = /\$\{([^}]*)\}/g;
const ONLY_PLACEHOLDER = /^\$\{([^}]+)\}$/;

/**
 * The Standard workflow that loops the page-fetch Lambda. The ASL file is the single
 * source of truth (the local runtime runs the same file); this construct inlines it with
 * `definitionSubstitutions` for the function ARNs and grants exactly what its Task
 * states call.
 */
export class PagewalkStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  /** Where executions log; undefined when the log level is OFF. */
  readonly logGroup?: LogGroup;

  constructor(scope: Construct, id: string, props: PagewalkStateMachineProps) {
    super(scope, id);
    const definitionPath = props.definitionPath ?? fromRepoRoot('statemachine', 'pagewalk.asl.json');
    const definition = partitionAware(readFileSync(definitionPath, 'utf8'));
    const inRepo = relative(REPO_ROOT, definitionPath);
    const displayPath = inRepo.startsWith('..') || isAbsolute(inRepo) ? definitionPath : inRepo;
    const usage = inspectDefinition(definition, displayPath, props.functions);
    const logLevel = requireOneOf(
      'stateMachineLogLevel',
      props.logLevel ?? 'ERROR',
      STATE_MACHINE_LOG_LEVELS,
    );
    const tracing = props.tracing ?? false;

    let logs: LogOptions | undefined;
    if (logLevel !== 'OFF') {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' account-wide resource policy from
      // growing with every state machine that logs. The suffix (from the stack's id) makes the
      // name unique per stack instance, so a retained log group never blocks a redeployment.
      const stackIdSuffix = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
      this.logGroup = new LogGroup(this, 'Logs', {
        logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${id}-${stackIdSuffix}`,
        retention: props.logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
        encryptionKey: props.logEncryptionKey,
      });
      logs = {
        destination: this.logGroup,
        level: LogLevel[logLevel],
        includeExecutionData: props.includeExecutionData ?? false,
      };
    }

    const functions = Object.entries(props.functions) as [keyof PagewalkFunctions, IFunction][];
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      // Inlined rather than DefinitionBody.fromFile (an S3 asset), so `cdk diff` shows
      // changes to the loop and the template can be checked without a deployment.
      definitionBody: DefinitionBody.fromString(definition),
      // Named, so its ARN is known without a reference to itself: the role's key grant names
      // the ARN in its encryption context (CDK would put an empty name there otherwise).
      // Step Functions allows 80 characters; stack names may have 128.
      stateMachineName: `${Stack.of(this).stackName.slice(0, 79 - id.length)}-${id}`,
      definitionSubstitutions: {
        ...CONTEXT_PLACEHOLDERS,
        ...Object.fromEntries(functions.map(([name, fn]) => [name, fn.functionArn])),
      },
      logs,
      tracingEnabled: tracing,
      encryptionConfiguration: props.encryptionKey
        ? new CustomerManagedEncryptionConfiguration(props.encryptionKey)
        : undefined,
    });

    // A definition loaded from a file is opaque to CDK, which therefore infers no grants.
    // The Task states invoke the unqualified ARNs, so the grant names exactly those (no `:*`
    // for versions and aliases, which grantInvoke would add).
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: functions.map(([, fn]) => fn.functionArn),
      }),
    );

    if (usage.startsExecutions) {
      // A separate policy: the role's default policy cannot name the state machine's own
      // ARN, because the state machine already depends on that policy.
      new Policy(this, 'ContinueAsNewExecution', {
        roles: [this.stateMachine.role],
        statements: [
          new PolicyStatement({
            actions: ['states:StartExecution'],
            resources: [this.stateMachine.stateMachineArn],
          }),
        ],
      });
    }

    const wildcardReasons = [
      logs &&
        'logging: the CloudWatch Logs delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) ' +
          'that Step Functions needs to log to a log group support no resource-level permissions',
      tracing &&
        'tracing: xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules and ' +
          'xray:GetSamplingTargets support no resource-level permissions',
    ].filter(Boolean);
    if (wildcardReasons.length > 0) {
      acknowledge(
        this.stateMachine.role,
        'AwsSolutions-IAM5[Resource::*]',
        `Resource "*" only for actions that cannot be scoped (Service Authorization Reference): ${wildcardReasons.join('; ')}.`,
      );
    }
    if (logLevel !== 'ALL') {
      acknowledge(
        this.stateMachine,
        'AwsSolutions-SF1',
        `Logs ${logLevel} events (stateMachineLogLevel): the execution history already records every ` +
          'event for 90 days, and ALL would add about 7 log events per page to the bill. Set ' +
          'stateMachineLogLevel=ALL to log everything.',
      );
    }
    if (!tracing) {
      acknowledge(
        this.stateMachine,
        'AwsSolutions-SF2',
        'X-Ray tracing is off by default (the execution history shows each state and its timing); ' +
          'deploy with tracing=true to trace executions and the functions.',
      );
    }
  }
}

interface DefinitionUsage {
  /** Whether a Task state starts an execution (of this state machine, to continue as new). */
  readonly startsExecutions: boolean;
}

/**
 * Checks at synth what CloudFormation or the first execution would otherwise reject:
 * the file is JSON, every placeholder is substituted, every function is used, every
 * Task resource is one this construct grants, and no Task times out before its function.
 */
function inspectDefinition(
  definition: string,
  displayPath: string,
  functions: PagewalkFunctions,
): DefinitionUsage {
  let asl: unknown;
  try {
    asl = JSON.parse(definition);
  } catch (error) {
    assertIsError(error);
    throw new Error(`${displayPath} is not valid JSON: ${error.message}`, { cause: error });
  }

  const known = Object.keys(functions);
  const substituted = [...known, ...Object.keys(CONTEXT_PLACEHOLDERS)];
  const used = new Set([...definition.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
  const unknown = [...used].filter((name) => !substituted.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `${displayPath} uses placeholders with no substitution: ${unknown.map((n) => `\${${n}}`).join(', ')}; ` +
        `known: ${substituted.map((n) => `\${${n}}`).join(', ')}`,
    );
  }
  const qualified = [...definition.matchAll(/\$\{([^}]+)\}:/g)].find((match) =>
    known.includes(match[1] ?? ''),
  );
  if (qualified) {
    throw new Error(
      `${displayPath} invokes a qualified function ARN (${qualified[0]}...); the state machine may ` +
        'invoke only the unqualified ARNs of its functions',
    );
  }
  const unused = known.filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(`${displayPath} never uses ${unused.map((n) => `\${${n}}`).join(', ')}`);
  }

  let startsExecutions = false;
  for (const [name, task] of taskStates(asl)) {
    const resource = typeof task.Resource === 'string' ? task.Resource : '';
    // Checked as deployed: `${Partition}` stands for aws, aws-cn, aws-us-gov.
    const deployed = resource.replace(/\$\{Partition\}/g, Aws.PARTITION);
    if (START_EXECUTION.test(deployed)) {
      startsExecutions = true;
    } else if (!LAMBDA_INVOKE.test(deployed) && !ONLY_PLACEHOLDER.test(resource)) {
      throw new Error(
        `${displayPath} has a Task resource this stack grants no permission for: ${resource}; ` +
          `supported: a \${...FunctionArn} placeholder, arn:\${Partition}:states:::lambda:invoke, ` +
          `arn:\${Partition}:states:::states:startExecution`,
      );
    }
    checkTaskOutlivesFunction(name, task, displayPath, functions);
  }
  return { startsExecutions };
}

/**
 * A Task that times out before its Lambda does retries (or fails) while the first
 * invocation is still running: two invocations of one page at once. Refuse that.
 */
function checkTaskOutlivesFunction(
  name: string,
  task: Record<string, unknown>,
  displayPath: string,
  functions: PagewalkFunctions,
): void {
  const parameters = (task.Parameters ?? {}) as Record<string, unknown>;
  const target = [task.Resource, parameters.FunctionName]
    .map((value) => (typeof value === 'string' ? ONLY_PLACEHOLDER.exec(value)?.[1] : undefined))
    .find((placeholder) => placeholder !== undefined);
  const fn = target === undefined ? undefined : functions[target as keyof PagewalkFunctions];
  const functionSeconds = fn instanceof LambdaFunction ? fn.timeout?.toSeconds() : undefined;
  if (typeof task.TimeoutSeconds !== 'number' || functionSeconds === undefined) return;
  if (task.TimeoutSeconds <= functionSeconds) {
    throw new Error(
      `Task "${name}" in ${displayPath} times out after ${task.TimeoutSeconds} s, no later than its ` +
        `function's ${functionSeconds} s timeout: it would start a second invocation while the first ` +
        'still runs. Lower the function timeout or raise the Task TimeoutSeconds above it.',
    );
  }
}

/** Every Task state with its name, nested Parallel branches and Map processors included. */
function* taskStates(node: unknown): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const child of node) yield* taskStates(child);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const states = record.States;
    if (states !== null && typeof states === 'object' && !Array.isArray(states)) {
      for (const [name, state] of Object.entries(states as Record<string, unknown>)) {
        const fields = (state ?? {}) as Record<string, unknown>;
        if (fields.Type === 'Task') yield [name, fields];
      }
    }
    for (const child of Object.values(record)) yield* taskStates(child);
  }
}
