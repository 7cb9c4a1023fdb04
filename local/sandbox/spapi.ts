/**
 * A local Selling Partner API that speaks the real wire protocol of four operations, checked
 * against Amazon's published models (amzn/selling-partner-api-models):
 *
 *   GET /orders/2026-01-01/orders        searchOrders         (spapi-orders.ts)
 *   GET /orders/v0/orders                getOrders v0         (spapi-orders.ts)
 *   GET /reports/2021-06-30/reports      getReports           (spapi-reports.ts)
 *   GET /finances/v0/financialEvents     listFinancialEvents  (spapi-finances.ts)
 *
 * Every call needs a Login with Amazon access token in `x-amz-access-token` (403 Unauthorized
 * "Access to requested resource is denied." when it is missing, invalid or expired); every
 * operation has a token bucket at its usage plan (429 QuotaExceeded, which carries only
 * `x-amzn-RequestId`; 200 and 400 answers carry `x-amzn-RateLimit-Limit`, the scaled rate);
 * errors are `{"errors":[{"code","message","details"}]}`. Data is synthesised from a seed, so
 * any page is served without storing it. Fault switches: throttling, 5xx, corrupted tokens,
 * latency; a clock tests move to expire tokens.
 *
 * Run standalone: `npx tsx local/sandbox/spapi.ts --port 4610 --quota-scale 100`.
 */
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { CustomReply, fromThisMachine, readBody } from '../aws-json';
import { Countdown, checkCount, randomSecret, recordRequest } from './common';
import { createLwaAuthority } from './lwa-authority';
import {
  emptyRequestStats,
  runSandboxIfMain,
  serverArgOptions,
  serverOptionsFrom,
  startSandboxServer,
} from './server';
import type { OperationContext, OperationHandler } from './spapi-context';
import {
  EXPIRED_ACCESS_TOKEN,
  errorBody,
  INVALID_ACCESS_TOKEN,
  internalFailure,
  quotaExceeded,
  SpApiError,
  serviceUnavailable,
  unauthorized,
  undecodableToken,
} from './spapi-errors';
import { listFinancialEvents } from './spapi-finances';
import { getOrders, searchOrders } from './spapi-orders';
import { createQuota, type SpApiOperation } from './spapi-quota';
import { getReports } from './spapi-reports';
import { createSpApiTokenCodec } from './spapi-tokens';
import {
  DEFAULT_FINANCES_TOKEN_LIFETIME_SECONDS,
  DEFAULT_FINANCIAL_EVENT_COUNT,
  DEFAULT_ORDERS_PER_MARKETPLACE,
  DEFAULT_SPAPI_MARKETPLACE_IDS,
  DEFAULT_SPAPI_REPORT_COUNT,
  type SpApiRequestLog,
  type SpApiSandbox,
  type SpApiSandboxOptions,
  type SpApiSandboxStats,
} from './spapi-types';

export * from './spapi-types';

const DAY_MS = 24 * 3600_000;

/** Each operation's path, the query parameter its continuation token travels in, and its answer. */
const ROUTES: ReadonlyArray<{
  operation: SpApiOperation;
  path: string;
  tokenParam: string;
  make: (context: OperationContext) => OperationHandler;
  /** The items of a 200 answer, and the token it hands back. */
  page: (payload: unknown) => { items: Array<Record<string, unknown>>; nextToken?: string };
}> = [
  {
    operation: 'searchOrders',
    path: '/orders/2026-01-01/orders',
    tokenParam: 'paginationToken',
    make: searchOrders,
    page: (p) => {
      const { orders, pagination } = p as {
        orders: Array<Record<string, unknown>>;
        pagination?: { nextToken: string };
      };
      return { items: orders, nextToken: pagination?.nextToken };
    },
  },
  {
    operation: 'getOrders',
    path: '/orders/v0/orders',
    tokenParam: 'NextToken',
    make: getOrders,
    page: (p) => {
      const { payload } = p as { payload: { Orders: Array<Record<string, unknown>>; NextToken?: string } };
      return { items: payload.Orders, nextToken: payload.NextToken };
    },
  },
  {
    operation: 'getReports',
    path: '/reports/2021-06-30/reports',
    tokenParam: 'nextToken',
    make: getReports,
    page: (p) => {
      const { reports, nextToken } = p as { reports: Array<Record<string, unknown>>; nextToken?: string };
      return { items: reports, nextToken };
    },
  },
  {
    operation: 'listFinancialEvents',
    path: '/finances/v0/financialEvents',
    tokenParam: 'NextToken',
    make: listFinancialEvents,
    page: (p) => {
      const { payload } = p as {
        payload: { FinancialEvents: Record<string, Array<Record<string, unknown>>>; NextToken?: string };
      };
      return { items: Object.values(payload.FinancialEvents).flat(), nextToken: payload.NextToken };
    },
  },
];

/** Starts a local SP-API; resolves once it is listening. */
export async function startSpApiSandbox(options: SpApiSandboxOptions = {}): Promise<SpApiSandbox> {
  const authority = options.authority ?? createLwaAuthority({ clock: options.clock });
  const clock = options.clock ?? authority.clock;
  const quotaScale = options.quotaScale ?? 1;
  const quota = createQuota(quotaScale, clock);
  const marketplaceIds = [...(options.marketplaceIds ?? DEFAULT_SPAPI_MARKETPLACE_IDS)];
  if (marketplaceIds.length === 0) throw new RangeError('marketplaceIds must name at least one marketplace');
  const financialEventCount = checkCount(
    options.financialEvents ?? DEFAULT_FINANCIAL_EVENT_COUNT,
    'financialEvents',
  );
  const lifetime = options.financesTokenLifetimeSeconds ?? DEFAULT_FINANCES_TOKEN_LIFETIME_SECONDS;
  if (!(lifetime > 0)) throw new RangeError(`financesTokenLifetimeSeconds must be > 0, got ${lifetime}`);
  const tokenSecret = options.tokenSecret ?? randomSecret();
  const base = {
    seed: options.seed ?? 'pagewalk',
    clock,
    marketplaceIds,
    ordersPerMarketplace: checkCount(
      options.ordersPerMarketplace ?? DEFAULT_ORDERS_PER_MARKETPLACE,
      'ordersPerMarketplace',
    ),
    reportCount: checkCount(options.reports ?? DEFAULT_SPAPI_REPORT_COUNT, 'reports'),
    financialEventCount,
    anchorMs: Math.floor(clock.now() / DAY_MS) * DAY_MS - DAY_MS,
    financesTokenLifetimeSeconds: lifetime,
  };
  const handlers = new Map(
    ROUTES.map((route) => [
      route.operation,
      route.make({ ...base, tokens: createSpApiTokenCodec(tokenSecret, route.operation) }),
    ]),
  );
  const throttles = new Countdown('throttleNext');
  const failures = new Countdown('failNext');
  let failureStatus: 500 | 503 = 500;
  const corruptions = new Countdown('corruptNextTokens');
  const requestLogLimit = options.requestLogLimit ?? 1000;
  const stats: SpApiSandboxStats = emptyRequestStats();

  const answer = (
    entry: SpApiRequestLog,
    status: number,
    payload: unknown,
    headers?: Record<string, string>,
  ) => {
    entry.status = status;
    if (status >= 300) stats.errors++;
    if (status === 429) stats.throttled++;
    return new CustomReply({ status, payload, headers });
  };

  const handle = async (req: IncomingMessage): Promise<CustomReply> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = ROUTES.find((r) => r.path === url.pathname);
    const token = req.headers['x-amz-access-token'];
    const entry: SpApiRequestLog = {
      operation: route?.operation ?? url.pathname,
      method: req.method ?? '',
      path: url.pathname,
      query: url.search.slice(1),
      accessToken: authority.check(typeof token === 'string' ? token : undefined),
      status: 0,
      receivedAt: Date.now(),
    };
    recordRequest(stats, entry.operation, entry, requestLogLimit);
    const fail = (error: SpApiError, headers?: Record<string, string>) =>
      answer(entry, error.status, errorBody(error), headers);
    if (!fromThisMachine(req, options.host))
      return fail(unauthorized('Requests must come from this machine.'));
    try {
      await readBody(
        req,
        () =>
          new SpApiError(
            'RequestEntityTooLarge',
            'The request size exceeded the maximum accepted size.',
            413,
          ),
      );
    } catch (error) {
      return fail(error instanceof SpApiError ? error : internalFailure());
    }
    // Authentication comes first, as at Amazon's gateway: an unauthenticated caller learns nothing of routes.
    if (entry.accessToken !== 'valid') {
      const details = { missing: '', invalid: INVALID_ACCESS_TOKEN, expired: EXPIRED_ACCESS_TOKEN }[
        entry.accessToken
      ];
      return fail(unauthorized(details));
    }
    if (!route || req.method !== 'GET') {
      return fail(new SpApiError('NotFound', `Resource ${req.method ?? ''} ${url.pathname} not found.`, 404));
    }
    if (throttles.take() || !quota.take(route.operation)) return fail(quotaExceeded());
    if (failures.take()) return fail(failureStatus === 503 ? serviceUnavailable() : internalFailure());
    const rateLimit = { 'x-amzn-RateLimit-Limit': quota.rateLimit(route.operation) };
    try {
      if (url.searchParams.has(route.tokenParam) && corruptions.take()) throw undecodableToken();
      const payload = handlers.get(route.operation)?.(url.search);
      return answer(entry, 200, payload, rateLimit);
    } catch (error) {
      if (error instanceof SpApiError) return fail(error, error.status === 400 ? rateLimit : undefined);
      throw error;
    }
  };

  const server = await startSandboxServer(options, stats, {
    contentType: 'application/json',
    handle,
    // Only a bug in the sandbox lands here; it still answers in SP-API's shape.
    onError: (error) => {
      const failure = new SpApiError(
        'InternalFailure',
        error instanceof Error ? error.message : String(error),
        500,
      );
      return { status: 500, payload: errorBody(failure) };
    },
  });

  return {
    ...server,
    authority,
    clock,
    quotaScale,
    throttleNext: (n) => throttles.arm(n),
    drainQuota: () => quota.drain(),
    fillQuota: () => quota.fill(),
    failNext: (n, status = 500) => {
      failures.arm(n);
      failureStatus = status;
    },
    corruptNextTokens: (n) => corruptions.arm(n),
    items: (operation, params) => {
      const route = ROUTES.find((r) => r.operation === operation);
      const handler = handlers.get(operation);
      if (!route || !handler) throw new RangeError(`unknown operation ${operation}`);
      const items: Array<Record<string, unknown>> = [];
      let next: string | undefined;
      do {
        const query =
          next === undefined
            ? params
            : operation === 'getReports'
              ? { nextToken: next }
              : { ...params, [route.tokenParam]: next };
        const page = route.page(handler(`?${new URLSearchParams(query)}`));
        items.push(...page.items);
        next = page.nextToken;
      } while (next !== undefined);
      return items;
    },
  };
}

runSandboxIfMain(import.meta.url, async () => {
  const { values } = parseArgs({
    options: {
      ...serverArgOptions('4610'),
      'quota-scale': { type: 'string', default: '1' },
      // Repeatable; replaces the default marketplaces when given.
      marketplace: { type: 'string', multiple: true },
    },
  });
  const sandbox = await startSpApiSandbox({
    ...serverOptionsFrom(values),
    quotaScale: Number(values['quota-scale']),
    marketplaceIds: values.marketplace && values.marketplace.length > 0 ? values.marketplace : undefined,
  });
  console.log(`SP-API sandbox listening on ${sandbox.url} (quota scale ${sandbox.quotaScale})`);
  console.log(`  marketplaces: ${(values.marketplace ?? DEFAULT_SPAPI_MARKETPLACE_IDS).join(', ')}`);
  // A standalone sandbox has its own LWA authority: this is the one way to get a token for it.
  console.log(`  x-amz-access-token: ${sandbox.authority.issueAccessToken()}`);
  return sandbox;
});
