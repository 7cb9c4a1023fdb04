/**
 * What the console's graph, table of states and events view say about one execution, read
 * from its history in one pass: each state's status and counts, the transitions taken, and
 * the state each event belongs to. Pure: the history comes from the endpoint's registry (the
 * same one GetExecutionHistory pages), the state names and resources from the ASL.
 */
import type { HistoryEvent } from '../local/sfn/history';

/**
 * How a state fared, as the graph colours it. A state entered many times (a loop) shows the
 * most telling of its visits: running, then failed or stopped (the execution ended in it),
 * then caught (a Catch took an error of one visit), then retried, then succeeded.
 */
export type StateStatus = 'notRun' | 'running' | 'succeeded' | 'retried' | 'caught' | 'failed' | 'stopped';

const RANK: Record<StateStatus, number> = {
  notRun: 0,
  succeeded: 1,
  retried: 2,
  caught: 3,
  stopped: 4,
  failed: 5,
  running: 6,
};

/** What the table of states shows for one state. */
export interface StateSummary {
  status: StateStatus;
  /** Times entered (visits). */
  entered: number;
  /** Visits that ended normally. */
  succeeded: number;
  /** Attempts after the first, over every visit. */
  retries: number;
  /** Visits whose error a Catch took. */
  caught: number;
  /** Visits the execution failed or was stopped in. */
  failed: number;
  /** The last visit's Entered event id, and its Exited one once it ended. */
  lastEnteredId?: number;
  lastExitedId?: number;
  /** Epoch ms of the last visit's entry, and the time spent in the state over every ended visit. */
  lastEnteredAt?: number;
  totalMs: number;
}

/** One execution's history, read. */
export interface HistoryAnalysis {
  readonly states: Record<string, StateSummary>;
  /** `from\u0000to` → times taken (a Task's retries are not transitions between states). */
  readonly edges: Record<string, number>;
  /** The state each event belongs to, by index (undefined for the execution's own events). */
  readonly eventState: readonly (string | undefined)[];
  /** State transitions as AWS bills them: every state entered, and every retry. */
  readonly transitions: number;
  readonly retries: number;
}

/** Every state of a definition by name, nested ones included (names are unique per machine). */
export function flattenStates(states: unknown): Record<string, { Type?: string; Resource?: string }> {
  const found: Record<string, { Type?: string; Resource?: string }> = {};
  if (typeof states !== 'object' || states === null) return found;
  for (const [name, raw] of Object.entries(states)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const state = raw as Record<string, unknown>;
    found[name] = {
      Type: typeof state.Type === 'string' ? state.Type : undefined,
      Resource: typeof state.Resource === 'string' ? state.Resource : undefined,
    };
    const branches = Array.isArray(state.Branches) ? state.Branches : [];
    for (const processor of [state.ItemProcessor, state.Iterator, ...branches]) {
      if (typeof processor === 'object' && processor !== null && 'States' in processor) {
        Object.assign(found, flattenStates((processor as { States: unknown }).States));
      }
    }
  }
  return found;
}

/** A visit in progress. */
interface Visit {
  readonly name: string;
  readonly enteredAt: number;
  attempts: number;
  lastCallFailed: boolean;
}

const CALL_SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);
const CALL_FAILED =
  /^(LambdaFunction|Task)(Failed|TimedOut|StartFailed|SubmitFailed)$|^LambdaFunctionStartFailed$/;
const CALL_SUCCEEDED = new Set(['LambdaFunctionSucceeded', 'TaskSucceeded']);

/** The name a `*StateEntered`/`*StateExited` event carries. */
function stateName(event: HistoryEvent, key: 'stateEnteredEventDetails' | 'stateExitedEventDetails') {
  const name = event[key]?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The resource a call's Scheduled event names (a Lambda ARN, or `states`/`startExecution.sync:2`). */
function scheduledResource(event: HistoryEvent): string | undefined {
  const lambda = event.lambdaFunctionScheduledEventDetails?.resource;
  if (typeof lambda === 'string') return lambda;
  const task = event.taskScheduledEventDetails;
  return task ? `${String(task.resourceType)}:::${String(task.resource)}` : undefined;
}

/** Whether a Task state's Resource is the one a Scheduled event names. */
function sameResource(asl: string | undefined, scheduled: string): boolean {
  if (!asl) return false;
  if (asl === scheduled) return true;
  // `arn:aws:states:::states:startExecution.sync:2` is scheduled as `states` + `startExecution.sync:2`.
  const [type, ...rest] = scheduled.split(':::');
  return asl.endsWith(`:${type}:${rest.join(':::')}`);
}

/**
 * Reads a history (oldest first) against its definition's states. States of the definition
 * never entered are `notRun`; the execution's status decides what its open states are: still
 * running, failed in, or stopped in.
 */
export function analyzeHistory(
  events: readonly HistoryEvent[],
  definitionStates: Record<string, { Type?: string; Resource?: string }>,
): HistoryAnalysis {
  const states: Record<string, StateSummary> = {};
  const summary = (name: string) => {
    states[name] ??= {
      status: 'notRun',
      entered: 0,
      succeeded: 0,
      retries: 0,
      caught: 0,
      failed: 0,
      totalMs: 0,
    };
    return states[name];
  };
  for (const name of Object.keys(definitionStates)) summary(name);
  const edges: Record<string, number> = {};
  const eventState: (string | undefined)[] = [];
  const open: Visit[] = [];
  let lastExited: string | undefined;
  let calling: Visit | undefined;
  let retries = 0;
  let transitions = 0;
  const raise = (s: StateSummary, status: StateStatus) => {
    if (RANK[status] > RANK[s.status]) s.status = status;
  };

  for (const event of events) {
    const type = event.type;
    let owner: string | undefined;
    if (type.endsWith('StateEntered')) {
      const name = stateName(event, 'stateEnteredEventDetails') ?? '?';
      const s = summary(name);
      s.entered += 1;
      s.lastEnteredId = event.id;
      s.lastEnteredAt = event.timestamp;
      s.lastExitedId = undefined;
      transitions += 1;
      if (lastExited !== undefined) {
        const key = `${lastExited}\u0000${name}`;
        edges[key] = (edges[key] ?? 0) + 1;
        lastExited = undefined;
      }
      open.push({ name, enteredAt: event.timestamp, attempts: 0, lastCallFailed: false });
      calling = undefined;
      owner = name;
    } else if (type.endsWith('StateExited')) {
      const name = stateName(event, 'stateExitedEventDetails') ?? '?';
      const at = open.map((v) => v.name).lastIndexOf(name);
      const visit = at >= 0 ? open.splice(at, 1)[0] : undefined;
      const s = summary(name);
      s.lastExitedId = event.id;
      if (visit) s.totalMs += event.timestamp - visit.enteredAt;
      if (visit?.lastCallFailed) {
        s.caught += 1;
        raise(s, 'caught');
      } else {
        s.succeeded += 1;
        raise(s, (visit?.attempts ?? 0) > 1 ? 'retried' : 'succeeded');
      }
      lastExited = name;
      calling = undefined;
      owner = name;
    } else if (CALL_SCHEDULED.has(type)) {
      // The open Task state that calls this resource, the latest entered (a Map runs several at once).
      const resource = scheduledResource(event);
      const visit =
        [...open]
          .reverse()
          .find(
            (v) =>
              definitionStates[v.name]?.Type === 'Task' &&
              resource !== undefined &&
              sameResource(definitionStates[v.name]?.Resource, resource),
          ) ?? open[open.length - 1];
      if (visit) {
        visit.attempts += 1;
        visit.lastCallFailed = false;
        if (visit.attempts > 1) {
          summary(visit.name).retries += 1;
          retries += 1;
          transitions += 1;
        }
      }
      calling = visit;
      owner = visit?.name;
    } else if (type.endsWith('StateAborted')) {
      owner = open[open.length - 1]?.name;
    } else if (!type.startsWith('Execution')) {
      // Started, Succeeded, Failed, TimedOut of the call scheduled last.
      owner = calling?.name;
      if (calling && CALL_FAILED.test(type)) calling.lastCallFailed = true;
      if (calling && CALL_SUCCEEDED.has(type)) calling.lastCallFailed = false;
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      const ending: StateStatus = type === 'ExecutionAborted' ? 'stopped' : 'failed';
      for (const visit of open.splice(0)) {
        const s = summary(visit.name);
        s.failed += 1;
        s.totalMs += event.timestamp - visit.enteredAt;
        raise(s, ending);
      }
    }
    eventState.push(owner);
  }
  for (const visit of open) raise(summary(visit.name), 'running');
  return { states, edges, eventState, transitions, retries };
}

/** Event types that say something went wrong: the events view marks them. */
export function isFailureEvent(type: string): boolean {
  return /Failed$|TimedOut$|Aborted$/.test(type);
}
