/**
 * SP-API's usage plans as token buckets, one per operation: `burst` calls at once, then `rate`
 * per second. A quota scale multiplies every rate (burst stays), so `quotaScale: 100` turns
 * searchOrders' one call per 3 minutes into one per 1.8 s: the same pacing, in seconds.
 */
import type { SandboxClock } from './clock';

/** The four operations the sandbox serves. */
export type SpApiOperation = 'searchOrders' | 'getOrders' | 'getReports' | 'listFinancialEvents';

/** A token bucket's shape: requests per second and calls at once. */
export interface UsagePlan {
  readonly rate: number;
  readonly burst: number;
}

/** The default usage plans, from each operation's "Usage Plan" table in Amazon's models. */
export const USAGE_PLANS: Readonly<Record<SpApiOperation, UsagePlan>> = Object.freeze({
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrders: { rate: 0.0167, burst: 20 },
  getReports: { rate: 0.0222, burst: 10 },
  listFinancialEvents: { rate: 0.5, burst: 30 },
});

/** The buckets of one selling partner. */
export interface Quota {
  /** Takes a token from the operation's bucket; false when it is empty (a 429). */
  take(operation: SpApiOperation): boolean;
  /** The operation's rate as `x-amzn-RateLimit-Limit` says it: the scaled rate, in requests per second. */
  rateLimit(operation: SpApiOperation): string;
  /** Empties every bucket, as a burst of another client of the same seller would. */
  drain(): void;
  /** Fills every bucket to its burst, as a long quiet spell would. */
  fill(): void;
}

/** Full buckets for every operation at `scale` times the plans' rates. */
export function createQuota(scale: number, clock: SandboxClock): Quota {
  if (!(Number.isFinite(scale) && scale > 0))
    throw new RangeError(`quotaScale must be a number > 0, got ${scale}`);
  const buckets = new Map<SpApiOperation, { tokens: number; at: number }>();
  const bucket = (operation: SpApiOperation) => {
    const plan = USAGE_PLANS[operation];
    const now = clock.now();
    const state = buckets.get(operation) ?? { tokens: plan.burst, at: now };
    state.tokens = Math.min(plan.burst, state.tokens + ((now - state.at) / 1000) * plan.rate * scale);
    state.at = now;
    buckets.set(operation, state);
    return state;
  };
  return {
    take: (operation) => {
      const state = bucket(operation);
      if (state.tokens < 1) return false;
      state.tokens -= 1;
      return true;
    },
    // Six significant digits: 0.0056 × 100 prints 0.56, not 0.5599999999999999.
    rateLimit: (operation) => String(Number((USAGE_PLANS[operation].rate * scale).toPrecision(6))),
    drain: () => {
      for (const operation of Object.keys(USAGE_PLANS) as SpApiOperation[]) bucket(operation).tokens = 0;
    },
    fill: () => {
      for (const operation of Object.keys(USAGE_PLANS) as SpApiOperation[]) {
        bucket(operation).tokens = USAGE_PLANS[operation].burst;
      }
    },
  };
}
