/**
 * What every SP-API operation of the sandbox reads: its data's sizes and seed, the shared clock,
 * and its own token codec. Kept apart from the server so each operation file stands alone.
 */
import type { SandboxClock } from './clock';
import type { SpApiError } from './spapi-errors';
import type { SpApiTokenCodec } from './spapi-tokens';

/** The facts an operation answers from. */
export interface OperationContext {
  readonly seed: string;
  readonly clock: SandboxClock;
  /** The seller's marketplaces, in the order the sandbox lists them. */
  readonly marketplaceIds: readonly string[];
  readonly ordersPerMarketplace: number;
  readonly reportCount: number;
  readonly financialEventCount: number;
  /** Start of the UTC day before the sandbox started: reports and financial events are dated back from it. */
  readonly anchorMs: number;
  /** Seconds a listFinancialEvents token stays valid. */
  readonly financesTokenLifetimeSeconds: number;
  /** The codec sealing this operation's tokens. */
  readonly tokens: SpApiTokenCodec;
}

/** How an operation answers a call: the raw query string in, the 200 payload out (or an SpApiError thrown). */
export type OperationHandler = (search: string) => unknown;

/** Two minutes: how far before "now" the Orders and Finances APIs want every `*Before` date. */
export const TWO_MINUTES_MS = 120_000;

/**
 * The parameters a continuation must resend unchanged, as given (raw strings), so a mismatch
 * can be named. Compared by value, so `A,B` and `B,A` differ, as "the same values" says.
 */
export function boundValues(
  names: readonly string[],
  value: (name: string) => string | undefined,
): Record<string, string> {
  const bound: Record<string, string> = {};
  for (const name of names) {
    const text = value(name);
    if (text !== undefined) bound[name] = text;
  }
  return bound;
}

/** The names whose values differ between a token's origin call and this continuation. */
export function differingValues(origin: unknown, now: Record<string, string>): string[] {
  const before = typeof origin === 'object' && origin !== null ? (origin as Record<string, unknown>) : {};
  const names = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...names].filter((name) => before[name] !== now[name]).sort();
}

/** A token field that must be a non-negative integer; the undecodable answer otherwise. */
export function tokenInteger(state: Record<string, unknown>, field: string, fail: () => SpApiError): number {
  const value = state[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw fail();
  return value;
}

/** The 400 for a `*Before` date that is not at least two minutes in the past, or before its `*After`. */
export function checkWindow(
  invalid: (details: string) => SpApiError,
  now: number,
  after: { name: string; ms: number | undefined },
  before: { name: string; ms: number | undefined },
): number {
  const latest = now - TWO_MINUTES_MS;
  if (before.ms !== undefined && before.ms > latest) {
    throw invalid(`${before.name} must be at least two minutes before the time of the request.`);
  }
  const end = before.ms ?? latest;
  if (after.ms !== undefined && after.ms > end) {
    throw invalid(
      before.ms === undefined
        ? `${after.name} must be at least two minutes before the time of the request.`
        : `${before.name} must be equal to or after ${after.name}.`,
    );
  }
  return end;
}
