/**
 * The history budget of an all-jobs execution. An inline Map records every iteration's events
 * in the execution that runs it, so each job costs the sync's own history about 17 events, and
 * a job whose run goes on in later segments 9 more per look. "List jobs" keeps an estimate in
 * the jobs cursor and sets `continueAsNew` when the next page might not fit, which the "More
 * jobs?" Choice reads, as "More pages?" reads the loop's.
 */
import { HISTORY_EVENT_BUDGET } from '../history-budget';

/** ExecutionStarted, "Start sync" (entered, scheduled, started, succeeded, exited), "Already running?" (2). */
export const SYNC_EVENTS_AT_START = 8;
/** "List jobs" (5), the Map (entered, started, succeeded, exited) and "More jobs?" (2). */
export const SYNC_EVENTS_PER_PAGE = 11;
/**
 * One job: MapIterationStarted and Succeeded (2), "Sync job" on `startExecution.sync:2`
 * (entered, scheduled, started, submitted, succeeded, exited: 6), "Read job run" (5), "Job run
 * still running?" (2) and "Job done" (2).
 */
export const SYNC_EVENTS_PER_JOB = 17;
/** A look at a run that went on in a later segment: "Wait for job run" (2), "Read job run" (5), the Choice (2). */
export const SYNC_EVENTS_PER_POLL = 9;

/**
 * The first wait before looking at a run that continued as new again, doubled after each look
 * up to {@link MAX_POLL_SECONDS}, so a run that goes on for hours costs its sync a few events an
 * hour, not 9 every 30 s.
 */
export const FIRST_POLL_SECONDS = 30;
export const MAX_POLL_SECONDS = 600;

/** How long "Wait for job run" waits after the `polls`-th look found the run still running (1 = the first). */
export function pollWaitSeconds(polls: number): number {
  return Math.min(MAX_POLL_SECONDS, FIRST_POLL_SECONDS * 2 ** Math.max(0, polls - 1));
}

/** What a finished iteration of the Map hands back ("Job done" keeps only the outcome). */
export interface IterationResult {
  readonly polls?: unknown;
}

/** The events the looks of a page's jobs added, from the Map's results. */
export function pollEvents(results: readonly IterationResult[] | undefined): number {
  if (!Array.isArray(results)) return 0;
  let polls = 0;
  for (const result of results) {
    const n = result?.polls;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) polls += n;
  }
  return polls * SYNC_EVENTS_PER_POLL;
}

/**
 * Whether the execution should hand the sync over after the page it has just listed: there is
 * another page, and either it listed `jobPagesPerExecution` pages or one more full page would
 * take the estimate past the budget. What lies between the budget and Step Functions' 25,000
 * covers the looks at long runs of the page in flight and the retries.
 */
export function syncShouldContinueAsNew(
  state: { nextToken: string | null; pagesHere: number; historyEvents: number },
  options: { jobsPerPage: number; jobPagesPerExecution: number },
  budget: number = HISTORY_EVENT_BUDGET,
): boolean {
  if (state.nextToken === null) return false;
  const nextPage = SYNC_EVENTS_PER_PAGE + options.jobsPerPage * SYNC_EVENTS_PER_JOB;
  return state.pagesHere >= options.jobPagesPerExecution || state.historyEvents + nextPage > budget;
}
