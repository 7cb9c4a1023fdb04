/**
 * Sandbox marketplace API shaped like Amazon's Selling Partner API: JSON over
 * `POST`, SP-API `{"errors": [...]}` bodies, and three operation families that
 * each say "there is more" in a different way (see docs/design.md, "The three
 * ways an API says there is more"):
 *
 * - Orders (`/orders/ListOrders`, `/orders/ListOrdersByNextToken`): a `NextToken`
 *   in the response means more; none means done. Newest first.
 * - Reports (`/reports/GetReportList`, `/reports/GetReportListByNextToken`):
 *   `HasNext` says whether to continue; the token appears only when it is true.
 *   Newest first.
 * - Customers (`/customers/ListCustomers`, `/customers/ListCustomersByNextToken`):
 *   an append-only feed, oldest first. `NextToken` is always present so a client
 *   can poll later; `MoreResultsAvailable=false` means "caught up for now".
 *
 * Items are synthesised on demand from `sha256(seed#family#index)`, so families
 * with 100k+ items cost nothing until a page is read, and every item is identical
 * across restarts. Fault switches (throttling, 500s, corrupted tokens, pages that
 * contradict themselves, latency) let tests and the local CLI exercise the retry
 * and restart paths of the drain loop.
 *
 * Run standalone: `npx tsx local/sandbox/marketplace.ts --port 4600 --latency-ms 20`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { closeServer, createJsonServer, listen, ProtocolError, parseJsonBody, readBody } from '../aws-json';
import {
  Countdown,
  checkCount,
  closeOnSignals,
  createTokenCodec,
  randomSecret,
  recordRequest,
  resetRequestStats,
  runIfMain,
  serverArgOptions,
  serverOptionsFrom,
  sha256,
} from './common';

/** Options for {@link startMarketplaceSandbox}. */
export interface MarketplaceSandboxOptions {
  /** Number of orders. Default {@link DEFAULT_ORDER_COUNT} (1234). */
  orders?: number;
  /** Number of reports. Default {@link DEFAULT_REPORT_COUNT} (321). */
  reports?: number;
  /** Number of customers at start; grow it with `addCustomers`. Default {@link DEFAULT_CUSTOMER_COUNT} (150). */
  customers?: number;
  /** Marketplaces the sandbox knows; any other id answers 404 NotFound. Default `["ATVPDKIKX0DER"]`. */
  marketplaceIds?: string[];
  /** Delay added to every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** When set, every request must carry header `x-amz-access-token` with this value, else 403. */
  accessToken?: string;
  /** Varies the synthetic data: the same seed always yields the same items. Default `pagewalk`. */
  seed?: string;
  /**
   * Secret that signs NextTokens. Defaults to random bytes per sandbox, so a
   * token minted by one sandbox is rejected by another.
   */
  tokenSecret?: string;
  /** Interface to bind. Default 127.0.0.1 (never exposed beyond the machine). */
  host?: string;
  /** Port to bind; 0 (default) picks an ephemeral port. */
  port?: number;
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

/** A running sandbox marketplace API. */
export interface MarketplaceSandbox {
  /** Base URL, e.g. `http://127.0.0.1:54321`; operations live at `${url}/orders/ListOrders` etc. */
  readonly url: string;
  readonly port: number;
  readonly stats: MarketplaceSandboxStats;
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
  setLatency(ms: number): void;
  /** Every order id, newest first (the order ListOrders returns them). */
  orderIds(): string[];
  /** Every report id, newest first (the order GetReportList returns them). */
  reportIds(): string[];
  /** Every customer id, oldest first (the order ListCustomers returns them). */
  customerIds(): string[];
  /** Current number of customers, including those added with `addCustomers`. */
  customerCount(): number;
  resetStats(): void;
  close(): Promise<void>;
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
/** Timestamp of item 0 of every family: 2024-01-01T00:00:00Z, in epoch milliseconds. */
export const BASE_EPOCH_MS = Date.UTC(2024, 0, 1);

// Spacing between consecutive items. Jitter stays below the spacing, so dates
// strictly follow the index and "newest first" is also "latest date first".
// Kept small enough that 100k items stay within a few years of the base date.
const ORDER_INTERVAL_MS = 15 * 60_000;
const REPORT_INTERVAL_MS = 6 * 3600_000;
const CUSTOMER_INTERVAL_MS = 30 * 60_000;

const JSON_CONTENT_TYPE = 'application/json';

type Family = 'orders' | 'reports' | 'customers';

interface Operation {
  name: string;
  family: Family;
  /** True for the ByNextToken operations, which take only a NextToken. */
  continuation: boolean;
}

const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ['/orders/ListOrders', { name: 'ListOrders', family: 'orders', continuation: false }],
  ['/orders/ListOrdersByNextToken', { name: 'ListOrdersByNextToken', family: 'orders', continuation: true }],
  ['/reports/GetReportList', { name: 'GetReportList', family: 'reports', continuation: false }],
  [
    '/reports/GetReportListByNextToken',
    { name: 'GetReportListByNextToken', family: 'reports', continuation: true },
  ],
  ['/customers/ListCustomers', { name: 'ListCustomers', family: 'customers', continuation: false }],
  [
    '/customers/ListCustomersByNextToken',
    { name: 'ListCustomersByNextToken', family: 'customers', continuation: true },
  ],
]);

/** An order as the sandbox serialises it (a subset of the SP-API Orders v0 `Order`). */
export interface WireOrder {
  AmazonOrderId: string;
  PurchaseDate: string;
  LastUpdateDate: string;
  OrderStatus: string;
  FulfillmentChannel: 'AFN' | 'MFN';
  SalesChannel: string;
  ShipServiceLevel: string;
  OrderTotal: { CurrencyCode: string; Amount: string };
  NumberOfItemsShipped: number;
  NumberOfItemsUnshipped: number;
  PaymentMethod: string;
  MarketplaceId: string;
  OrderType: string;
  IsPrime: boolean;
  IsBusinessOrder: boolean;
}

/** A report as GetReportList lists it. */
export interface WireReport {
  ReportId: string;
  ReportRequestId: string;
  ReportType: string;
  AvailableDate: string;
  Acknowledged: boolean;
}

/** A customer as ListCustomers lists it. */
export interface WireCustomer {
  CustomerId: string;
  PrimaryContactInfo: { FullName: string; EmailAddress: string };
  DateCreated: string;
}

// Sales channel and currency of the marketplaces a test is likely to configure;
// any other configured id is served as if it were the US marketplace.
const MARKETPLACES: Record<string, { channel: string; currency: string }> = {
  ATVPDKIKX0DER: { channel: 'Amazon.com', currency: 'USD' },
  A2EUQ1WTGCTBG2: { channel: 'Amazon.ca', currency: 'CAD' },
  A1AM78C64UM0Y8: { channel: 'Amazon.com.mx', currency: 'MXN' },
  A1F83G8C2ARO7P: { channel: 'Amazon.co.uk', currency: 'GBP' },
  A1PA6795UKMFR9: { channel: 'Amazon.de', currency: 'EUR' },
  A1VC38T7YXB528: { channel: 'Amazon.co.jp', currency: 'JPY' },
};

const ORDER_STATUSES = [
  'Shipped',
  'Shipped',
  'Shipped',
  'Unshipped',
  'PartiallyShipped',
  'Canceled',
] as const;
const SHIP_SERVICE_LEVELS = ['Std US D2D Dom', 'Expedited', 'SecondDay', 'NextDay'] as const;
const REPORT_TYPES = [
  '_GET_FLAT_FILE_OPEN_LISTINGS_DATA_',
  '_GET_MERCHANT_LISTINGS_DATA_',
  '_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_',
  '_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_',
  '_GET_AFN_INVENTORY_DATA_',
] as const;
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
  'Lee',
];

/** `width` decimal digits drawn from the first 8 bytes of a digest. */
function digits(digest: Buffer, width: number): string {
  return (digest.readBigUInt64BE(0) % 10n ** BigInt(width)).toString().padStart(width, '0');
}

/** ISO-8601 without milliseconds, the way SP-API writes timestamps. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const pick = <T>(list: readonly T[], byte: number): T => list[byte % list.length] as T;

function orderIdOf(seed: string, index: number): string {
  // Real order ids start with 1; the 16 digits after it make collisions negligible at 100k orders.
  const d = `1${digits(sha256(`${seed}#orders#${index}`), 16)}`;
  return `${d.slice(0, 3)}-${d.slice(3, 10)}-${d.slice(10)}`;
}

function reportIdOf(seed: string, index: number): string {
  // A leading non-zero digit keeps the id the same length if a client parses it as a number.
  const digest = sha256(`${seed}#reports#${index}`);
  return `${1 + ((digest[8] ?? 0) % 9)}${digits(digest, 13)}`;
}

function customerIdOf(seed: string, index: number): string {
  return `C${sha256(`${seed}#customers#${index}`).subarray(0, 8).toString('hex')}`;
}

/**
 * Builds order `index` (0 = oldest) in `marketplaceId`. Pure function of its
 * inputs, so pages can be generated lazily and re-reads always agree.
 */
export function synthesizeOrder(index: number, marketplaceId: string, seed = 'pagewalk'): WireOrder {
  // A second digest keeps the attributes independent of the bytes that form the id.
  const attrs = sha256(`${seed}#orders#${index}#attributes`);
  const byte = (i: number): number => attrs[i] ?? 0;
  const market = MARKETPLACES[marketplaceId] ?? { channel: 'Amazon.com', currency: 'USD' };
  // Whole seconds within the interval, so purchase dates never overtake the next order's.
  const jitterMs = (((byte(0) << 8) | byte(1)) % (ORDER_INTERVAL_MS / 1000)) * 1000;
  const purchasedMs = BASE_EPOCH_MS + index * ORDER_INTERVAL_MS + jitterMs;
  const status = pick(ORDER_STATUSES, byte(2));
  const items = 1 + (byte(3) % 4);
  const shipped = status === 'Shipped' ? items : status === 'PartiallyShipped' ? Math.max(1, items - 1) : 0;
  const cents = status === 'Canceled' ? 0 : 199 + (((byte(4) << 8) | byte(5)) % 25_000);
  return {
    AmazonOrderId: orderIdOf(seed, index),
    PurchaseDate: isoSeconds(purchasedMs),
    LastUpdateDate: isoSeconds(purchasedMs + (1 + (byte(6) % 72)) * 3600_000),
    OrderStatus: status,
    FulfillmentChannel: byte(7) % 3 === 0 ? 'MFN' : 'AFN',
    SalesChannel: market.channel,
    ShipServiceLevel: pick(SHIP_SERVICE_LEVELS, byte(8)),
    OrderTotal: { CurrencyCode: market.currency, Amount: (cents / 100).toFixed(2) },
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: status === 'Canceled' ? 0 : items - shipped,
    PaymentMethod: 'Other',
    MarketplaceId: marketplaceId,
    OrderType: 'StandardOrder',
    IsPrime: byte(9) % 2 === 0,
    IsBusinessOrder: byte(10) % 10 === 0,
  };
}

/** Builds report `index` (0 = oldest). Pure, like {@link synthesizeOrder}. */
export function synthesizeReport(index: number, seed = 'pagewalk'): WireReport {
  const attrs = sha256(`${seed}#reports#${index}#attributes`);
  return {
    ReportId: reportIdOf(seed, index),
    ReportRequestId: digits(attrs, 11),
    ReportType: pick(REPORT_TYPES, attrs[8] ?? 0),
    // At most 255 minutes of jitter: well inside the 6-hour spacing, so dates keep index order.
    AvailableDate: isoSeconds(BASE_EPOCH_MS + index * REPORT_INTERVAL_MS + (attrs[9] ?? 0) * 60_000),
    // Nothing in the sandbox acknowledges reports, so every listed report is still unacknowledged.
    Acknowledged: false,
  };
}

/** Builds customer `index` (0 = oldest). Pure, like {@link synthesizeOrder}. */
export function synthesizeCustomer(index: number, seed = 'pagewalk'): WireCustomer {
  const attrs = sha256(`${seed}#customers#${index}#attributes`);
  const first = pick(FIRST_NAMES, attrs[0] ?? 0);
  const last = pick(LAST_NAMES, attrs[1] ?? 0);
  return {
    CustomerId: customerIdOf(seed, index),
    PrimaryContactInfo: {
      FullName: `${first} ${last}`,
      // The hex suffix keeps addresses unique even though names repeat.
      EmailAddress: `${first}.${last}.${attrs.subarray(2, 5).toString('hex')}@example.com`.toLowerCase(),
    },
    // At most ~21 minutes of jitter: inside the 30-minute spacing, so dates keep index order.
    DateCreated: isoSeconds(BASE_EPOCH_MS + index * CUSTOMER_INTERVAL_MS + (attrs[5] ?? 0) * 5_000),
  };
}

const invalidInput = (message: string): ProtocolError => new ProtocolError('InvalidInput', message);
const invalidToken = (): ProtocolError => invalidInput('Invalid NextToken');

/** Parsed, verified contents of a NextToken. */
interface TokenState {
  /** Marketplace the drain started in ('' for reports, which have none). */
  marketplaceId: string;
  /** Index of the next item to serve (walking down for orders/reports, up for customers). */
  position: number;
  /** Page size of the origin call: ByNextToken takes no MaxResults, so the token carries it. */
  pageSize: number;
}

/** Starts a sandbox marketplace API; resolves once it is listening. */
export async function startMarketplaceSandbox(
  options: MarketplaceSandboxOptions = {},
): Promise<MarketplaceSandbox> {
  const orderCount = checkCount(options.orders ?? DEFAULT_ORDER_COUNT, 'orders');
  const reportCount = checkCount(options.reports ?? DEFAULT_REPORT_COUNT, 'reports');
  let customerCount = checkCount(options.customers ?? DEFAULT_CUSTOMER_COUNT, 'customers');
  const marketplaceIds = new Set(options.marketplaceIds ?? [DEFAULT_MARKETPLACE_ID]);
  if (marketplaceIds.size === 0) throw new RangeError('marketplaceIds must name at least one marketplace');
  let latencyMs = checkCount(options.latencyMs ?? 0, 'latencyMs');
  const seed = options.seed ?? 'pagewalk';
  const tokenSecret = options.tokenSecret ?? randomSecret();
  const requestLogLimit = options.requestLogLimit ?? 1000;
  // Compare digests so the check takes the same time whatever the length of the guess.
  const accessTokenDigest = options.accessToken === undefined ? undefined : sha256(options.accessToken);
  const throttles = new Countdown('throttleNext');
  let throttleCode: ThrottleCode = 'RequestThrottled';
  const failures = new Countdown('failNext');
  const corruptions = new Countdown('corruptNextTokens');
  const contradictions = new Countdown('contradictNext');

  const stats: MarketplaceSandboxStats = { calls: 0, byOperation: {}, throttled: 0, errors: 0, requests: [] };

  const tokens = createTokenCodec(() => tokenSecret);

  // Keyset tokens: the position is an item index, never an offset from the
  // newest item, so appending items never shifts a drain already in flight.
  const encodeToken = (family: Family, state: TokenState): string =>
    tokens.encode({ v: 1, f: family, m: state.marketplaceId, n: state.position, s: state.pageSize });

  const decodeToken = (token: string, family: Family): TokenState => {
    const parsed = tokens.decode(token, invalidToken);
    const { f, m, n, s } = (parsed ?? {}) as { f?: unknown; m?: unknown; n?: unknown; s?: unknown };
    // Orders and reports tokens point at an item still to serve; a customers
    // token may sit one past the newest customer (caught up, waiting for more).
    const limit =
      family === 'orders' ? orderCount - 1 : family === 'reports' ? reportCount - 1 : customerCount;
    const marketOk = family === 'reports' ? m === '' : typeof m === 'string' && marketplaceIds.has(m);
    if (
      f !== family ||
      !marketOk ||
      !Number.isInteger(n) ||
      (n as number) < 0 ||
      (n as number) > limit ||
      !Number.isInteger(s) ||
      (s as number) < 1 ||
      (s as number) > MAX_PAGE_SIZE
    ) {
      throw invalidToken();
    }
    return { marketplaceId: m as string, position: n as number, pageSize: s as number };
  };

  const pageSizeOf = (body: Record<string, unknown>, field: 'MaxResults' | 'MaxCount'): number => {
    const value = body[field];
    if (value === undefined || value === null) return DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_PAGE_SIZE) {
      throw invalidInput(
        `${field} must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${JSON.stringify(value)}`,
      );
    }
    return value as number;
  };

  const marketplaceOf = (body: Record<string, unknown>): string => {
    const id = body.MarketplaceId;
    if (typeof id !== 'string' || id === '') throw invalidInput('MarketplaceId is required');
    if (!marketplaceIds.has(id)) throw new ProtocolError('NotFound', `Marketplace ${id} not found`, 404);
    return id;
  };

  /** Reads the continuation state of a ByNextToken call, honouring the corruption switch. */
  const continuationOf = (body: Record<string, unknown>, family: Family): TokenState => {
    if (corruptions.take()) throw invalidToken();
    const token = body.NextToken;
    if (typeof token !== 'string' || token === '') throw invalidInput('NextToken is required');
    return decodeToken(token, family);
  };

  const listOrders = (state: TokenState): unknown => {
    const { marketplaceId, position, pageSize } = state;
    const end = Math.max(position - pageSize, -1);
    const Orders: WireOrder[] = [];
    for (let i = position; i > end; i--) Orders.push(synthesizeOrder(i, marketplaceId, seed));
    // No token once the oldest order has been served: token presence is the only signal.
    return end >= 0 ? { Orders, NextToken: encodeToken('orders', { ...state, position: end }) } : { Orders };
  };

  const getReportList = (state: TokenState): unknown => {
    const { position, pageSize } = state;
    const end = Math.max(position - pageSize, -1);
    const ReportInfo: WireReport[] = [];
    for (let i = position; i > end; i--) ReportInfo.push(synthesizeReport(i, seed));
    if (contradictions.take()) return { ReportInfo, HasNext: true };
    return end >= 0
      ? { ReportInfo, HasNext: true, NextToken: encodeToken('reports', { ...state, position: end }) }
      : { ReportInfo, HasNext: false };
  };

  const listCustomers = (state: TokenState): unknown => {
    const { marketplaceId, position, pageSize } = state;
    const end = Math.min(position + pageSize, customerCount);
    const Customers: WireCustomer[] = [];
    for (let i = position; i < end; i++) Customers.push(synthesizeCustomer(i, seed));
    // The token is always handed out, even when caught up: polling it later
    // returns the customers appended since, which is the point of this family.
    return {
      Customers,
      NextToken: encodeToken('customers', { marketplaceId, position: end, pageSize }),
      MoreResultsAvailable: end < customerCount,
    };
  };

  const dispatch = (operation: Operation, body: Record<string, unknown>): unknown => {
    switch (operation.family) {
      case 'orders':
        return listOrders(
          operation.continuation
            ? continuationOf(body, 'orders')
            : {
                marketplaceId: marketplaceOf(body),
                position: orderCount - 1,
                pageSize: pageSizeOf(body, 'MaxResults'),
              },
        );
      case 'reports':
        return getReportList(
          operation.continuation
            ? continuationOf(body, 'reports')
            : { marketplaceId: '', position: reportCount - 1, pageSize: pageSizeOf(body, 'MaxCount') },
        );
      case 'customers':
        return listCustomers(
          operation.continuation
            ? continuationOf(body, 'customers')
            : { marketplaceId: marketplaceOf(body), position: 0, pageSize: pageSizeOf(body, 'MaxResults') },
        );
    }
  };

  const injectedFault = (): ProtocolError | undefined => {
    if (throttles.take()) {
      return throttleCode === 'QuotaExceeded'
        ? new ProtocolError('QuotaExceeded', 'You exceeded your quota for the requested resource.', 503)
        : new ProtocolError('RequestThrottled', 'Request is throttled.', 503);
    }
    if (failures.take()) {
      return new ProtocolError('InternalFailure', 'We encountered an internal error. Please try again.', 500);
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const rawBody = await readBody(req, () => invalidInput('Request body is too large'));
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const operation = req.method === 'POST' ? OPERATIONS.get(path) : undefined;
    const name = operation?.name ?? path;

    // A body that is not JSON is logged raw; it is rejected once auth and routing pass.
    const { body, parsed } = parseJsonBody(rawBody);
    recordRequest(stats, name, { path, body }, requestLogLimit);

    // Authentication comes first, as at a gateway: an unauthorised caller learns nothing about routes.
    if (accessTokenDigest) {
      const given = req.headers['x-amz-access-token'];
      if (typeof given !== 'string' || !timingSafeEqual(sha256(given), accessTokenDigest)) {
        throw new ProtocolError('Unauthorized', 'Access to requested resource is denied.', 403);
      }
    }
    if (!operation) {
      throw new ProtocolError('NotFound', `Resource ${req.method ?? ''} ${path} not found`, 404);
    }
    if (!parsed) throw invalidInput('Request body is not valid JSON');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidInput('Request body must be a JSON object');
    }
    const fault = injectedFault();
    if (fault) throw fault;
    return dispatch(operation, body as Record<string, unknown>);
  };

  const server = createJsonServer({
    contentType: JSON_CONTENT_TYPE,
    handle,
    onError: (error) => {
      const failure =
        error instanceof ProtocolError
          ? error
          : new ProtocolError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
      stats.errors++;
      if (failure.name === 'RequestThrottled' || failure.name === 'QuotaExceeded') stats.throttled++;
      return {
        status: failure.status,
        payload: { errors: [{ code: failure.name, message: failure.message }] },
      };
    },
    latencyMs: () => latencyMs,
  });
  const { port, url } = await listen(server, options.host, options.port);

  const ids = (
    count: number,
    idOf: (seed: string, index: number) => string,
    newestFirst: boolean,
  ): string[] => {
    const list: string[] = [];
    for (let i = 0; i < count; i++) list.push(idOf(seed, newestFirst ? count - 1 - i : i));
    return list;
  };

  return {
    url,
    port,
    stats,
    throttleNext: (n, code = 'RequestThrottled') => {
      throttles.arm(n);
      throttleCode = code;
    },
    failNext: (n) => failures.arm(n),
    corruptNextTokens: (n) => corruptions.arm(n),
    contradictNext: (n) => contradictions.arm(n),
    addCustomers: (n) => {
      customerCount += checkCount(n, 'addCustomers count');
    },
    setLatency: (ms) => {
      latencyMs = checkCount(ms, 'latencyMs');
    },
    orderIds: () => ids(orderCount, orderIdOf, true),
    reportIds: () => ids(reportCount, reportIdOf, true),
    customerIds: () => ids(customerCount, customerIdOf, false),
    customerCount: () => customerCount,
    resetStats: () => resetRequestStats(stats),
    close: () => closeServer(server),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...serverArgOptions('4600'),
      orders: { type: 'string' },
      reports: { type: 'string' },
      customers: { type: 'string' },
      // Repeatable; replaces the default marketplace when given.
      marketplace: { type: 'string', multiple: true },
      'access-token': { type: 'string' },
    },
  });
  const count = (text: string | undefined): number | undefined =>
    text === undefined ? undefined : Number(text);
  const sandbox = await startMarketplaceSandbox({
    ...serverOptionsFrom(values),
    orders: count(values.orders),
    reports: count(values.reports),
    customers: count(values.customers),
    marketplaceIds: values.marketplace && values.marketplace.length > 0 ? values.marketplace : undefined,
    accessToken: values['access-token'],
  });
  console.log(`Marketplace sandbox listening on ${sandbox.url}`);
  console.log(`  marketplaces: ${(values.marketplace ?? [DEFAULT_MARKETPLACE_ID]).join(', ')}`);
  const orders = count(values.orders) ?? DEFAULT_ORDER_COUNT;
  const reports = count(values.reports) ?? DEFAULT_REPORT_COUNT;
  console.log(`  orders: ${orders}, reports: ${reports}, customers: ${sandbox.customerCount()}`);
  if (values['access-token']) console.log('  requests must carry x-amz-access-token');
  closeOnSignals(sandbox);
}

runIfMain(import.meta.url, main);
