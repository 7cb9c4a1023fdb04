import { performance } from 'node:perf_hooks';
import type { Cursor } from './cursor';
import { isErrorNamed, NextTokenCorrupted } from './errors';
import type { FetchPageDeps } from './fetch-deps';
import type { FetchPageEvent } from './fetch-page-event';
import { checkpointAhead, firstCall } from './first-call';
import { historyAfterInvocation, retryCountOf } from './history-budget';
import { InvocationBudget, type InvocationContext } from './invocation-budget';
import { MAX_SLEEP_MS } from './pacing';
import { moreNow, type PacedResult, PageStep } from './page-step';
import { OPTION_LIMITS } from './run-config';

export type { FetchPageDeps } from './fetch-deps';
export { pageStores } from './fetch-deps';
export type { FetchPageEvent } from './fetch-page-event';
export { pageNumber, parseFetchPageEvent } from './fetch-page-event';
export type { InvocationContext } from './invocation-budget';

/** One page that became durable and was checkpointed, as the handler reports it. */
export interface PageDone {
  readonly page: number;
  readonly items: number;
  /** From the start of the page's source call until its checkpoint was written. */
  readonly latencyMs: number;
}

/** What one invocation knows besides the event: the Lambda context and observers. */
export interface InvocationOptions {
  /** The Lambda context; its remaining time caps the invocation's budget. */
  readonly context?: InvocationContext;
  /** Called after each page is durable and checkpointed. */
  readonly onPage?: (page: PageDone) => void;
  /**
   * Called when a source call after the invocation's first page failed: the invocation
   * returns the last checkpointed cursor instead, and the next invocation makes the call
   * again, where the state machine's Retry and Catch see its error.
   */
  readonly onDeferredError?: (error: unknown) => void;
}

type Prefetched = (PacedResult & { readonly startedAt: number }) | { readonly error: unknown };

/** The segment's start time the state machine sent, or null when it sent none (or garbage). */
function segmentStart(event: FetchPageEvent): Date | null {
  const at = event.executionStartTime ? new Date(event.executionStartTime) : null;
  return at && !Number.isNaN(at.getTime()) ? at : null;
}

/**
 * Reads pages until the invocation's budget is spent, `pagesPerInvocation` pages are read (an
 * origin or continuation call; a restart call reads one), a limit is reached, a page hands
 * control to the state machine (no token, HasNext=false, MoreResultsAvailable=false), or the
 * run's quota says wait (then the cursor carries `waitSeconds` for "Wait for quota"), and
 * returns the cursor after the last page.
 *
 * Pipelined, with at most three pages in memory: while page N's rows are written (and its
 * token remembered), page N+1 is fetched with N's token; once it arrives its rows are written
 * too, and page N+2 fetched, as soon as N is durable or while it is still being written, so a
 * slow write of one page and a slow call of the next do not add up. N is checkpointed once it
 * is durable, overlapping the later fetch and writes, and before N+1 is checkpointed. The
 * checkpoint never moves past a page that is not durable, so a failure anywhere leaves a
 * checkpoint from which nothing is lost, and a retried invocation re-reads from the cursor it
 * was given and rewrites the same rows. Every cursor returned is the run's checkpoint.
 *
 * A source error on a later page ends the invocation with the last checkpointed cursor, so
 * the next invocation makes the call again and the state machine retries or catches it
 * there, from the right cursor; NextTokenCorrupted goes to the restart branch at once (it
 * must never be sent again), which counts on from the checkpoint.
 */
export async function fetchAndStorePages(
  event: FetchPageEvent,
  deps: FetchPageDeps,
  invocation: InvocationOptions = {},
): Promise<Cursor> {
  const { run } = event;
  const options = run.options;
  // An origin call reads on past its first page, as a continuation call does: "Fetch first
  // page" catches a refused token too. A restart reads its one page only: its own refused
  // token would look to the next restart like a retry of this one, and go uncounted.
  const cap =
    event.call === 'restart' ? 1 : (options.pagesPerInvocation ?? OPTION_LIMITS.pagesPerInvocation.default);
  const budgetSeconds = options.invocationBudgetSeconds ?? OPTION_LIMITS.invocationBudgetSeconds.default;
  const budget = new InvocationBudget(budgetSeconds * 1000, invocation.context);
  let [call, cursor] = await firstCall(event, deps);
  const retried = retryCountOf(event.retryCount);
  const ahead =
    event.call !== 'restart' && retried > 0
      ? checkpointAhead(cursor, await deps.runs.get(run.runId))
      : undefined;
  if (ahead) {
    // The failed attempt's pages are durable: go on from its checkpoint with that page's token.
    cursor = ahead;
    call = 'continuation';
  }
  // The history estimate counts this invocation once, however many pages it reads; only its
  // first call can follow a Wait (later pages follow a page that said "more, now").
  const historyEvents = historyAfterInvocation(cursor.historyEvents ?? 0, {
    retryCount: retried,
    waited:
      event.cursor.waitSeconds > 0 ||
      (event.call === 'continuation' && event.cursor.moreResultsAvailable === false),
    caughtFailure: event.call === 'restart',
  });
  const step = new PageStep(
    run,
    deps,
    event.cursor.iterations + 1,
    historyEvents,
    segmentStart(event),
    cursor,
  );
  const now = () => deps.now?.() ?? new Date();

  // The failed attempt already reached a signal or a limit: hand it to the Choice as is.
  if (ahead && (!moreNow(ahead) || ahead.limit !== null)) return { ...ahead, ...step.stamp(now()) };
  if (call === 'continuation' && step.pacer.tokenExpiresFirst(cursor)) {
    throw new NextTokenCorrupted(
      `${run.source}'s continuation token expires at ${cursor.pacing?.tokenExpiresAt} before the next call its quota allows; restarting from the origin call without sending it`,
    );
  }

  let startedAt = performance.now();
  const first = await step.pacedFetch(call, cursor);
  if ('wait' in first) {
    // No call made (or the API said the quota is used up): the checkpoint says how long to wait.
    await step.checkpoint(first.wait);
    return first.wait;
  }
  let page = first.page;
  /** The checkpoint of the last page committed, still in flight while later pages are written. */
  let checkpointed: Promise<void> = Promise.resolve();
  /** The page whose rows are being written: committed once the next page is fetched, or at the end. */
  let writing: { stored: Promise<void>; next: Cursor; items: number; startedAt: number } | undefined;
  /**
   * Waits for the page being written to be durable, then checkpoints it after the page before
   * (in order). The checkpoint stays in flight while the loop goes on.
   */
  const commit = async (): Promise<void> => {
    const done = writing;
    writing = undefined;
    if (!done) return;
    await done.stored;
    await checkpointed;
    checkpointed = step.checkpoint(done.next).then(() =>
      invocation.onPage?.({
        page: done.next.page,
        items: done.items,
        latencyMs: performance.now() - done.startedAt,
      }),
    );
    // Handled here so a failure waits for the next await instead of counting as unhandled.
    checkpointed.catch(() => undefined);
    budget.pageDone();
  };
  /** Commits the page being written and waits for every checkpoint: the cursor returned is durable. */
  const settle = async (): Promise<void> => {
    await commit();
    await checkpointed;
  };
  for (let read = 1; ; read++) {
    let prepared: ReturnType<PageStep['prepare']>;
    try {
      prepared = step.prepare(call, cursor, page);
    } catch (error) {
      // An item too large: the pages before are still checkpointed first.
      await settle().catch(() => undefined);
      throw error;
    }
    const { rows, next } = prepared;
    const another =
      moreNow(next) &&
      next.limit === null &&
      next.waitSeconds === 0 &&
      read < cap &&
      budget.allowsAnother() &&
      step.pacer.msUntilCall() <= MAX_SLEEP_MS;
    const stored = step.store(rows, cursor, next);
    stored.catch(() => undefined);
    const prefetch: Promise<Prefetched> | undefined = another
      ? ((fetchStart) =>
          step.pacedFetch('continuation', next).then(
            (result) => ({ ...result, startedAt: fetchStart }),
            (error: unknown) => ({ error }),
          ))(performance.now())
      : undefined;
    try {
      // The page before this one: durable now, or the loop waits for it. So at most two pages
      // are written at once, and at most three held (two being written, one being fetched).
      await commit();
    } catch (error) {
      // Settle what is in flight so nothing outlives the invocation; the later pages are dropped.
      await Promise.allSettled([stored, prefetch, checkpointed]);
      throw error;
    }
    writing = { stored, next, items: rows.size, startedAt };
    if (!prefetch) {
      await settle();
      return next;
    }

    const fetched = await prefetch;
    if ('error' in fetched) {
      await settle();
      if (isErrorNamed(fetched.error, 'NextTokenCorrupted')) throw fetched.error;
      invocation.onDeferredError?.(fetched.error);
      return next;
    }
    if ('wait' in fetched) {
      // The API said the quota is used up: page N stands, and the run waits before page N+1.
      await settle();
      await step.checkpoint(fetched.wait);
      return fetched.wait;
    }
    ({ page, startedAt } = fetched);
    cursor = next;
    call = 'continuation';
  }
}
