import { InvalidInput } from './errors';
import { initialPacing, type Pacing, parsePacing, type UsagePlan } from './pacing';
import { parseSyncProgress, type SyncProgress } from './sync/decide';

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
  /** Loop iterations (page-fetch invocations) in this execution. */
  readonly iterations: number;
  /**
   * An estimate of the history events this execution has recorded so far: about 7 per
   * invocation, 3 more per retry (`$$.State.RetryCount`), 2 per Wait.
   */
  readonly historyEvents: number;
  /**
   * Computed by the handler: this execution should hand the run to a new one now (its history
   * estimate reached the budget, it nears Step Functions' one-year limit, or it ran
   * `iterationsPerExecution` iterations). The "More pages?" Choice reads only this.
   */
  readonly continueAsNew: boolean;
  /** Successful page fetches over the whole run; never decreases, orders run-record writes. */
  readonly fetches: number;
  /** Items written over the whole run, re-reads included; never decreases. */
  readonly written: number;
  /** The run limit this page reached (the run stops, resumable), or null. */
  readonly limit: RunLimit | null;
  /** The run's token bucket, for a source with a usage plan (see pacing.ts); null for the others. */
  readonly pacing: Pacing | null;
  /**
   * Whole seconds the "Wait for quota" state waits before the next call; 0 when the next call
   * may go now (or there is none). Set only when a call is due.
   */
  readonly waitSeconds: number;
  /** Waits for quota over the whole run; never decreases. */
  readonly waits: number;
  /**
   * How the sync is going, for sources whose items carry a sync mark (Glue job runs); absent
   * for the others. No Choice reads it.
   */
  readonly sync?: SyncProgress;
}

/** Limits an execution input may set; reaching one stops the run with its checkpoint kept. */
export type RunLimit = 'maxPages' | 'maxItems' | 'deadline';

export type PaginationSignal = 'tokenPresence' | 'hasNext' | 'moreResultsAvailable';

const SIGNALS: readonly PaginationSignal[] = ['tokenPresence', 'hasNext', 'moreResultsAvailable'];
const LIMITS: readonly RunLimit[] = ['maxPages', 'maxItems', 'deadline'];

/** A token as the cursor keeps it: an empty string means "no token", as the APIs mean it. */
export function normaliseToken(token: string | null | undefined): string | null {
  return token === undefined || token === null || token === '' ? null : token;
}

/**
 * Validates a cursor that arrived from outside the code (a `continue` input, which anyone
 * allowed StartExecution can type), field by field, and returns it normalised (`""` tokens
 * become null). `at` names where it came from in the error.
 */
export function parseCursor(raw: unknown, at: string): Cursor {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInput(`${at} must be a cursor object as the state machine writes it`);
  }
  const c = raw as Record<string, unknown>;
  const fail = (field: string, allowed: string): never => {
    throw new InvalidInput(`${at}.${field} must be ${allowed}; got ${JSON.stringify(c[field]) ?? 'nothing'}`);
  };
  const count = (field: string): number => {
    const value = c[field];
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? value
      : fail(field, 'a whole number ≥ 0');
  };
  const flag = (field: string): boolean | null => {
    const value = c[field];
    return value === null || typeof value === 'boolean' ? value : fail(field, 'true, false or null');
  };
  const signal = c.signal;
  if (typeof signal !== 'string' || !SIGNALS.includes(signal as PaginationSignal)) {
    fail('signal', `one of ${SIGNALS.join(', ')}`);
  }
  const token = c.nextToken;
  if (token !== null && typeof token !== 'string') fail('nextToken', 'a string or null');
  const limit = c.limit;
  if (limit !== null && !LIMITS.includes(limit as RunLimit))
    fail('limit', `null or one of ${LIMITS.join(', ')}`);
  const continueAsNew = c.continueAsNew ?? false;
  if (typeof continueAsNew !== 'boolean') fail('continueAsNew', 'true or false');
  return {
    signal: signal as PaginationSignal,
    nextToken: normaliseToken(token as string | null),
    hasNext: flag('hasNext'),
    moreResultsAvailable: flag('moreResultsAvailable'),
    page: count('page'),
    items: count('items'),
    restarts: count('restarts'),
    polls: count('polls'),
    iterations: count('iterations'),
    // Absent in cursors written before the estimate existed: such a segment starts counting now.
    historyEvents: c.historyEvents === undefined ? 0 : count('historyEvents'),
    continueAsNew: continueAsNew as boolean,
    fetches: count('fetches'),
    written: count('written'),
    limit: limit as RunLimit | null,
    pacing: parsePacing(c.pacing, fail),
    // Absent in cursors written before pacing existed: no wait, none made.
    waitSeconds: c.waitSeconds === undefined ? 0 : count('waitSeconds'),
    waits: c.waits === undefined ? 0 : count('waits'),
    ...(c.sync === undefined ? {} : { sync: parseSyncProgress(c.sync, `${at}.sync`) }),
  };
}

/**
 * The cursor of a run that has not read a page yet; a source with a usage plan starts with a
 * full bucket.
 */
export function initialCursor(signal: PaginationSignal, usagePlan?: UsagePlan, now = new Date()): Cursor {
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
    historyEvents: 0,
    continueAsNew: false,
    fetches: 0,
    written: 0,
    limit: null,
    pacing: usagePlan ? initialPacing(usagePlan, now) : null,
    waitSeconds: 0,
    waits: 0,
  };
}
