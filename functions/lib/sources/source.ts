import type { PaginationSignal } from '../cursor';
import type { UsagePlan } from '../pacing';

export type { UsagePlan } from '../pacing';

/** A page as the source returned it, before it is written. */
export interface SourcePage {
  readonly items: ReadonlyArray<Record<string, unknown>>;
  /** The token for the next call; null when absent or empty. */
  readonly nextToken: string | null;
  readonly hasNext: boolean | null;
  readonly moreResultsAvailable: boolean | null;
  /**
   * Requests per second the API says it allows now (SP-API's `x-amzn-RateLimit-Limit`), when
   * it said so: it replaces the usage plan's rate for the run.
   */
  readonly rateLimit?: number;
}

/** Which of the two operations a call is. */
export type CallKind = 'origin' | 'continuation';

/** One call the fetch loop asks a source to make. */
export interface SourceCall<P = unknown> {
  readonly kind: CallKind;
  /** The execution's params, as `parseParams` returned them. */
  readonly params: P;
  readonly pageSize: number;
  /** The token of the page before; set on a continuation call only. */
  readonly nextToken?: string;
}

/**
 * What an execution may ask of a source, without the client that calls it. Listed by name in
 * `catalog.ts`, which start-run and the HTTP API read: their bundles then carry no source's
 * SDK client. `P` is the validated shape of the execution's `params`.
 */
export interface SourceDescription<P = unknown> {
  /** The name an execution uses, e.g. `glue.getJobRuns`. */
  readonly name: string;
  readonly signal: PaginationSignal;
  /** Page-size bounds the API accepts, and the default used when the input gives none. */
  readonly pageSize: { readonly min: number; readonly max: number; readonly default: number };
  /** Validates `params` from the execution input; throws `InvalidInput` naming the field. */
  parseParams(params: unknown): P;
  /** The collection the items belong to: source plus its scope (e.g. the job name). */
  collection(params: P): string;
  /**
   * The API's quota: the run's calls are paced to it by the state machine ("Wait for quota"),
   * and a throttle becomes a wait. Absent: the source is not paced, and a throttle is retried
   * with backoff by the Task's Retry.
   */
  readonly usagePlan?: UsagePlan;
  /**
   * Seconds a continuation token stays valid. A token that would expire before the paced next
   * call restarts the pass from the origin call at once instead of wasting a call on it.
   */
  readonly tokenLifetimeSeconds?: number;
  /**
   * A continuation call answered with the very token it sent means "nothing more for now"
   * (CloudWatch Logs `GetLogEvents` at the end of a stream): the run polls with that token as
   * after MoreResultsAvailable=false, instead of failing as a token cycle.
   */
  readonly repeatedTokenMeansCaughtUp?: boolean;
}

/**
 * One paginated API: its description plus the calls. Registered by name in `registry.ts`,
 * which only fetch-page reads.
 */
export interface Source<P = unknown> extends SourceDescription<P> {
  /** Makes one call: the origin call of a pass, or a continuation carrying the token. */
  fetch(call: SourceCall<P>): Promise<SourcePage>;
  /** The item's natural key, unique within the collection. */
  itemKey(item: Record<string, unknown>): string;
  /**
   * Maps an SDK or HTTP error to what the state machine branches on: a bad token to
   * `NextTokenCorrupted`, a network failure to `SourceUnavailable`, a quota answer to a name in
   * `THROTTLE_ERROR_NAMES`; anything else is returned as it came so the API's own name and
   * message reach the execution.
   */
  mapError(error: unknown, call: CallKind): unknown;
}
