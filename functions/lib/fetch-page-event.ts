import type { Cursor } from './cursor';
import { InvalidInput } from './errors';
import type { RunConfig } from './run-config';
import type { CallKind } from './sources/source';
import { parseRunAndCursor } from './task-event';
import { isRecord } from './validate';

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
