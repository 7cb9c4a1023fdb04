import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { fromRepoRoot, REPO_ROOT } from '../paths';

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
  readonly tracingEnabled?: boolean;
}

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
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PagewalkStateMachineProps) {
    super(scope, id);
    const definitionPath = props.definitionPath ?? fromRepoRoot('statemachine', 'pagewalk.asl.json');
    const definition = readFileSync(definitionPath, 'utf8');
    const inRepo = relative(REPO_ROOT, definitionPath);
    const displayPath = inRepo.startsWith('..') || isAbsolute(inRepo) ? definitionPath : inRepo;
    const usage = inspectDefinition(definition, displayPath, props.functions);

    // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' account-wide resource policy from
    // growing with every state machine that logs.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${id}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const functions = Object.entries(props.functions) as [keyof PagewalkFunctions, IFunction][];
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      // Inlined rather than DefinitionBody.fromFile (an S3 asset), so `cdk diff` shows
      // changes to the loop and the template can be checked without a deployment.
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(functions.map(([name, fn]) => [name, fn.functionArn])),
      // Execution data holds the run's params and the source's continuation tokens: keep it out of the logs.
      logs: { destination: this.logGroup, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: props.tracingEnabled ?? false,
    });

    // A definition loaded from a file is opaque to CDK, which therefore infers no grants.
    for (const [, fn] of functions) fn.grantInvoke(this.stateMachine);

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
    throw new Error(`${displayPath} is not valid JSON: ${(error as Error).message}`);
  }

  const known = Object.keys(functions);
  const used = new Set([...definition.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
  const unknown = [...used].filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `${displayPath} uses placeholders with no substitution: ${unknown.map((n) => `\${${n}}`).join(', ')}; ` +
        `known: ${known.map((n) => `\${${n}}`).join(', ')}`,
    );
  }
  const unused = known.filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(`${displayPath} never uses ${unused.map((n) => `\${${n}}`).join(', ')}`);
  }

  let startsExecutions = false;
  for (const [name, task] of taskStates(asl)) {
    const resource = typeof task.Resource === 'string' ? task.Resource : '';
    if (START_EXECUTION.test(resource)) {
      startsExecutions = true;
    } else if (!LAMBDA_INVOKE.test(resource) && !ONLY_PLACEHOLDER.test(resource)) {
      throw new Error(
        `${displayPath} has a Task resource this stack grants no permission for: ${resource}; ` +
          `supported: a \${...FunctionArn} placeholder, arn:aws:states:::lambda:invoke, ` +
          'arn:aws:states:::states:startExecution',
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
