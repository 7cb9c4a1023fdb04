import './polyfills';
import { readFileSync } from 'node:fs';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { FUNCTION_TIMEOUT_SECONDS } from '../functions/lib/timeouts';
import {
  START_EXECUTION_RESOURCE,
  START_EXECUTION_SYNC_RESOURCE,
  serviceError,
  startExecutionTask,
  statesOfType,
} from './engine-tasks';
import {
  asLambdaTask,
  type LocalHandler,
  type LocalLambdaContext,
  type Retrier,
  RetryCounter,
  type TaskOverride,
} from './lambda-task';
import { activeLatency, type LatencyModel, SimulatedLatency } from './latency';

export { START_EXECUTION_RESOURCE, START_EXECUTION_SYNC_RESOURCE } from './engine-tasks';

export { asLambdaTask, type LocalHandler, type LocalLambdaContext };

import { NULL_INPUT_MARKER, restoreNullInput } from './null-input';

/** The state machine file the CDK deploys and the local engine runs. */
export const DEFINITION_PATH = new URL('../statemachine/pagewalk.asl.json', import.meta.url);

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_STATE_MACHINE_NAME = 'pagewalk';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${LOCAL_STATE_MACHINE_NAME}`;
/** The role local executions report in `$$.Execution.RoleArn` (and the local API in DescribeStateMachine). */
export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/pagewalk-local`;

/** The ARN of the local execution named `name`, as AWS builds it from the state machine's. */
export function localExecutionArn(name: string, machineName: string = LOCAL_STATE_MACHINE_NAME): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machineName}:${name}`;
}

/** The local ARN of the state machine named `name`. */
export function localStateMachineArn(name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

/** One ASL file the local engine runs as a state machine, and what its placeholders stand for. */
export interface LocalMachineSpec {
  /** The state machine's name: `$$.StateMachine.Name` and part of every ARN. */
  readonly name: string;
  readonly definitionPath: URL;
  /** Placeholders that are not function ARNs, e.g. another state machine's ARN. */
  readonly substitutions?: Readonly<Record<string, string>>;
}

/** The pagewalk loop. */
export const PAGEWALK_MACHINE: LocalMachineSpec = {
  name: LOCAL_STATE_MACHINE_NAME,
  definitionPath: DEFINITION_PATH,
};

/** The all-jobs sync, which starts pagewalk executions as its children. */
export const ALL_JOBS_MACHINE: LocalMachineSpec = {
  name: 'pagewalk-all-jobs',
  definitionPath: new URL('../statemachine/all-jobs.asl.json', import.meta.url),
  substitutions: { PagewalkStateMachineArn: LOCAL_STATE_MACHINE_ARN },
};

/** Placeholder name in the ASL (without `${}`) → the handler that stands behind it. */
export type LocalHandlers = Record<string, LocalHandler>;

/** The local ARN that stands in for a placeholder, e.g. `FetchPageFunctionArn` → `...:function:pagewalk-fetch-page`. */
export function localFunctionArn(placeholder: string): string {
  const base = placeholder
    .replace(/FunctionArn$/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:pagewalk-${base}`;
}

/** The partition local ARNs live in: what CDK substitutes for `${Partition}` in the commercial one. */
export const LOCAL_PARTITION = 'aws';

/** Loads the ASL file and fills in `${Placeholder}` exactly as CDK's definitionSubstitutions does. */
export function loadDefinition(
  placeholders: readonly string[],
  spec: LocalMachineSpec = PAGEWALK_MACHINE,
): StateMachineDefinition {
  const file = spec.definitionPath.pathname.slice(spec.definitionPath.pathname.indexOf('statemachine/'));
  const text = readFileSync(spec.definitionPath, 'utf8').replace(/\$\{(\w+)\}/g, (match, name: string) => {
    if (name === 'Partition') return LOCAL_PARTITION;
    const substitution = spec.substitutions?.[name];
    if (substitution !== undefined) return substitution;
    if (!placeholders.includes(name)) {
      throw new Error(`${file} uses ${match}, which the local runtime does not provide`);
    }
    return localFunctionArn(name);
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/** One entry of the local event log, as the engine reports it. */
export interface LocalEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: {
    readonly name: string;
    readonly type: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly output?: unknown;
  /** The execution input (ExecutionStarted only). */
  readonly input?: unknown;
}

/**
 * One call of a Task state's resource, reported when it starts and when it ends, so a
 * history can show what AWS records per attempt (LambdaFunctionScheduled/Started/Succeeded
 * or Failed, TaskScheduled/... for service integrations): the effective input after
 * Parameters and the raw result before ResultSelector and ResultPath, which the engine's
 * own event log does not carry.
 */
export interface LocalTaskCallEvent {
  readonly type: 'TaskCallStarted' | 'TaskCallSucceeded' | 'TaskCallFailed';
  /** Unique per execution; the started and the ended event of one call share it. */
  readonly callId: number;
  readonly stateName: string;
  /** The Task's Resource after substitution (a Lambda ARN, or e.g. arn:aws:states:::states:startExecution). */
  readonly resource: string;
  readonly timeoutSeconds?: number;
  readonly timestamp: number;
  /** TaskCallStarted: what the resource receives. */
  readonly input?: unknown;
  /** TaskCallSucceeded: what the resource returned. */
  readonly output?: unknown;
  /** TaskCallFailed: the error name and cause, as the Task state sees them. */
  readonly error?: string;
  readonly cause?: string;
}

/** Wraps a Task override so every call is reported through `report`, without changing what it does. */
function reportingTaskCalls(
  stateName: string,
  state: { readonly Resource: string; readonly TimeoutSeconds?: number },
  run: TaskOverride,
  report: (event: LocalTaskCallEvent) => void,
  nextCallId: () => number,
): TaskOverride {
  return (async (input: unknown) => {
    const base = {
      callId: nextCallId(),
      stateName,
      resource: state.Resource,
      timeoutSeconds: state.TimeoutSeconds,
    };
    report({ ...base, type: 'TaskCallStarted', timestamp: Date.now(), input });
    try {
      const output = await run(input);
      report({ ...base, type: 'TaskCallSucceeded', timestamp: Date.now(), output });
      return output;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      report({
        ...base,
        type: 'TaskCallFailed',
        timestamp: Date.now(),
        error: error.name,
        cause: typeof error.cause === 'string' ? error.cause : error.message,
      });
      throw thrown;
    }
  }) as TaskOverride;
}

/** Counts kept while reading the event log (the events themselves are not kept). */
export interface ExecutionStats {
  /** StateEntered events per state name. */
  readonly stateEntries: Record<string, number>;
  /** State transitions, as AWS bills them (every state entered, retries included). */
  readonly transitions: number;
  readonly retries: number;
  /** An estimate of the history events AWS would record for this execution. */
  readonly historyEvents: number;
}

export interface LocalExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: Date;
  readonly stoppedAt: Date;
  readonly stats: ExecutionStats;
}

export interface StartLocalExecutionOptions {
  readonly name: string;
  readonly input: unknown;
  readonly handlers: LocalHandlers;
  /** Milliseconds every retry waits instead of the ASL's backoff; undefined keeps the real backoff. */
  readonly retryDelayMs?: number;
  /** Milliseconds every Wait state waits instead of its own time; undefined keeps the real one. */
  readonly waitDelayMs?: number;
  /** Called for every event, in order, while the execution runs. */
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
  /** Called when a Task state's resource is called and when the call ends (see {@link LocalTaskCallEvent}). */
  readonly onTaskCall?: (event: LocalTaskCallEvent, executionName: string) => void;
  /**
   * Serves `arn:aws:states:::states:startExecution` Tasks by starting a new execution on it;
   * without one such a Task fails, as it would without permission.
   */
  readonly machine?: LocalStateMachine;
  /** The ASL file to run. @default PAGEWALK_MACHINE */
  readonly spec?: LocalMachineSpec;
  /** Other machines whose executions startExecution Tasks may start (by ARN). */
  readonly targets?: readonly LocalStateMachine[];
  /** Simulated AWS latency per transition and per Lambda invocation (see local/latency.ts); none by default. */
  readonly latency?: LatencyModel;
  /**
   * Function timeouts by placeholder, in milliseconds, overriding the deployed ones
   * (`FUNCTION_TIMEOUT_SECONDS`); tests shorten them to produce Sandbox.Timedout quickly.
   */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
}

export interface LocalExecution {
  readonly executionArn: string;
  readonly result: Promise<LocalExecutionResult>;
  abort(): void;
}

/**
 * History events AWS records per state, so long runs can be sized against the 25,000-event
 * limit: a Lambda task records entered, scheduled, started, succeeded/failed and exited.
 */
const EVENTS_PER_TASK_ATTEMPT = 3;

/**
 * aws-local-stepfunctions validates the whole definition with asl-validator each time a
 * StateMachine is built, which costs a few hundred milliseconds; AWS does that once, at
 * deploy. So the file is read, filled in and validated once per set of placeholders, and that
 * machine serves every execution: `run` keeps its state per call.
 */
const loaded = new Map<string, { definition: StateMachineDefinition; machine: StateMachine }>();

function loadedMachine(placeholders: readonly string[], spec: LocalMachineSpec) {
  const key = `${spec.name}:${[...placeholders].sort().join(',')}`;
  let entry = loaded.get(key);
  if (!entry) {
    const definition = loadDefinition(placeholders, spec);
    entry = { definition, machine: new StateMachine(definition, { validationOptions: { checkArn: false } }) };
    loaded.set(key, entry);
  }
  return entry;
}

/** Starts the ASL file on aws-local-stepfunctions with every Task state served by a local handler. */
export function startLocalExecution(options: StartLocalExecutionOptions): LocalExecution {
  const spec = options.spec ?? PAGEWALK_MACHINE;
  const { definition, machine } = loadedMachine(Object.keys(options.handlers), spec);
  // Task states by name, those inside a Map's processor included.
  const states = statesOfType(definition.States, 'Task');
  const targets = [...(options.machine ? [options.machine] : []), ...(options.targets ?? [])];
  const target = (arn: string | undefined) => targets.find((m) => m.arn === arn);
  const waitOverrides: Record<string, number> = {};
  if (options.waitDelayMs !== undefined) {
    for (const name of Object.keys(statesOfType(definition.States, 'Wait'))) {
      waitOverrides[name] = options.waitDelayMs;
    }
  }
  const nullInput = options.input === null;
  const input = nullInput ? NULL_INPUT_MARKER : options.input;
  const placeholderOf = new Map(Object.keys(options.handlers).map((p) => [localFunctionArn(p), p]));
  const latencyModel = activeLatency(options.latency);
  const latency = latencyModel ? new SimulatedLatency(latencyModel) : undefined;
  const retryCounter = new RetryCounter(
    (stateName) => ((states[stateName] as { Retry?: Retrier[] } | undefined)?.Retry ?? []) as Retrier[],
  );

  const taskOverrides: Record<string, (input: unknown) => Promise<never>> = {};
  const retryOverrides: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(states)) {
    if (state.Resource === START_EXECUTION_RESOURCE || state.Resource === START_EXECUTION_SYNC_RESOURCE) {
      taskOverrides[stateName] = startExecutionTask(
        targets.length === 0 ? undefined : target,
        state.Resource === START_EXECUTION_SYNC_RESOURCE,
      ) as (input: unknown) => Promise<never>;
      if (latency) taskOverrides[stateName] = latency.around(taskOverrides[stateName], false);
      if (options.retryDelayMs !== undefined && state.Retry) retryOverrides[stateName] = options.retryDelayMs;
      continue;
    }
    const placeholder = placeholderOf.get(state.Resource);
    const given = placeholder === undefined ? undefined : options.handlers[placeholder];
    // An un-overridden Task would call real AWS Lambda: refuse rather than leave this machine.
    if (!placeholder || !given) {
      throw new Error(`no local handler for Task state "${stateName}" (${state.Resource})`);
    }
    const handler: LocalHandler = nullInput
      ? (event, context) => given(restoreNullInput(event), context)
      : given;
    const deployedSeconds = (FUNCTION_TIMEOUT_SECONDS as Record<string, number>)[placeholder] ?? 60;
    taskOverrides[stateName] = asLambdaTask(handler, {
      functionName: state.Resource.slice(state.Resource.lastIndexOf(':') + 1),
      timeoutMs: options.functionTimeoutsMs?.[placeholder] ?? deployedSeconds * 1000,
    });
    if (latency) taskOverrides[stateName] = latency.around(taskOverrides[stateName], true);
    if (options.retryDelayMs !== undefined && state.Retry) retryOverrides[stateName] = options.retryDelayMs;
  }
  for (const [stateName, run] of Object.entries(taskOverrides)) {
    taskOverrides[stateName] = retryCounter.wrap(stateName, run);
  }
  if (options.onTaskCall) {
    const onTaskCall = options.onTaskCall;
    let calls = 0;
    for (const [stateName, run] of Object.entries(taskOverrides)) {
      const state = states[stateName] as { Resource: string; TimeoutSeconds?: number };
      taskOverrides[stateName] = reportingTaskCalls(
        stateName,
        state,
        run,
        (event) => onTaskCall(nullInput ? restoreNullInput(event) : event, options.name),
        () => ++calls,
      );
    }
  }

  const executionArn = localExecutionArn(options.name, spec.name);
  const startedAt = new Date();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskOverrides as never,
      retryIntervalOverrides: retryOverrides,
      waitTimeOverrides: waitOverrides,
    },
    noThrowOnAbort: true,
    context: {
      Execution: {
        Id: executionArn,
        Name: options.name,
        Input: options.input as never,
        StartTime: startedAt.toISOString(),
        RoleArn: LOCAL_ROLE_ARN,
      },
      StateMachine: { Id: localStateMachineArn(spec.name), Name: spec.name },
      State: retryCounter.contextState,
    },
  });

  const result = (async (): Promise<LocalExecutionResult> => {
    const stateEntries: Record<string, number> = {};
    let transitions = 0;
    let retries = 0;
    let historyEvents = 0;
    let failure: { error?: string; cause?: string } = {};
    let output: unknown;
    let status: LocalExecutionResult['status'] = 'ABORTED';

    // Read the log as it is written: unread events pile up in memory on long runs.
    const reading = (async () => {
      for await (const raw of execution.eventLogs) {
        const event = (nullInput ? restoreNullInput(raw) : raw) as unknown as LocalEvent;
        options.onEvent?.(event, options.name);
        switch (event.type) {
          case 'ExecutionStarted':
            historyEvents += 1;
            break;
          case 'StateEntered': {
            const name = event.state?.name ?? '?';
            stateEntries[name] = (stateEntries[name] ?? 0) + 1;
            transitions += 1;
            latency?.transition();
            historyEvents += 1 + (event.state?.type === 'Task' ? EVENTS_PER_TASK_ATTEMPT : 0);
            break;
          }
          case 'StateRetried':
            retries += 1;
            transitions += 1;
            latency?.transition();
            historyEvents += EVENTS_PER_TASK_ATTEMPT;
            break;
          case 'StateExited':
            historyEvents += 1;
            break;
          case 'ExecutionSucceeded':
            historyEvents += 1;
            status = 'SUCCEEDED';
            output = event.output;
            break;
          case 'ExecutionFailed':
            historyEvents += 1;
            status = 'FAILED';
            failure = {
              error: event.Error,
              cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause),
            };
            break;
          default:
            break;
        }
      }
    })();

    try {
      await execution.result;
    } catch {
      // The failure is read from the ExecutionFailed event, which carries Error and Cause.
    }
    await reading;
    // The states after the last Task (a Fail, the end) still cost their transitions.
    await latency?.chargeTransitions();
    return {
      executionArn,
      name: options.name,
      status,
      output,
      ...failure,
      startedAt,
      stoppedAt: new Date(),
      stats: { stateEntries, transitions, retries, historyEvents },
    };
  })();

  return { executionArn, result, abort: () => execution.abort() };
}

/** An execution the local state machine knows, running or finished. */
export interface TrackedExecution extends LocalExecution {
  readonly name: string;
  readonly input: unknown;
  readonly startDate: Date;
}

export interface LocalStateMachineOptions {
  readonly handlers: LocalHandlers;
  readonly retryDelayMs?: number;
  readonly waitDelayMs?: number;
  /** The ASL file to run. @default PAGEWALK_MACHINE */
  readonly spec?: LocalMachineSpec;
  /** Other machines this one's startExecution Tasks may start, e.g. pagewalk for the all-jobs sync. */
  readonly targets?: readonly LocalStateMachine[];
  readonly latency?: LatencyModel;
  /** See {@link StartLocalExecutionOptions.functionTimeoutsMs}. */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
  readonly onEvent?: (event: LocalEvent, executionName: string) => void;
  readonly onTaskCall?: (event: LocalTaskCallEvent, executionName: string) => void;
}

/**
 * The local stand-in for one deployed state machine: it keeps every execution it started,
 * so a continue-as-new Task starts a real new execution, names are unique as on AWS (the
 * same name and input again returns the running execution; other input is refused), and
 * runners can follow a run from segment to segment.
 */
export class LocalStateMachine {
  private readonly executions = new Map<string, TrackedExecution>();

  constructor(private readonly options: LocalStateMachineOptions) {}

  /** This machine's ARN, as startExecution Tasks name it. */
  get arn(): string {
    return localStateMachineArn((this.options.spec ?? PAGEWALK_MACHINE).name);
  }

  /** Starts an execution, or returns the one already started with this name and the same input. */
  start(name: string, input: unknown): TrackedExecution {
    const existing = this.executions.get(name);
    if (existing) {
      if (JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw serviceError(
        'StepFunctions.ExecutionAlreadyExistsException',
        `Execution Already Exists: '${existing.executionArn}'`,
      );
    }
    const startDate = new Date();
    const execution = startLocalExecution({ ...this.options, name, input, machine: this });
    const tracked: TrackedExecution = { ...execution, name, input, startDate };
    this.executions.set(name, tracked);
    return tracked;
  }

  /** The execution with this name, if this machine started it. */
  get(name: string): TrackedExecution | undefined {
    return this.executions.get(name);
  }

  /** Every execution started so far, oldest first. */
  list(): TrackedExecution[] {
    return [...this.executions.values()];
  }
}

/** The name of the execution an execution's output says it continued as, if any. */
export function continuedAs(result: LocalExecutionResult): string | undefined {
  const arn = (result.output as { continuedAs?: { executionArn?: string } } | undefined)?.continuedAs
    ?.executionArn;
  return arn ? arn.slice(arn.lastIndexOf(':') + 1) : undefined;
}

/** Every segment of a run, in order, and the one that ended it. */
export interface RunChainResult {
  readonly segments: LocalExecutionResult[];
  readonly last: LocalExecutionResult;
}

/**
 * Waits for an execution and for every execution it continued as, until one ends without
 * continuing: what a person watching the console follows by hand.
 */
export async function followRun(
  machine: LocalStateMachine,
  first: TrackedExecution,
  onSegment?: (segment: LocalExecutionResult) => void,
): Promise<RunChainResult> {
  const segments: LocalExecutionResult[] = [];
  let current: TrackedExecution | undefined = first;
  while (current) {
    const result = await current.result;
    segments.push(result);
    onSegment?.(result);
    const next = continuedAs(result);
    current = next ? machine.get(next) : undefined;
    if (next && !current)
      throw new Error(`execution ${result.name} continued as ${next}, which was never started`);
  }
  return { segments, last: segments[segments.length - 1] as LocalExecutionResult };
}

/**
 * The real handlers, imported only when asked for: their SDK clients are created at module
 * scope and read the endpoint variables then, so those must be set first.
 */
export async function loadPagewalkHandlers(): Promise<LocalHandlers> {
  const [startRun, fetchPage, finishRun] = await Promise.all([
    import('../functions/start-run'),
    import('../functions/fetch-page'),
    import('../functions/finish-run'),
  ]);
  return {
    StartRunFunctionArn: startRun.handler,
    FetchPageFunctionArn: fetchPage.handler,
    FinishRunFunctionArn: finishRun.handler,
  };
}
