/**
 * What a caller of the marketplace sandbox sees: its options, its counters, the running
 * sandbox's switches, and the defaults it serves.
 */
import type { SandboxServer, SandboxServerOptions } from './server';

/** Options for {@link startMarketplaceSandbox}. */
export interface MarketplaceSandboxOptions extends SandboxServerOptions {
  /** Number of orders. Default {@link DEFAULT_ORDER_COUNT} (1234). */
  orders?: number;
  /** Number of reports. Default {@link DEFAULT_REPORT_COUNT} (321). */
  reports?: number;
  /** Number of customers at start; grow it with `addCustomers`. Default {@link DEFAULT_CUSTOMER_COUNT} (150). */
  customers?: number;
  /** Marketplaces the sandbox knows; any other id answers 404 NotFound. Default `["ATVPDKIKX0DER"]`. */
  marketplaceIds?: string[];
  /** When set, every request must carry header `x-amz-access-token` with this value, else 403. */
  accessToken?: string;
  /** Varies the synthetic data: the same seed always yields the same items. Default `pagewalk`. */
  seed?: string;
  /**
   * Secret that signs NextTokens. Defaults to random bytes per sandbox, so a
   * token minted by one sandbox is rejected by another.
   */
  tokenSecret?: string;
  /** How many recent requests `stats.requests` keeps. Default 1000. */
  requestLogLimit?: number;
}

/** Call counters and a log of recent request bodies, for assertions. */
export interface MarketplaceSandboxStats {
  /** Every HTTP request received, including rejected ones. */
  calls: number;
  /** Requests per operation name (e.g. `ListOrdersByNextToken`); unknown paths count under their path. */
  byOperation: Record<string, number>;
  /** Requests answered with 503 RequestThrottled or QuotaExceeded. */
  throttled: number;
  /** Requests answered with any non-2xx status. */
  errors: number;
  /** The most recent requests (oldest first), bounded by `requestLogLimit`. Bodies that are not JSON appear raw. */
  requests: Array<{ path: string; body: unknown }>;
}

/** The two throttling error codes SP-API uses. */
export type ThrottleCode = 'RequestThrottled' | 'QuotaExceeded';

/** A running sandbox marketplace API; operations live at `${url}/orders/ListOrders` etc. */
export interface MarketplaceSandbox extends SandboxServer<MarketplaceSandboxStats> {
  /** The next `n` calls (any operation) fail with 503 and the given code (default RequestThrottled). */
  throttleNext(n: number, code?: ThrottleCode): void;
  /** The next `n` calls (any operation) fail with 500 InternalFailure. */
  failNext(n: number): void;
  /** The next n ByNextToken calls (any family) answer 400 InvalidInput "Invalid NextToken", whatever token they carry. */
  corruptNextTokens(n: number): void;
  /** The next n report-list calls answer HasNext=true WITHOUT a NextToken (a self-contradicting page). */
  contradictNext(n: number): void;
  /** Appends `n` customers newer than every existing one; tokens already handed out then see them. */
  addCustomers(n: number): void;
  /** Every order id, newest first (the order ListOrders returns them). */
  orderIds(): string[];
  /** Every report id, newest first (the order GetReportList returns them). */
  reportIds(): string[];
  /** Every customer id, oldest first (the order ListCustomers returns them). */
  customerIds(): string[];
  /** Current number of customers, including those added with `addCustomers`. */
  customerCount(): number;
}

/** Number of orders when `orders` is not configured. */
export const DEFAULT_ORDER_COUNT = 1234;
/** Number of reports when `reports` is not configured. */
export const DEFAULT_REPORT_COUNT = 321;
/** Number of customers at start when `customers` is not configured. */
export const DEFAULT_CUSTOMER_COUNT = 150;
/** The US marketplace, the only one served when none are configured. */
export const DEFAULT_MARKETPLACE_ID = 'ATVPDKIKX0DER';
/** Page size when a request omits MaxResults / MaxCount. */
export const DEFAULT_PAGE_SIZE = 100;
/** Upper bound of MaxResults / MaxCount (valid range 1..100). */
export const MAX_PAGE_SIZE = 100;
