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
import { ProtocolError, parseJsonBody, readBody } from '../aws-json';
import { Countdown, checkCount, createTokenCodec, randomSecret, recordRequest, sha256 } from './common';
import {
  customerIdOf,
  orderIdOf,
  reportIdOf,
  synthesizeCustomer,
  synthesizeOrder,
  synthesizeReport,
  type WireCustomer,
  type WireOrder,
  type WireReport,
} from './marketplace-data';
import {
  emptyRequestStats,
  protocolErrorOf,
  runSandboxIfMain,
  serverArgOptions,
  serverOptionsFrom,
  startSandboxServer,
} from './server';

export * from './marketplace-data';

export * from './marketplace-types';

import {
  DEFAULT_CUSTOMER_COUNT,
  DEFAULT_MARKETPLACE_ID,
  DEFAULT_ORDER_COUNT,
  DEFAULT_PAGE_SIZE,
  DEFAULT_REPORT_COUNT,
  MAX_PAGE_SIZE,
  type MarketplaceSandbox,
  type MarketplaceSandboxOptions,
  type MarketplaceSandboxStats,
  type ThrottleCode,
} from './marketplace-types';

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

  const stats: MarketplaceSandboxStats = emptyRequestStats();

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

  const server = await startSandboxServer(options, stats, {
    contentType: JSON_CONTENT_TYPE,
    handle,
    onError: (error) => {
      const failure = protocolErrorOf(error, 'InternalFailure');
      if (failure.name === 'RequestThrottled' || failure.name === 'QuotaExceeded') stats.throttled++;
      return {
        status: failure.status,
        payload: { errors: [{ code: failure.name, message: failure.message }] },
      };
    },
  });

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
    ...server,
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
    orderIds: () => ids(orderCount, orderIdOf, true),
    reportIds: () => ids(reportCount, reportIdOf, true),
    customerIds: () => ids(customerCount, customerIdOf, false),
    customerCount: () => customerCount,
  };
}

runSandboxIfMain(import.meta.url, async () => {
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
  return sandbox;
});
