/**
 * What an execution history says about a run, counted from the events alone, so it reads
 * the same on AWS and locally: pages fetched, retries and caught errors by name, restarts,
 * waits, and how the execution ended.
 *
 * A page-fetch call is a Lambda call whose input carries `call` (`origin`, `continuation` or
 * `restart`, as the ASL passes it to the fetch-page function). One call may read several
 * pages (`pagesPerInvocation`): the pages it read are its output cursor's `fetches` less its
 * input cursor's.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { isRecord, parseJson } from './format';

export interface HistorySummary {
  readonly events: number;
  readonly status?: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly startedAt?: Date;
  readonly stoppedAt?: Date;
  /** Successful page fetches, by call: origin, continuation, restart. */
  readonly pages: number;
  readonly pagesByCall: Record<string, number>;
  /** Items written by the last page seen (the run's count in its current pass). */
  readonly items?: number;
  /** Task attempts that failed and were tried again, by error name. */
  readonly retries: Record<string, number>;
  /** Task errors that a Catch handled (e.g. NextTokenCorrupted → restart), by error name. */
  readonly caught: Record<string, number>;
  readonly restarts: number;
  readonly waits: number;
  /** Milliseconds spent in Wait states. */
  readonly waitedMs: number;
  /** States entered plus retries: what AWS bills as state transitions. */
  readonly transitions: number;
  readonly failure?: { readonly error?: string; readonly cause?: string };
  readonly continuedAs?: string;
}

const FAILED_CALL = new Set(['LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'TaskFailed', 'TaskTimedOut']);
const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);
const END_STATUS: Record<string, HistorySummary['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Summarises one execution's events, given oldest first. */
export function summarizeHistory(events: readonly HistoryEvent[]): HistorySummary {
  const pagesByCall: Record<string, number> = {};
  const retries: Record<string, number> = {};
  const caught: Record<string, number> = {};
  let pages = 0;
  let items: number | undefined;
  let restarts = 0;
  let waits = 0;
  let waitedMs = 0;
  let waitStarted: number | undefined;
  let transitions = 0;
  let status: HistorySummary['status'];
  let failure: HistorySummary['failure'];
  let continuedAs: string | undefined;
  /** The call input of the Lambda call in flight, by its Scheduled event. */
  let call: string | undefined;
  /** Its input cursor's `fetches`. */
  let fetchesBefore: number | undefined;
  /** An attempt that failed: a retry if the same state schedules again, caught if it moves on. */
  let pendingFailure: string | undefined;

  for (const event of events) {
    const type = event.type ?? '';
    if (SCHEDULED.has(type)) {
      if (pendingFailure) {
        bump(retries, pendingFailure);
        transitions += 1;
        pendingFailure = undefined;
      }
      const input = parseJson(event.lambdaFunctionScheduledEventDetails?.input);
      call = isRecord(input) && typeof input.call === 'string' ? input.call : undefined;
      const before = isRecord(input) && isRecord(input.cursor) ? input.cursor.fetches : undefined;
      fetchesBefore = typeof before === 'number' ? before : undefined;
    } else if (type === 'LambdaFunctionSucceeded' && call) {
      const cursor = parseJson(event.lambdaFunctionSucceededEventDetails?.output);
      // A restart reads one page (and may count on from a checkpoint its input is behind).
      const read =
        call !== 'restart' &&
        isRecord(cursor) &&
        typeof cursor.fetches === 'number' &&
        fetchesBefore !== undefined
          ? Math.max(1, cursor.fetches - fetchesBefore)
          : 1;
      pages += read;
      pagesByCall[call] = (pagesByCall[call] ?? 0) + read;
      if (call === 'restart') restarts += 1;
      if (isRecord(cursor) && typeof cursor.items === 'number') items = cursor.items;
      call = undefined;
    } else if (FAILED_CALL.has(type)) {
      const details =
        event.lambdaFunctionFailedEventDetails ??
        event.lambdaFunctionTimedOutEventDetails ??
        event.taskFailedEventDetails ??
        event.taskTimedOutEventDetails;
      pendingFailure = details?.error ?? 'unknown';
      call = undefined;
    } else if (type.endsWith('StateExited') || type.endsWith('StateEntered') || type in END_STATUS) {
      // The failed attempt was not retried: a Catch took it (or the execution ended on it).
      if (pendingFailure && type.endsWith('StateExited')) bump(caught, pendingFailure);
      pendingFailure = undefined;
    }

    if (type.endsWith('StateEntered')) transitions += 1;
    if (type === 'WaitStateEntered') {
      waits += 1;
      waitStarted = event.timestamp?.getTime();
    } else if (type === 'WaitStateExited' && waitStarted !== undefined) {
      waitedMs += (event.timestamp?.getTime() ?? waitStarted) - waitStarted;
      waitStarted = undefined;
    }

    if (type in END_STATUS) {
      status = END_STATUS[type];
      // A wait cut short by the end (a stop) still waited until then.
      if (waitStarted !== undefined) waitedMs += (event.timestamp?.getTime() ?? waitStarted) - waitStarted;
      const details =
        event.executionFailedEventDetails ??
        event.executionAbortedEventDetails ??
        event.executionTimedOutEventDetails;
      if (details) failure = { error: details.error, cause: details.cause };
      const output = parseJson(event.executionSucceededEventDetails?.output);
      const next =
        isRecord(output) && isRecord(output.continuedAs) ? output.continuedAs.executionArn : undefined;
      if (typeof next === 'string') continuedAs = next;
    }
  }

  const first = events[0];
  const last = events[events.length - 1];
  return {
    events: events.length,
    status,
    startedAt: first?.type === 'ExecutionStarted' ? first.timestamp : undefined,
    stoppedAt: status ? last?.timestamp : undefined,
    pages,
    pagesByCall,
    items,
    retries,
    caught,
    restarts,
    waits,
    waitedMs,
    transitions,
    failure,
    continuedAs,
  };
}
