/**
 * Turns the local engine's event log into the execution history AWS Step Functions records:
 * the event types and `...EventDetails` fields of GetExecutionHistory, with ids from 1.
 *
 * The engine reports states (entered, exited, failed, retried, caught) but not the calls a
 * Task makes; `engine.ts` reports those separately (`onTaskCall`), and this recorder puts
 * each call's Scheduled/Started/Succeeded (or Failed, TimedOut) events where AWS puts them:
 * between the Task's Entered and Exited events, one triple per attempt. A Task whose
 * Resource is a Lambda ARN records `LambdaFunction*` events, as AWS does for that form; a
 * service integration (`arn:aws:states:::states:startExecution`) records `Task*` events.
 */
import type { LocalEvent, LocalTaskCallEvent } from '../engine';

/** AWS fails a Standard execution at this many history events; the recorder keeps no more. */
export const MAX_HISTORY_EVENTS = 25_000;

/** One history event as the API returns it, except `timestamp`, kept in epoch milliseconds. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: `${string}EventDetails`]: Record<string, unknown>;
}

/** How a stopped execution's ExecutionAborted event explains itself (StopExecution's error and cause). */
export interface AbortDetails {
  readonly error?: string;
  readonly cause?: string;
}

/** A Task call the recorder has heard of but not yet placed in the history. */
interface PendingCall {
  readonly started: LocalTaskCallEvent;
  ended?: LocalTaskCallEvent;
}

/** The history of one execution while it is recorded. */
interface ExecutionLog {
  readonly events: HistoryEvent[];
  /** Events not kept because the history reached {@link MAX_HISTORY_EVENTS}. */
  dropped: number;
  /** Task calls per state name, oldest first (a Map's iterations overlap; one visit's attempts do not). */
  readonly calls: Map<string, PendingCall[]>;
  /** Calls abandoned by a Task timeout: their late end is ignored. */
  readonly abandoned: Set<number>;
  /** The current state's error was caught: its Exited event follows no successful call. */
  caught: boolean;
  /** The state entered and not yet exited, if any. */
  current?: { readonly name: string; readonly type: string };
  closed: boolean;
  abort?: AbortDetails;
}

const NOT_TRUNCATED = { truncated: false } as const;

/** State types whose work can be cut short; AWS records `<Type>StateAborted` for them. */
const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);

/** `Task` → `Task`, the prefix of `TaskStateEntered`; the engine names state types as the ASL does. */
const stateEventPrefix = (type: string | undefined) => type ?? 'Task';

const json = (value: unknown) => JSON.stringify(value ?? null);

/** `arn:aws:states:::states:startExecution.sync` → { resourceType: 'states', resource: 'startExecution.sync' }. */
export function integrationOf(resource: string): { resourceType: string; resource: string } | undefined {
  const match = /^arn:aws[\w-]*:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  return match ? { resourceType: match[1] as string, resource: match[2] as string } : undefined;
}

export interface HistoryRecorderOptions {
  readonly roleArn: string;
  readonly region: string;
  /** @default 25,000, as AWS */
  readonly maxEvents?: number;
  /** Called once an execution's history is complete (after its Execution* end event). */
  readonly onClosed?: (executionName: string, events: readonly HistoryEvent[]) => void;
}

/**
 * Collects the history of every execution from the engine's two callbacks. Pass
 * `recorder.onEvent` and `recorder.onTaskCall` to the LocalStateMachine.
 */
export class HistoryRecorder {
  private readonly logs = new Map<string, ExecutionLog>();
  private readonly maxEvents: number;

  constructor(private readonly options: HistoryRecorderOptions) {
    this.maxEvents = options.maxEvents ?? MAX_HISTORY_EVENTS;
  }

  /** The events recorded so far for an execution, oldest first; undefined once released or never seen. */
  events(executionName: string): readonly HistoryEvent[] | undefined {
    return this.logs.get(executionName)?.events;
  }

  /** Events not kept for an execution because its history reached the cap. */
  dropped(executionName: string): number {
    return this.logs.get(executionName)?.dropped ?? 0;
  }

  /** Names of released executions: late events of theirs are ignored. */
  private readonly released = new Set<string>();

  /** Forgets an execution's history (once it is persisted elsewhere). */
  release(executionName: string): void {
    this.logs.delete(executionName);
    this.released.add(executionName);
  }

  /** Remembers why an execution is about to be aborted, for its ExecutionAborted event. */
  setAbortDetails(executionName: string, details: AbortDetails): void {
    this.log(executionName).abort = details;
  }

  readonly onTaskCall = (event: LocalTaskCallEvent, executionName: string): void => {
    // A call still running when its execution ended (stopped mid-page) ends after the
    // history was closed and released: it must not start a new, empty one.
    if (this.released.has(executionName)) return;
    const log = this.log(executionName);
    if (log.closed) return;
    if (event.type === 'TaskCallStarted') {
      const queue = log.calls.get(event.stateName) ?? [];
      queue.push({ started: event });
      log.calls.set(event.stateName, queue);
      return;
    }
    if (log.abandoned.delete(event.callId)) return;
    const call = log.calls.get(event.stateName)?.find((c) => c.started.callId === event.callId);
    if (call) call.ended = event;
  };

  readonly onEvent = (event: LocalEvent, executionName: string): void => {
    if (this.released.has(executionName)) return;
    const log = this.log(executionName);
    if (log.closed) return;
    const at = event.timestamp;
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
        this.push(log, at, 'ExecutionStarted', {
          executionStartedEventDetails: {
            input: json(event.input),
            inputDetails: NOT_TRUNCATED,
            roleArn: this.options.roleArn,
          },
        });
        break;
      case 'StateEntered':
        log.caught = false;
        if (state) log.current = { name: state.name, type: state.type };
        this.push(log, at, `${stateEventPrefix(state?.type)}StateEntered`, {
          stateEnteredEventDetails: {
            name: state?.name,
            input: json(state?.input),
            inputDetails: NOT_TRUNCATED,
          },
        });
        break;
      case 'StateExited':
        log.current = undefined;
        if (state?.type === 'Task' && !log.caught) this.placeCall(log, state.name, undefined);
        this.push(log, at, `${stateEventPrefix(state?.type)}StateExited`, {
          stateExitedEventDetails: {
            name: state?.name,
            output: json(state?.output),
            outputDetails: NOT_TRUNCATED,
          },
        });
        break;
      case 'StateFailed':
        // AWS records a Fail state as FailStateEntered then ExecutionFailed, nothing between.
        if (state?.type === 'Task') this.placeCall(log, state.name, event);
        break;
      case 'StateCaught':
        log.caught = true;
        break;
      case 'ExecutionSucceeded':
        this.close(log, executionName, at, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: json(event.output), outputDetails: NOT_TRUNCATED },
        });
        break;
      case 'ExecutionFailed':
        this.close(log, executionName, at, 'ExecutionFailed', {
          executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
        });
        break;
      case 'ExecutionAborted':
        // A Task or Wait that was in progress records that it was aborted, as on AWS.
        if (log.current && ABORTABLE.has(log.current.type)) {
          this.push(log, at, `${log.current.type}StateAborted`, {});
        }
        this.close(log, executionName, at, 'ExecutionAborted', {
          executionAbortedEventDetails: { ...log.abort },
        });
        break;
      case 'ExecutionTimeout':
        this.close(log, executionName, at, 'ExecutionTimedOut', {
          executionTimedOutEventDetails: { error: 'States.Timeout' },
        });
        break;
      default:
        // StateRetried: the next attempt's events say it. Map and Parallel: not in this ASL.
        break;
    }
  };

  private log(executionName: string): ExecutionLog {
    let log = this.logs.get(executionName);
    if (!log) {
      log = { events: [], dropped: 0, calls: new Map(), abandoned: new Set(), caught: false, closed: false };
      this.logs.set(executionName, log);
    }
    return log;
  }

  /**
   * Records the oldest pending call of a Task state: scheduled, started, then how it ended.
   * `failure` is the engine's StateFailed event when the attempt failed.
   */
  private placeCall(log: ExecutionLog, stateName: string, failure: LocalEvent | undefined): void {
    const queue = log.calls.get(stateName) ?? [];
    // A Map runs several visits of one state at once: the visit that exits (or fails) now is
    // the one whose call ended that way, not necessarily the oldest still pending.
    const endedAs = failure ? 'TaskCallFailed' : 'TaskCallSucceeded';
    const at = Math.max(
      0,
      queue.findIndex((c) => c.ended?.type === endedAs),
    );
    const call = queue.splice(at, 1)[0];
    if (queue.length === 0) log.calls.delete(stateName);
    // A failure before the resource was called (bad Parameters) records no call, as on AWS.
    if (!call) return;
    const { started, ended } = call;
    const integration = integrationOf(started.resource);
    const prefix = integration ? 'Task' : 'LambdaFunction';
    const detailsKey = (what: string) => `${integration ? 'task' : 'lambdaFunction'}${what}EventDetails`;
    const ids = integration ?? {};

    this.push(log, started.timestamp, `${prefix}Scheduled`, {
      [detailsKey('Scheduled')]: integration
        ? {
            ...ids,
            region: this.options.region,
            parameters: json(started.input),
            ...(started.timeoutSeconds ? { timeoutInSeconds: started.timeoutSeconds } : {}),
          }
        : {
            resource: started.resource,
            input: json(started.input),
            inputDetails: NOT_TRUNCATED,
            ...(started.timeoutSeconds ? { timeoutInSeconds: started.timeoutSeconds } : {}),
          },
    });
    this.push(
      log,
      started.timestamp,
      `${prefix}Started`,
      integration ? { [detailsKey('Started')]: { ...ids } } : {},
    );
    if (ended?.type === 'TaskCallSucceeded') {
      this.push(log, ended.timestamp, `${prefix}Succeeded`, {
        [detailsKey('Succeeded')]: { ...ids, output: json(ended.output), outputDetails: NOT_TRUNCATED },
      });
    } else if (ended?.type === 'TaskCallFailed') {
      this.push(log, ended.timestamp, `${prefix}Failed`, {
        [detailsKey('Failed')]: { ...ids, error: ended.error, cause: ended.cause },
      });
    } else {
      // Still running: the Task timed out (or the execution ended around it).
      log.abandoned.add(started.callId);
      this.push(log, failure?.timestamp ?? Date.now(), `${prefix}TimedOut`, {
        [detailsKey('TimedOut')]: {
          ...ids,
          error: failure?.Error ?? 'States.Timeout',
          cause: causeText(failure?.Cause),
        },
      });
    }
  }

  private push(log: ExecutionLog, timestamp: number, type: string, details: Record<string, unknown>): void {
    // Keep room for the end event, so a capped history still says how the execution ended.
    if (log.events.length >= this.maxEvents - 1 && !type.startsWith('Execution')) {
      log.dropped += 1;
      return;
    }
    const id = log.events.length + 1;
    log.events.push({ id, previousEventId: id - 1, timestamp, type, ...details } as HistoryEvent);
  }

  private close(
    log: ExecutionLog,
    executionName: string,
    timestamp: number,
    type: string,
    details: Record<string, unknown>,
  ): void {
    this.push(log, timestamp, type, details);
    log.closed = true;
    log.calls.clear();
    this.options.onClosed?.(executionName, log.events);
  }
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

/**
 * The wire form of an event: epoch seconds for the timestamp and, when `includeExecutionData`
 * is false, no input, output or parameters (AWS leaves them out the same way).
 */
export function toWireEvent(event: HistoryEvent, includeExecutionData = true): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (includeExecutionData) return wire;
  for (const [key, value] of Object.entries(wire)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _i, output: _o, parameters: _p, ...rest } = value as Record<string, unknown>;
    wire[key] = rest;
  }
  return wire;
}

/** The first and last events of an execution whose history was lost (the server died while it ran). */
export function syntheticHistory(
  startedAt: number,
  input: string,
  roleArn: string,
  end: { timestamp: number; abort: AbortDetails },
): HistoryEvent[] {
  return [
    {
      id: 1,
      previousEventId: 0,
      timestamp: startedAt,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input, inputDetails: NOT_TRUNCATED, roleArn },
    },
    {
      id: 2,
      previousEventId: 1,
      timestamp: end.timestamp,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { ...end.abort },
    },
  ];
}
