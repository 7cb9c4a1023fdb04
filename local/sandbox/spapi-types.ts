/**
 * What a caller of the SP-API sandbox sees: its options, its counters, the running sandbox's
 * switches, and the data it serves by default.
 */
import type { SandboxClock } from './clock';
import type { LwaAuthority } from './lwa-authority';
import type { SandboxServer, SandboxServerOptions } from './server';
import type { SpApiOperation } from './spapi-quota';

/** Options for {@link startSpApiSandbox}. */
export interface SpApiSandboxOptions extends SandboxServerOptions {
  /** Checks `x-amz-access-token`; share the LWA sandbox's so its tokens are accepted. Default: a fresh one (`sandbox.authority`). */
  authority?: LwaAuthority;
  /** Multiplies every usage plan's rate (burst stays). @default 1, Amazon's own quotas */
  quotaScale?: number;
  /** The seller's marketplaces. @default {@link DEFAULT_SPAPI_MARKETPLACE_IDS} */
  marketplaceIds?: string[];
  /** Orders per marketplace, one an hour from 2025-12-01. @default {@link DEFAULT_ORDERS_PER_MARKETPLACE} */
  ordersPerMarketplace?: number;
  /** Reports, one every 6 hours back from yesterday. @default {@link DEFAULT_SPAPI_REPORT_COUNT} */
  reports?: number;
  /** Financial events over the 60 days back from yesterday. @default {@link DEFAULT_FINANCIAL_EVENT_COUNT} */
  financialEvents?: number;
  /** Seconds a listFinancialEvents token stays valid. @default 180 */
  financesTokenLifetimeSeconds?: number;
  /** Varies the data: the same seed always yields the same items. @default 'pagewalk' */
  seed?: string;
  /** Signs continuation tokens. Default: random, so another sandbox's tokens are refused. */
  tokenSecret?: string;
  /** Default: the authority's clock, so access tokens and pagination tokens age together. */
  clock?: SandboxClock;
  /** How many recent requests `stats.requests` keeps. @default 1000 */
  requestLogLimit?: number;
}

/** One request as the sandbox saw it; never the access token itself. */
export interface SpApiRequestLog {
  /** The operation (e.g. `searchOrders`), or the path of an unknown one. */
  operation: string;
  method: string;
  path: string;
  /** The raw query string without `?`, exactly as it arrived (still URL-encoded). */
  query: string;
  /** What the access token was worth. */
  accessToken: 'valid' | 'missing' | 'expired' | 'invalid';
  /** The status answered. */
  status: number;
  /** When it arrived (epoch ms, real time, not the sandbox clock). */
  receivedAt: number;
}

/** Call counters and a log of recent requests, for assertions. */
export interface SpApiSandboxStats {
  calls: number;
  byOperation: Record<string, number>;
  /** 429 QuotaExceeded answers. */
  throttled: number;
  /** Non-2xx answers. */
  errors: number;
  requests: SpApiRequestLog[];
}

/** A running SP-API sandbox; its `url` is what `PAGEWALK_ENDPOINT_URL_SPAPI` points at. */
export interface SpApiSandbox extends SandboxServer<SpApiSandboxStats> {
  readonly authority: LwaAuthority;
  readonly clock: SandboxClock;
  readonly quotaScale: number;
  /** The next `n` calls (any operation, past authentication) answer 429 QuotaExceeded, whatever their bucket holds. */
  throttleNext(n: number): void;
  /** Empties every operation's bucket: the next calls wait for it to refill or get 429. */
  drainQuota(): void;
  /** Fills every operation's bucket to its burst. */
  fillQuota(): void;
  /** The next `n` calls answer 500 InternalFailure (or 503 ServiceUnavailable). */
  failNext(n: number, status?: 500 | 503): void;
  /** The next `n` continuation calls answer 400 InvalidInput "We could not decode your NextToken ...", whatever they carry. */
  corruptNextTokens(n: number): void;
  /**
   * Every item the operation answers for `params` (a first call's query parameters), drained
   * here without authentication or quota: the exact set a drain must end with.
   */
  items(operation: SpApiOperation, params: Record<string, string>): Array<Record<string, unknown>>;
}

/** The marketplaces served when none are configured: the US and Canada (one region, NA). */
export const DEFAULT_SPAPI_MARKETPLACE_IDS: readonly string[] = Object.freeze([
  'ATVPDKIKX0DER',
  'A2EUQ1WTGCTBG2',
]);
/**
 * Orders per marketplace: one an hour from 2025-12-01T00:00:00Z, so 2,756 of the US ones are
 * created after 2026-01-01: 28 pages of 100 for the README's `searchOrders` drain, 8 more
 * than its burst of 20.
 */
export const DEFAULT_ORDERS_PER_MARKETPLACE = 3500;
/** Reports (60 days at one every 6 hours): 24 pages at getReports' default page size of 10. */
export const DEFAULT_SPAPI_REPORT_COUNT = 240;
/** Financial events over 60 days: 12 full pages of 100, plus the empty pages between them. */
export const DEFAULT_FINANCIAL_EVENT_COUNT = 1200;
/** listFinancialEvents tokens live 3 minutes (the shortest lifetime sellers have reported). */
export const DEFAULT_FINANCES_TOKEN_LIFETIME_SECONDS = 180;
