/**
 * Where a page-fetch invocation begins: the call it makes first and the cursor it counts on
 * from. A restart counts itself and begins a new pass; a retried invocation goes on from the
 * checkpoint its failed attempt wrote.
 */
import { type Cursor, normaliseToken } from './cursor';
import { causeMessage, InvalidInput, RestartLimitExceeded } from './errors';
import type { FetchPageDeps } from './fetch-deps';
import type { FetchPageEvent } from './fetch-page-event';
import type { CallKind } from './sources/source';
import type { RunRecord } from './store/run-record';

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

/**
 * A new pass from the origin call, counted: no token, nothing read in it yet (page 0). Until
 * its origin call is made (a paced restart may first wait for quota) the cursor says so, and
 * "More pages?" sends it to "Fetch first page".
 */
export function freshPass(base: Cursor, restarts: number): Cursor {
  return {
    ...base,
    restarts,
    nextToken: null,
    hasNext: null,
    moreResultsAvailable: null,
    page: 0,
    items: 0,
  };
}

/** The cursor and call the invocation begins with; a restart counts itself and drops the token. */
export async function firstCall(event: FetchPageEvent, deps: FetchPageDeps): Promise<[CallKind, Cursor]> {
  const { run } = event;
  // Built without the Catch's tokenError; a "" token (as some APIs and older checkpoints have it) means none.
  const { tokenError, ...given } = event.cursor;
  const cursor: Cursor = { ...given, nextToken: normaliseToken(given.nextToken) };
  if (event.call !== 'restart') {
    if (event.call === 'continuation' && cursor.nextToken === null) {
      throw new InvalidInput('a continuation call needs cursor.nextToken; the state machine sent none');
    }
    return [event.call, cursor];
  }
  // Never send the rejected token again: count the restart and begin a new pass from the origin call.
  const reason = causeMessage(tokenError?.Cause) || 'the continuation token was rejected';
  // Restarts count from the start or the last resume, like the limits.
  const restartsSince = cursor.restarts - (run.since.restarts ?? 0);
  if (restartsSince >= run.options.maxRestarts) {
    throw new RestartLimitExceeded(
      `gave up after ${restartsSince} restart(s) from the origin call since the run was started or resumed (options.maxRestarts is ${run.options.maxRestarts}): ${reason}`,
    );
  }
  const base = restartBase(cursor, await deps.runs.get(run.runId));
  return ['origin', freshPass(base, cursor.restarts + 1)];
}
