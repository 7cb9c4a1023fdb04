/**
 * The four SP-API sources drained on the local engine against the local SP-API, Login with
 * Amazon and Secrets Manager, exactly as deployed (the definitions in sources/, the real
 * handlers). Quotas run a million times Amazon's, so nothing waits here (spapi-pacing.test.ts
 * waits).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { causeMessage } from '../../functions/lib/errors';
import { logger } from '../../functions/lib/observability';
import type { LocalHandler, LocalHandlers } from '../../local/engine';
import type { LwaSandbox } from '../../local/sandbox/lwa';
import type { SpApiSandbox } from '../../local/sandbox/spapi';
import type { SpApiOperation } from '../../local/sandbox/spapi-quota';
import { REPORT_TYPES } from '../../local/sandbox/spapi-reports';
import { type Scenario, startScenario } from '../support/scenario';

const US = 'ATVPDKIKX0DER';
const CA = 'A2EUQ1WTGCTBG2';

let scenario: Scenario;
let spapi: SpApiSandbox;
let lwa: LwaSandbox;
beforeAll(async () => {
  scenario = await startScenario(
    {},
    {},
    { quotaScale: 1_000_000, ordersPerMarketplace: 150, reports: 60, financialEvents: 150 },
  );
  spapi = scenario.stack.spapi as SpApiSandbox;
  lwa = scenario.stack.lwa as LwaSandbox;
});
afterAll(() => scenario?.close());
beforeEach(() => {
  spapi.resetStats();
  lwa.resetStats();
});

/** Every stored row of a collection: its key and the item. */
async function storedRows(collection: string): Promise<Array<{ sk: string; item: Record<string, unknown> }>> {
  const rows: Array<{ sk: string; item: Record<string, unknown> }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await scenario.stack.documentClient.send(
      new QueryCommand({
        TableName: scenario.stack.tableName,
        KeyConditionExpression: 'pk = :c',
        ExpressionAttributeValues: { ':c': collection },
        ExclusiveStartKey: start,
      }),
    );
    for (const row of out.Items ?? []) rows.push({ sk: row.sk, item: row.item });
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}

/** The same multiset of items, compared as sorted JSON. */
const asSet = (items: ReadonlyArray<Record<string, unknown>>) => items.map((i) => JSON.stringify(i)).sort();

/** Calls the FetchPage handler through `before(invocation)` first: a test acts between two pages. */
function beforeEachFetch(before: (invocation: number) => void): Partial<LocalHandlers> {
  const fetchPage = scenario.handlers.FetchPageFunctionArn as LocalHandler;
  let invocations = 0;
  return {
    FetchPageFunctionArn: (event, context) => {
      invocations += 1;
      before(invocations);
      return fetchPage(event, context);
    },
  };
}

interface Drain {
  readonly source: string;
  readonly operation: SpApiOperation;
  readonly params: Record<string, string>;
  readonly pageSize: number;
  readonly key: string;
  readonly collection: string;
}

const DRAINS: Drain[] = [
  {
    source: 'spapi.orders',
    operation: 'searchOrders',
    params: { createdAfter: '2025-12-01T00:00:00Z', marketplaceIds: `${US},${CA}` },
    pageSize: 100,
    key: 'orderId',
    collection: `spapi.orders#2025-12-01T00:00:00Z#${US},${CA}`,
  },
  {
    source: 'spapi.ordersV0',
    operation: 'getOrders',
    params: { CreatedAfter: '2025-12-01T00:00:00Z', MarketplaceIds: US },
    pageSize: 50,
    key: 'AmazonOrderId',
    collection: `spapi.ordersV0#2025-12-01T00:00:00Z#${US}`,
  },
  {
    source: 'spapi.reports',
    operation: 'getReports',
    params: { reportTypes: REPORT_TYPES.join(',') },
    pageSize: 10,
    key: 'reportId',
    collection: `spapi.reports#${REPORT_TYPES.join(',')}`,
  },
];

/** The query of each call the sandbox answered for `operation`, decoded once. */
const queries = (operation: string) =>
  spapi.stats.requests.filter((r) => r.operation === operation).map((r) => new URLSearchParams(r.query));

describe('a drain of an SP-API source', () => {
  it.each(DRAINS)('$source ends with exactly the items the API holds', async (drain) => {
    const expected = spapi.items(drain.operation, drain.params);
    const result = await scenario.execute({
      source: drain.source,
      params: drain.params,
      options: { pageSize: drain.pageSize },
    });

    expect(result.output).toMatchObject({ status: 'succeeded', items: expected.length });
    expect(expected.length).toBeGreaterThan(2 * drain.pageSize);
    expect(await scenario.storedKeys(drain.collection)).toEqual(
      expected.map((i) => String(i[drain.key])).sort(),
    );
    expect(spapi.stats.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('spapi.financialEvents ends with exactly the events, each under its list, empty pages included', async () => {
    const expected = spapi.items('listFinancialEvents', {});
    const result = await scenario.execute({
      source: 'spapi.financialEvents',
      params: {},
      options: { pageSize: 20 },
    });

    expect(result.output).toMatchObject({ status: 'succeeded', items: expected.length });
    const rows = await storedRows('spapi.financialEvents');
    const lists = new Set(rows.map((row) => row.item.FinancialEventList));
    expect(lists).toEqual(new Set(['ShipmentEventList', 'RefundEventList']));
    expect(asSet(rows.map(({ item: { FinancialEventList, ...event } }) => event))).toEqual(asSet(expected));
    // Some page in the middle held no event at all, and the run went on past it.
    const pages = (result.output as { pages: number }).pages;
    expect(pages).toBeGreaterThan(Math.ceil(expected.length / 20));
  });

  it('continues getReports with nextToken as the only parameter, and searchOrders with every original one', async () => {
    await scenario.execute({
      source: 'spapi.reports',
      params: { reportTypes: REPORT_TYPES.slice(0, 3).join(',') },
      options: { pageSize: 5 },
    });
    await scenario.execute({
      source: 'spapi.orders',
      params: { lastUpdatedAfter: '2025-12-01T00:00:00Z', fulfilledBy: 'MERCHANT,AMAZON' },
      options: { pageSize: 50 },
    });

    const [reportsOrigin, ...reportsNext] = queries('getReports');
    expect(reportsOrigin?.has('reportTypes')).toBe(true);
    expect(reportsNext.length).toBeGreaterThan(1);
    for (const query of reportsNext) expect([...query.keys()]).toEqual(['nextToken']);

    const [ordersOrigin, ...ordersNext] = queries('searchOrders');
    expect(ordersNext.length).toBeGreaterThan(1);
    for (const query of ordersNext) {
      for (const name of ['lastUpdatedAfter', 'fulfilledBy', 'maxResultsPerPage']) {
        expect(query.get(name)).toBe(ordersOrigin?.get(name));
      }
      expect(query.get('paginationToken')).toBeTruthy();
    }
  });

  it('sends tokens holding +, / and = URL-encoded exactly once, and the API decodes every one', async () => {
    await scenario.execute({
      source: 'spapi.ordersV0',
      params: { CreatedAfter: '2025-12-01T00:00:00Z', MarketplaceIds: CA },
      options: { pageSize: 20 },
    });

    const continuations = spapi.stats.requests.filter((r) => /(^|&)NextToken=/.test(r.query));
    const tokens = continuations.map((r) => new URLSearchParams(r.query).get('NextToken') ?? '');
    expect(tokens.some((token) => /[+/=]/.test(token))).toBe(true);
    // Encoded once: no raw +, / or = left in the query, and no %25 (a % encoded twice).
    for (const { query } of continuations) expect(query).not.toMatch(/NextToken=[^&]*([+/=]|%25)/);
    expect(continuations.every((r) => r.status === 200)).toBe(true);
  });
});

describe('tokens that expire during a run', () => {
  it('refreshes an access token that expires mid-run once, and retries the call', async () => {
    const drain = DRAINS[0] as Drain;
    const handlers = beforeEachFetch((invocation) => {
      if (invocation === 3) spapi.authority.expireAccessTokens();
    });
    const result = await scenario.execute(
      { source: drain.source, params: drain.params, options: { pageSize: 100, pagesPerInvocation: 1 } },
      { handlers },
    );

    expect(result.output).toMatchObject({ status: 'succeeded', items: 300 });
    expect(result.stats.retries).toBe(0);
    const refused = spapi.stats.requests.filter((r) => r.status === 403);
    expect(refused).toEqual([expect.objectContaining({ accessToken: 'expired' })]);
    expect(lwa.stats.byOperation.token).toBe(1);
  });

  it('restarts from the origin call when a listFinancialEvents token has expired, without duplicates', async () => {
    // Within 180 days of now (a wider range answers nothing), before every event.
    const postedAfter = `${new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 19)}Z`;
    const expected = spapi.items('listFinancialEvents', { PostedAfter: postedAfter });
    expect(expected).toHaveLength(150);
    const handlers = beforeEachFetch((invocation) => {
      // Past the sandbox's 3-minute token lifetime, between page 2 and page 3.
      if (invocation === 3) spapi.clock.advance(4 * 60_000);
    });
    const result = await scenario.execute(
      {
        source: 'spapi.financialEvents',
        params: { PostedAfter: postedAfter },
        options: { pageSize: 20, pagesPerInvocation: 1 },
      },
      { handlers },
    );

    expect(result.output).toMatchObject({ status: 'succeeded', restarts: 1, items: expected.length });
    expect(result.stats.stateEntries['Restart from first page']).toBe(1);
    const refused = spapi.stats.requests.filter((r) => r.status === 400);
    expect(refused).toHaveLength(1);
    const rows = await storedRows(`spapi.financialEvents#${postedAfter}`);
    expect(rows).toHaveLength(expected.length);
    expect(asSet(rows.map(({ item: { FinancialEventList, ...event } }) => event))).toEqual(asSet(expected));
  });
});

describe('parameters the API would refuse', () => {
  it.each([
    [
      'spapi.orders',
      { createdAfter: '2026-01-01T00:00:00Z', lastUpdatedAfter: '2026-01-01T00:00:00Z' },
      'createdAfter',
    ],
    ['spapi.orders', { marketplaceIds: US }, 'createdAfter'],
    ['spapi.orders', { createdAfter: 'yesterday' }, 'params.createdAfter'],
    [
      'spapi.orders',
      { createdAfter: '2026-01-01T00:00:00Z', fulfillmentStatuses: 'SHIPPED,LOST' },
      'params.fulfillmentStatuses',
    ],
    ['spapi.ordersV0', { CreatedAfter: '2026-01-01T00:00:00Z' }, 'params.MarketplaceIds'],
    ['spapi.reports', { reportTypes: 'GET_X', nextToken: 'abc' }, 'params.nextToken'],
    ['spapi.financialEvents', { PostedBefore: '2026-01-01T00:00:00Z' }, 'PostedAfter'],
  ])(
    '%s %j is refused at Start run with InvalidInput naming %s, before any call',
    async (source, params, named) => {
      const result = await scenario.execute({ source, params });

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInput');
      expect(JSON.parse(result.cause ?? '{}').errorMessage).toContain(named);
      expect(result.stats.stateEntries).toEqual({ 'Start run': 1 });
      expect(spapi.stats.calls).toBe(0);
      expect(lwa.stats.calls).toBe(0);
    },
  );
});

// Last: the refresh token stays revoked for the rest of the file.
describe('Login with Amazon credentials that are no longer valid', () => {
  it('fail the run at once with AuthenticationFailed, and no byte of a secret or an access token reaches anything', async () => {
    const said: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        said.push(String(chunk));
        return true;
      });
    const spies = [capture(process.stdout), capture(process.stderr)];
    logger.setLogLevel('DEBUG');
    spapi.authority.expireAccessTokens();
    spapi.authority.revokeRefreshToken();
    let result: Awaited<ReturnType<Scenario['execute']>>;
    try {
      result = await scenario.execute(
        { source: 'spapi.orders', params: { createdAfter: '2026-01-01T00:00:00Z' } },
        { onEvent: (event) => said.push(JSON.stringify(event)) },
      );
    } finally {
      logger.setLogLevel('SILENT');
      for (const spy of spies) spy.mockRestore();
    }

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AuthenticationFailed');
    const message = causeMessage(result.cause);
    expect(message).toContain(`secret ${process.env.PAGEWALK_SPAPI_SECRET_ARN}: invalid_grant`);
    expect(result.stats.retries).toBe(0);
    expect(lwa.stats.requests.map((r) => r.outcome)).toEqual(['invalid_grant']);
    const record = await scenario.runRecord(result.name);
    expect(record?.status).toBe('failed');

    const everything = [...said, JSON.stringify(result), JSON.stringify(record)].join('\n');
    expect(said.length).toBeGreaterThan(5);
    for (const secret of Object.values(spapi.authority.credentials)) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('Atza|');
  });
});
