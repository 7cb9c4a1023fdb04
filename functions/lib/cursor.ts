import type { SyncProgress } from './sync/decide';

/**
 * The only state that travels between states: where the run is, never the items.
 * Every field is always present (null where it does not apply) because a Choice rule
 * on a missing path fails the execution.
 */
export interface Cursor {
  /** How the source says "there is more". */
  readonly signal: PaginationSignal;
  /** Token for the continuation call; null when the source gave none (or an empty string). */
  readonly nextToken: string | null;
  /** HasNext from the last page; null for sources without it. */
  readonly hasNext: boolean | null;
  /** MoreResultsAvailable from the last page; null for sources without it. */
  readonly moreResultsAvailable: boolean | null;
  /** Pages read in the current pass (a restart from the origin call starts a new pass). */
  readonly page: number;
  /** Items written in the current pass: the distinct items of the collection read so far. */
  readonly items: number;
  /** Restarts from the origin call after a corrupted token. */
  readonly restarts: number;
  /** Continuation calls made after MoreResultsAvailable=false. */
  readonly polls: number;
  /** Loop iterations in this execution. */
  readonly iterations: number;
  /** Successful page fetches over the whole run; never decreases, orders run-record writes. */
  readonly fetches: number;
  /** Items written over the whole run, re-reads included; never decreases. */
  readonly written: number;
  /** The run limit this page reached (the run stops, resumable), or null. */
  readonly limit: RunLimit | null;
  /**
   * How the sync is going, for sources whose items carry a sync mark (Glue job runs); absent
   * for the others. No Choice reads it.
   */
  readonly sync?: SyncProgress;
}

/** Limits an execution input may set; reaching one stops the run with its checkpoint kept. */
export type RunLimit = 'maxPages' | 'maxItems' | 'deadline';

export type PaginationSignal = 'tokenPresence' | 'hasNext' | 'moreResultsAvailable';

/** The cursor of a run that has not read a page yet. */
export function initialCursor(signal: PaginationSignal): Cursor {
  return {
    signal,
    nextToken: null,
    hasNext: null,
    moreResultsAvailable: null,
    page: 0,
    items: 0,
    restarts: 0,
    polls: 0,
    iterations: 0,
    fetches: 0,
    written: 0,
    limit: null,
  };
}
