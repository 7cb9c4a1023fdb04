import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Cursor, normaliseToken } from './cursor';
import { causeMessage, InvalidInput, isErrorNamed, RestartLimitExceeded } from './errors';
import { type HistoryBudget, historyAfterInvocation, retryCountOf } from './history-budget';
import { InvocationBudget, type InvocationContext } from './invocation-budget';
import { moreNow, PageStep } from './page-step';
import { OPTION_LIMITS, type RunConfig } from './run-config';
import type { CallKind, SourcePage } from './sources/source';
import { CollectionLeases } from './store/lease';
import type { PageWriterOptions } from './store/page-writer';
import { type RunRecord, RunRecords } from './store/run-record';
import { TokenGuard } from './store/token-guard';
import { Watermarks } from './sync/watermark';
import { parseRunAndCursor } from './task-event';
import { isRecord } from './validate';

export type { InvocationContext } from './invocation-budget';

/**
 * What the state machine passes to the page-fetch function. `restart` is the origin call
 * made after the continuation call was caught with NextTokenCorrupted; the Catch left the
 * error in `cursor.tokenError`.
 */
export interface FetchPageEvent {
  readonly call: CallKind | 'restart';
  readonly run: RunConfig;
  readonly cursor: Cursor & { readonly tokenError?: { readonly Error?: string; readonly Cause?: unknown } };
  /** `$$.State.RetryCount`: how often Step Functions retried this Task before this attempt. */
  readonly retryCount?: number;
  /** `$$.Execution.StartTime`: when this segment started (its age is bounded by a year). */
  readonly executionStartTime?: string;
}

/** What a page needs besides the event: built once per container by the handler. */
export interface FetchPageDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly runs: RunRecords;
  readonly leases: CollectionLeases;
  readonly tokens: TokenGuard;
  /** The collections' sync watermarks, read on the first page of an incremental sync. */
  readonly watermarks: Pick<Watermarks, 'get'>;
  readonly writerOptions?: PageWriterOptions;
  /** Days item rows live before DynamoDB's TTL deletes them; undefined keeps them for good. */
  readonly itemTtlDays?: number;
  readonly now?: () => Date;
  /** @default DEFAULT_HISTORY_BUDGET */
  readonly historyBudget?: HistoryBudget;
}

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

/** The stores of `tableName`, for FetchPageDeps. */
export function pageStores(client: DynamoDBDocumentClient, tableName: string) {
  return {
    client,
    tableName,
    runs: new RunRecords(client, tableName),
    leases: new CollectionLeases(client, tableName),
    tokens: new TokenGuard(client, tableName),
    watermarks: new Watermarks(client, tableName),
  };
}

/** The number, within its pass, of the first page this invocation reads: an origin or restart call begins a pass. */
export function pageNumber(event: Pick<FetchPageEvent, 'call' | 'cursor'>): number {
  return event.call === 'continuation' ? event.cursor.page + 1 : 1;
}

/** Validates the event the state machine built; a malformed one is a bug in the ASL, so say where. */
export function parseFetchPageEvent(event: unknown): FetchPageEvent {
  const { fields, run, cursor } = parseRunAndCursor(event, 'page-fetch');
  const { call, retryCount, executionStartTime } = fields;
  if (call !== 'origin' && call !== 'continuation' && call !== 'restart') {
    throw new InvalidInput(`call must be one of: origin, continuation, restart; got ${JSON.stringify(call)}`);
  }
  // The Catch of "Fetch next page" leaves the rejected token's error here for the restart.
  const caught = isRecord(fields.cursor) ? fields.cursor.tokenError : undefined;
  const tokenError = isRecord(caught)
    ? { ...(typeof caught.Error === 'string' ? { Error: caught.Error } : {}), Cause: caught.Cause }
    : undefined;
  return {
    call,
    run,
    cursor: tokenError ? { ...cursor, tokenError } : cursor,
    ...(typeof retryCount === 'number' ? { retryCount } : {}),
    ...(typeof executionStartTime === 'string' ? { executionStartTime } : {}),
  };
}

/**
 * The cursor the restart pass counts on from: the checkpoint in the run record when it is
 * ahead of the cursor the Catch kept. A multi-page invocation checkpoints its pages before
 * its token is refused, so the Catch's cursor (the invocation's input) is behind them; and
 * a retry of this restart finds the pages its earlier attempt read of the new pass, whose
 * own counts give back where that pass began.
 */
export function restartBase(given: Cursor, record: RunRecord | undefined): Cursor {
  const checkpoint = record?.status === 'running' ? record.checkpoint : undefined;
  if (!checkpoint || checkpoint.fetches <= given.fetches) return given;
  if (checkpoint.restarts === given.restarts) return checkpoint;
  if (checkpoint.restarts === given.restarts + 1) {
    return {
      ...checkpoint,
      restarts: given.restarts,
      fetches: checkpoint.fetches - checkpoint.page,
      written: checkpoint.written - checkpoint.items,
    };
  }
  return given;
}

/**
 * The checkpoint a failed attempt of this invocation wrote past the cursor it was given, in
 * the same pass, or undefined. A retried Task gets its original input again; starting from
 * the durable checkpoint instead reads no page twice and returns a cursor that is never
 * behind the record (a continue-as-new hands on exactly the checkpoint).
 */
export function checkpointAhead(given: Cursor, record: RunRecord | undefined): Cursor | undefined {
  const checkpoint = record?.status === 'running' ? record.checkpoint : undefined;
  return checkpoint && checkpoint.restarts === given.restarts && checkpoint.fetches > given.fetches
    ? checkpoint
    : undefined;
}

/** The cursor and call the invocation begins with; a restart counts itself and drops the token. */
async function firstCall(event: FetchPageEvent, deps: FetchPageDeps): Promise<[CallKind, Cursor]> {
  const { run } = event;
  // A "" token (as some APIs and older checkpoints have it) means none.
  const cursor = { ...event.cursor, nextToken: normaliseToken(event.cursor.nextToken) };
  if (event.call !== 'restart') {
    if (event.call === 'continuation' && cursor.nextToken === null) {
      throw new InvalidInput('a continuation call needs cursor.nextToken; the state machine sent none');
    }
    return [event.call, cursor];
  }
  // Never send the rejected token again: count the restart and begin a new pass from the origin call.
  const reason = causeMessage(cursor.tokenError?.Cause) || 'the continuation token was rejected';
  // Restarts count from the start or the last resume, like the limits.
  const restartsSince = cursor.restarts - (run.since.restarts ?? 0);
  if (restartsSince >= run.options.maxRestarts) {
    throw new RestartLimitExceeded(
      `gave up after ${restartsSince} restart(s) from the origin call since the run was started or resumed (options.maxRestarts is ${run.options.maxRestarts}): ${reason}`,
    );
  }
  const base = restartBase(cursor, await deps.runs.get(run.runId));
  return ['origin', { ...base, restarts: cursor.restarts + 1, nextToken: null }];
}

type Fetched = { readonly page: SourcePage; readonly startedAt: number } | { readonly error: unknown };

/**
 * Reads pages until the invocation's budget is spent, `pagesPerInvocation` pages are read (a
 * continuation call; an origin or restart call reads one), a
 * limit is reached or a page hands control to the state machine (no token, HasNext=false,
 * MoreResultsAvailable=false), and returns the cursor after the last page.
 *
 * Pipelined, with at most two pages in memory: while page N's rows are written (and its
 * token remembered), page N+1 is fetched with N's token; N is checkpointed once it is
 * durable, overlapping that fetch and N+1's write, and before N+1 is checkpointed. The checkpoint never moves past a page that is not
 * durable, so a failure anywhere leaves a checkpoint from which nothing is lost, and a
 * retried invocation re-reads from the cursor it was given and rewrites the same rows.
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
  // An origin or restart call reads its one page only: a refused token must reach the restart
  // branch, and only "Fetch next page" catches NextTokenCorrupted (a restart of a restart
  // would look like a retry of the first).
  const cap =
    event.call === 'continuation'
      ? (options.pagesPerInvocation ?? OPTION_LIMITS.pagesPerInvocation.default)
      : 1;
  const budgetSeconds = options.invocationBudgetSeconds ?? OPTION_LIMITS.invocationBudgetSeconds.default;
  const budget = new InvocationBudget(budgetSeconds * 1000, invocation.context);
  let [call, cursor] = await firstCall(event, deps);
  // The history estimate counts this invocation once, however many pages it reads; only its
  // first call can follow a Wait (later pages follow a page that said "more, now").
  const historyEvents = historyAfterInvocation(cursor.historyEvents ?? 0, {
    retryCount: retryCountOf(event.retryCount),
    waited: event.call === 'continuation' && event.cursor.moreResultsAvailable === false,
    caughtFailure: event.call === 'restart',
  });
  const segmentStartedAt = event.executionStartTime ? new Date(event.executionStartTime) : null;
  const step = new PageStep(
    run,
    deps,
    event.cursor.iterations + 1,
    historyEvents,
    segmentStartedAt && !Number.isNaN(segmentStartedAt.getTime()) ? segmentStartedAt : null,
  );

  if (event.call === 'continuation' && retryCountOf(event.retryCount) > 0) {
    const ahead = checkpointAhead(cursor, await deps.runs.get(run.runId));
    // The failed attempt already reached a signal or a limit: hand it to the Choice as is.
    if (ahead && (!moreNow(ahead) || ahead.limit !== null))
      return { ...ahead, ...step.stamp(deps.now?.() ?? new Date()) };
    if (ahead) cursor = ahead;
  }

  let startedAt = performance.now();
  let page = await step.fetch(call, cursor);
  /** The checkpoint of the page before, still in flight while this page is written. */
  let checkpointed: Promise<void> = Promise.resolve();
  for (let read = 1; ; read++) {
    let prepared: ReturnType<PageStep['prepare']>;
    try {
      prepared = step.prepare(call, cursor, page);
    } catch (error) {
      // An item too large: the page before is still checkpointed first.
      await Promise.allSettled([checkpointed]);
      throw error;
    }
    const { rows, next } = prepared;
    const another = moreNow(next) && next.limit === null && read < cap && budget.allowsAnother();
    const stored = step.store(rows, cursor, next);
    const prefetch: Promise<Fetched> | undefined = another
      ? ((fetchStart) =>
          step.fetch('continuation', next).then(
            (fetched) => ({ page: fetched, startedAt: fetchStart }),
            (error: unknown) => ({ error }),
          ))(performance.now())
      : undefined;
    try {
      await stored;
      // In order: the page before must be checkpointed before this one is.
      await checkpointed;
    } catch (error) {
      // Settle what is in flight so nothing outlives the invocation; the fetched page is dropped.
      await Promise.allSettled([prefetch, checkpointed]);
      throw error;
    }
    // Page N is durable: checkpoint it while page N+1 is fetched and written.
    const pageStartedAt = startedAt;
    checkpointed = step.checkpoint(next).then(() =>
      invocation.onPage?.({
        page: next.page,
        items: rows.size,
        latencyMs: performance.now() - pageStartedAt,
      }),
    );
    // Handled here so a failure waits for the next await instead of counting as unhandled.
    checkpointed.catch(() => undefined);
    budget.pageDone();
    if (!prefetch) {
      await checkpointed;
      return next;
    }

    const fetched = await prefetch;
    if ('error' in fetched) {
      await checkpointed;
      if (isErrorNamed(fetched.error, 'NextTokenCorrupted')) throw fetched.error;
      invocation.onDeferredError?.(fetched.error);
      return next;
    }
    ({ page, startedAt } = fetched);
    cursor = next;
    call = 'continuation';
  }
}
