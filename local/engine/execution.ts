import '../polyfills';
import { FUNCTION_TIMEOUT_SECONDS } from '../../functions/lib/timeouts';
import { NULL_INPUT_MARKER, restoreNullInput } from '../null-input';
import {
  LOCAL_ROLE_ARN,
  type LocalHandlers,
  type LocalMachineSpec,
  loadedMachine,
  localExecutionArn,
  localFunctionArn,
  localStateMachineArn,
  PAGEWALK_MACHINE,
} from './definition';
import {
  asLambdaTask,
  type LocalHandler,
  type Retrier,
  RetryCounter,
  type TaskOverride,
} from './lambda-task';
import { activeLatency, type LatencyModel, SimulatedLatency } from './latency';
import {
  START_EXECUTION_RESOURCE,
  START_EXECUTION_SYNC_RESOURCE,
  startExecutionTask,
  statesOfType,
} from './start-execution-task';
import type {
  ExecutionTarget,
  LocalEvent,
  LocalExecution,
  LocalExecutionResult,
  LocalTaskCallEvent,
} from './types';

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
  readonly machine?: ExecutionTarget;
  /** The ASL file to run. @default PAGEWALK_MACHINE */
  readonly spec?: LocalMachineSpec;
  /** Other machines whose executions startExecution Tasks may start (by ARN). */
  readonly targets?: readonly ExecutionTarget[];
  /** Simulated AWS latency per transition and per Lambda invocation (see local/latency.ts); none by default. */
  readonly latency?: LatencyModel;
  /**
   * Function timeouts by placeholder, in milliseconds, overriding the deployed ones
   * (`FUNCTION_TIMEOUT_SECONDS`); tests shorten them to produce Sandbox.Timedout quickly.
   */
  readonly functionTimeoutsMs?: Readonly<Record<string, number>>;
}

/**
 * History events AWS records per state, so long runs can be sized against the 25,000-event
 * limit: a Lambda task records entered, scheduled, started, succeeded/failed and exited.
 */
const EVENTS_PER_TASK_ATTEMPT = 3;

/**
 * The events a state records besides its entered and exited ones: a Task's attempt (a `.sync`
 * integration also records TaskSubmitted), a Map's started and succeeded (its iterations record
 * their own, MapIterationStarted and Succeeded, which the engine reports).
 */
function eventsOfAttempt(type: string | undefined, resource: string | undefined): number {
  if (type === 'Map') return 2;
  if (type !== 'Task') return 0;
  return EVENTS_PER_TASK_ATTEMPT + (resource && /\.sync(:\d+)?$/.test(resource) ? 1 : 0);
}

/**
 * Abort for an execution, built outside startLocalExecution's scope: a closure made there
 * would keep that whole scope (the engine's execution, its event log, every Task override)
 * for as long as the execution is listed, some 10 KB per execution, 100 MB over a sync of ten
 * thousand jobs. This one holds only the engine's execution, and lets go of it at the end.
 */
function abortHandle(execution: { abort(): void }): { abort(): void; release(): void } {
  let running: { abort(): void } | undefined = execution;
  return {
    abort: () => running?.abort(),
    release: () => {
      running = undefined;
    },
  };
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
            historyEvents += 1 + eventsOfAttempt(event.state?.type, states[name]?.Resource);
            break;
          }
          case 'MapIterationStarted':
          case 'MapIterationSucceeded':
          case 'MapIterationFailed':
            historyEvents += 1;
            break;
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

  const handle = abortHandle(execution);
  const released = result.then(
    (ended) => {
      handle.release();
      return ended;
    },
    (error: unknown) => {
      handle.release();
      throw error;
    },
  );
  return { executionArn, result: released, abort: handle.abort };
}
