import type { PaginationSignal } from '../cursor';

/** A page as the source returned it, before it is written. */
export interface SourcePage {
  readonly items: ReadonlyArray<Record<string, unknown>>;
  /** The token for the next call; null when absent or empty. */
  readonly nextToken: string | null;
  readonly hasNext: boolean | null;
  readonly moreResultsAvailable: boolean | null;
}

/** Which of the two operations a call is. */
export type CallKind = 'origin' | 'continuation';

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
}

/**
 * One paginated API: its description plus the calls. Registered by name in `registry.ts`,
 * which only fetch-page reads.
 */
export interface Source<P = unknown> extends SourceDescription<P> {
  /** The first call of a pass. */
  fetchOrigin(params: P, pageSize: number): Promise<SourcePage>;
  /** Every later call, carrying the token. */
  fetchContinuation(params: P, pageSize: number, nextToken: string): Promise<SourcePage>;
  /** The item's natural key, unique within the collection. */
  itemKey(item: Record<string, unknown>): string;
  /**
   * Maps an SDK or HTTP error to what the state machine branches on: a bad token to
   * `NextTokenCorrupted`, a network failure to `SourceUnavailable`; anything else is
   * returned as it came so the API's own name and message reach the execution.
   */
  mapError(error: unknown, call: CallKind): unknown;
}
