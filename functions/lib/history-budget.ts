/**
 * When an execution hands the run to a new one. A Standard execution dies at 25,000 history
 * events or after one year; `iterationsPerExecution` alone guards neither when retries add
 * events or long polls add time. The handlers keep an estimate in the cursor and set
 * `continueAsNew`, which the "More pages?" Choice reads.
 */

/** Continue as new once the estimate reaches this: well under 25,000, leaving room for the last
 * invocation's retries, the Choice and the continue-as-new Task itself. */
export const HISTORY_EVENT_BUDGET = 20_000;

/** Continue as new once a segment is this old: Step Functions ends a Standard execution after a
 * year; this leaves two weeks for a last day-long Wait and its retries. */
export const SEGMENT_AGE_BUDGET_MS = 351 * 86_400_000;

/** History events of one Lambda Task attempt that succeeds (entered, scheduled, started,
 * succeeded, exited) plus the Choice after it (entered, exited). */
export const EVENTS_PER_INVOCATION = 7;
/** Each retry adds a failed, a scheduled and a started event. */
export const EVENTS_PER_RETRY = 3;
/** A Wait state's entered and exited events. */
export const EVENTS_PER_WAIT = 2;
/** The continuation call's failed attempt that the NextTokenCorrupted Catch took (failed, exited). */
export const EVENTS_PER_CAUGHT_FAILURE = 2;
/** ExecutionStarted, then "Start run" (5) and the "New run or resumed?" Choice (2). */
export const EVENTS_AT_START = 8;

/** Budgets a segment is held to; tests pass smaller ones. */
export interface HistoryBudget {
  readonly historyEvents: number;
  readonly segmentAgeMs: number;
}

export const DEFAULT_HISTORY_BUDGET: HistoryBudget = {
  historyEvents: HISTORY_EVENT_BUDGET,
  segmentAgeMs: SEGMENT_AGE_BUDGET_MS,
};

/** A handler-supplied `$$.State.RetryCount`: a whole number, or 0 when absent. */
export function retryCountOf(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** The estimate after one more page-fetch invocation (count invocations, not pages). */
export function historyAfterInvocation(
  before: number,
  invocation: { retryCount: number; waited: boolean; caughtFailure: boolean },
): number {
  return (
    before +
    EVENTS_PER_INVOCATION +
    EVENTS_PER_RETRY * invocation.retryCount +
    (invocation.waited ? EVENTS_PER_WAIT : 0) +
    (invocation.caughtFailure ? EVENTS_PER_CAUGHT_FAILURE : 0)
  );
}

/** The estimate of a segment that has just started (its "Start run" retried `retryCount` times). */
export function historyAtStart(retryCount: number): number {
  return EVENTS_AT_START + EVENTS_PER_RETRY * retryCount;
}

/**
 * Whether the segment should continue as a new execution now: its iterations, its history
 * estimate or its age reached a bound, whichever first.
 */
export function shouldContinueAsNew(
  state: { iterations: number; historyEvents: number; startedAt: Date | null; now: Date },
  iterationsPerExecution: number,
  budget: HistoryBudget = DEFAULT_HISTORY_BUDGET,
): boolean {
  const age = state.startedAt === null ? 0 : state.now.getTime() - state.startedAt.getTime();
  return (
    state.iterations >= iterationsPerExecution ||
    state.historyEvents >= budget.historyEvents ||
    age >= budget.segmentAgeMs
  );
}
