/**
 * Pacing a run to its API's quota. Amazon's quotas are token buckets (`burst` calls at once,
 * then `rate` per second); the Selling Partner API allows some operations one call per three
 * minutes, where throttling is the normal state, not a fault. Waiting is the state machine's
 * job: the cursor carries the run's bucket, the page-fetch function calls while a token is
 * left (sleeping at most about a second), and otherwise returns the seconds to wait, which the
 * "Wait for quota" state waits out at no Lambda cost.
 *
 * Pure arithmetic on plain data: the cursor, the run record and the history hold it as JSON.
 */

/**
 * An API's quota as a token bucket: `burst` calls at once, then `rate` calls per second.
 * The state machine paces a run to it: waiting is free in a Standard workflow.
 */
export interface UsagePlan {
  readonly rate: number;
  readonly burst: number;
}

/** The run's token bucket, as the cursor carries it. */
export interface Pacing {
  /** Calls left in the bucket as of `at` (fractional while it refills). */
  readonly tokens: number;
  /** When `tokens` was counted (ISO-8601). */
  readonly at: string;
  /** Calls per second the run believes it may make: the plan's, the API's header, or lowered after a throttle. */
  readonly rate: number;
  readonly burst: number;
  /** Quota answers (HTTP 429) the run has had; after one, a header's rate is taken only when lower. */
  readonly throttles: number;
  /** When the next call may go (ISO-8601), while the run waits for quota; null otherwise. */
  readonly nextCallAt: string | null;
  /** When the cursor's token expires (ISO-8601), for sources that declare a token lifetime; null otherwise. */
  readonly tokenExpiresAt: string | null;
}

/** Longest the page-fetch function sleeps for quota itself; longer waits are the state machine's. */
export const MAX_SLEEP_MS = 1000;

/** A throttle multiplies the run's rate by this: a drain converges below the real quota. */
export const THROTTLE_RATE_FACTOR = 0.8;

/** The slowest rate a run keeps after throttles (one call a day): a wait is never unbounded. */
const MIN_RATE = 1 / 86_400;

/** A token is not sent when it expires within this of the call: the call would be wasted. */
export const TOKEN_EXPIRY_MARGIN_MS = 5000;

/** A full bucket for a run that starts now. */
export function initialPacing(plan: UsagePlan, now: Date): Pacing {
  return {
    tokens: plan.burst,
    at: now.toISOString(),
    rate: plan.rate,
    burst: plan.burst,
    throttles: 0,
    nextCallAt: null,
    tokenExpiresAt: null,
  };
}

/** The bucket at `now`: refilled at `rate` since `at`, never above `burst`. */
export function refill(pacing: Pacing, now: Date): Pacing {
  const elapsed = Math.max(0, now.getTime() - Date.parse(pacing.at)) / 1000;
  return {
    ...pacing,
    tokens: Math.min(pacing.burst, pacing.tokens + elapsed * pacing.rate),
    at: now.toISOString(),
  };
}

/**
 * Margin a paced call keeps after the moment the bucket allows it: the API counts from when a
 * request arrives, and arrivals jitter by the requests' own latency. 1% of the interval, at
 * least 50 ms and at most a second. It shifts the calls, it does not slow them: the bucket
 * keeps counting from the real time, so the surplus carries over to the next call.
 */
export function safetyMarginMs(rate: number): number {
  return Math.min(1000, Math.max(50, 10 / rate));
}

/**
 * Milliseconds until a call may go at `now`: at once while the bucket holds a whole call as of
 * its last count, otherwise the margin after the moment it refills to one.
 */
export function msUntilCall(pacing: Pacing, now: Date): number {
  const { tokens, rate, at } = pacing;
  if (tokens >= 1) return 0;
  const readyAt = Date.parse(at) + ((1 - tokens) / rate) * 1000 + safetyMarginMs(rate);
  return Math.max(0, Math.ceil(readyAt - now.getTime()));
}

/** The bucket after a call made at `now`; the caller has waited until one was there. */
export function takeCall(pacing: Pacing, now: Date): Pacing {
  const filled = refill(pacing, now);
  return { ...filled, tokens: Math.max(0, filled.tokens - 1), nextCallAt: null };
}

/**
 * The bucket after an answer that said what rate the API allows (`x-amzn-RateLimit-Limit`): it
 * replaces the rate, unless the run has been throttled and the header is higher (a header can
 * be optimistic; taking it back would alternate 429s and waits instead of converging).
 */
export function afterRateLimit(pacing: Pacing, rateLimit: number | undefined): Pacing {
  if (rateLimit === undefined || !Number.isFinite(rateLimit) || rateLimit <= 0) return pacing;
  const rate = pacing.throttles > 0 ? Math.min(pacing.rate, rateLimit) : rateLimit;
  return rate === pacing.rate ? pacing : { ...pacing, rate };
}

/** The bucket after the API answered "quota exceeded" at `now`: empty, and the rate lowered. */
export function afterThrottle(pacing: Pacing, now: Date): Pacing {
  return {
    ...pacing,
    tokens: 0,
    at: now.toISOString(),
    rate: Math.max(MIN_RATE, pacing.rate * THROTTLE_RATE_FACTOR),
    throttles: pacing.throttles + 1,
  };
}

/** Whether a token that expires at `tokenExpiresAt` would be dead by a call `waitMs` from `now`. */
export function expiresBefore(pacing: Pacing, now: Date, waitMs: number): boolean {
  if (pacing.tokenExpiresAt === null) return false;
  return now.getTime() + waitMs + TOKEN_EXPIRY_MARGIN_MS >= Date.parse(pacing.tokenExpiresAt);
}

/**
 * Splits a wait of `ms` between the state machine and the Lambda: the "Wait for quota" state
 * waits whole seconds (ASL's SecondsPath takes integers), and the remainder (under a second) is
 * slept by the next invocation, which finds it by counting the bucket again.
 */
export function waitSecondsFor(ms: number): number {
  return ms > MAX_SLEEP_MS ? Math.floor(ms / 1000) : 0;
}

/** Parses a cursor's `pacing` that came from outside the code; `fail` names the field. */
export function parsePacing(raw: unknown, fail: (field: string, allowed: string) => never): Pacing | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail('pacing', 'null or a token bucket object');
  const p = raw as Record<string, unknown>;
  const positive = (field: string): number => {
    const value = p[field];
    return typeof value === 'number' && Number.isFinite(value) && value > 0
      ? value
      : fail(`pacing.${field}`, 'a number > 0');
  };
  const time = (field: string, nullable: boolean): string | null => {
    const value = p[field];
    if (nullable && value === null) return null;
    return typeof value === 'string' && !Number.isNaN(Date.parse(value))
      ? value
      : fail(`pacing.${field}`, nullable ? 'an ISO-8601 time or null' : 'an ISO-8601 time');
  };
  const tokens = p.tokens;
  const throttles = p.throttles;
  return {
    tokens:
      typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0
        ? tokens
        : fail('pacing.tokens', 'a number ≥ 0'),
    at: time('at', false) as string,
    rate: positive('rate'),
    burst: positive('burst'),
    throttles:
      typeof throttles === 'number' && Number.isSafeInteger(throttles) && throttles >= 0
        ? throttles
        : fail('pacing.throttles', 'a whole number ≥ 0'),
    nextCallAt: time('nextCallAt', true),
    tokenExpiresAt: time('tokenExpiresAt', true),
  };
}
