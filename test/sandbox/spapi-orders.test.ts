import { describe, expect, it } from 'vitest';
import { startSpApiSandbox } from '../../local/sandbox/spapi';
import { UNDECODABLE_TOKEN_MESSAGE } from '../../local/sandbox/spapi-errors';
import { CA, errorOf, get, ORDERS, ORDERS_V0, spApiForThisFile, US } from '../support/spapi-client';

const sandbox = spApiForThisFile();

// 300 orders a marketplace, one an hour from 2025-12-01: 204 of each are created from 12-05 on.
const SINCE = { createdAfter: '2025-12-05T00:00:00Z' };
const INVALID_V0 = 'The input you have submitted is not valid. Please check your input and try again.';

describe('searchOrders (Orders v2026-01-01)', () => {
  it('drains with pagination.nextToken sent back as paginationToken beside every original parameter', async () => {
    const params = { ...SINCE, marketplaceIds: `${US},${CA}`, fulfilledBy: 'AMAZON,MERCHANT' };
    const ids: string[] = [];
    let reply = await get(sandbox(), ORDERS, params);
    for (;;) {
      expect(reply.status).toBe(200);
      ids.push(...reply.body.orders.map((order: { orderId: string }) => order.orderId));
      for (const order of reply.body.orders) expect(order.createdTime >= SINCE.createdAfter).toBe(true);
      expect(reply.body.createdBefore).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      if (!reply.body.pagination) break;
      reply = await get(sandbox(), ORDERS, { ...params, paginationToken: reply.body.pagination.nextToken });
    }

    expect(ids).toHaveLength(408);
    expect(new Set(ids).size).toBe(408);
    expect(reply.body.orders).toHaveLength(8); // 408 = 4 × 100 + 8: no empty last page
    expect(sandbox().stats.byOperation).toEqual({ searchOrders: 5 });
  });

  it("serves one marketplace's orders oldest first, in the model's Order shape", async () => {
    const reply = await get(sandbox(), ORDERS, {
      ...SINCE,
      marketplaceIds: CA,
      includedData: 'BUYER,PROCEEDS,FULFILLMENT',
    });

    expect(reply.body.orders).toHaveLength(100);
    const created = reply.body.orders.map((order: { createdTime: string }) => order.createdTime);
    expect(created).toEqual([...created].sort());
    expect(reply.body.orders[0]).toMatchObject({
      orderId: expect.stringMatching(/^\d{3}-\d{7}-\d{7}$/),
      lastUpdatedTime: expect.any(String),
      salesChannel: { channelName: 'AMAZON', marketplaceId: CA, marketplaceName: 'Amazon.ca' },
      buyer: { buyerName: expect.any(String) },
      proceeds: { grandTotal: { amount: expect.stringMatching(/^\d+\.\d\d$/), currencyCode: 'CAD' } },
      fulfillment: {
        fulfillmentStatus: expect.any(String),
        fulfilledBy: expect.stringMatching(/^(AMAZON|MERCHANT)$/),
      },
      orderItems: [
        expect.objectContaining({ quantityOrdered: expect.any(Number), product: expect.any(Object) }),
      ],
    });
  });

  it('issues tokens holding +, / and = that work URL-encoded once and fail raw or encoded twice', async () => {
    const first = await get(sandbox(), ORDERS, { ...SINCE, marketplaceIds: US });
    const token: string = first.body.pagination.nextToken;
    expect(token).toMatch(/\+/);
    expect(token).toMatch(/\//);
    expect(token).toMatch(/=$/);
    const query = (encoded: string) =>
      `createdAfter=${encodeURIComponent(SINCE.createdAfter)}&marketplaceIds=${US}&paginationToken=${encoded}`;

    for (const wrong of [
      token,
      encodeURIComponent(encodeURIComponent(token)),
      encodeURIComponent(token.slice(0, -6)),
    ]) {
      expect(errorOf(await get(sandbox(), ORDERS, query(wrong)), 400)).toEqual({
        code: 'InvalidInput',
        message: UNDECODABLE_TOKEN_MESSAGE,
        details: '',
      });
    }
    const right = await get(sandbox(), ORDERS, query(encodeURIComponent(token)));
    expect(right.status).toBe(200);
    expect(right.body.orders[0].orderId).not.toBe(first.body.orders[0].orderId);
  });

  it('refuses a continuation whose parameters changed, except maxResultsPerPage and includedData', async () => {
    const params = { ...SINCE, marketplaceIds: US };
    const first = await get(sandbox(), ORDERS, params);
    const paginationToken: string = first.body.pagination.nextToken;

    const moved = errorOf(
      await get(sandbox(), ORDERS, { ...params, marketplaceIds: CA, paginationToken }),
      400,
    );
    expect(moved).toMatchObject({ code: 'InvalidInput', message: 'Invalid Input' });
    expect(moved.details).toMatch(/these differ: marketplaceIds$/);
    const alone = errorOf(await get(sandbox(), ORDERS, { paginationToken }), 400);
    expect(alone.details).toBe('You must provide exactly one of createdAfter and lastUpdatedAfter.');

    const smaller = await get(sandbox(), ORDERS, {
      ...params,
      paginationToken,
      maxResultsPerPage: '7',
      includedData: 'BUYER',
    });
    expect(smaller.body.orders).toHaveLength(7);
    expect(smaller.body.orders[0].buyer).toBeDefined();
  });

  it('answers 400 Invalid Input with the rule in details, and the rate limit header', async () => {
    const soon = new Date(Date.now() - 30_000).toISOString();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /^You must provide exactly one of createdAfter and lastUpdatedAfter\.$/],
      [
        { ...SINCE, lastUpdatedAfter: SINCE.createdAfter },
        /exactly one of createdAfter and lastUpdatedAfter/,
      ],
      [
        { ...SINCE, lastUpdatedBefore: soon },
        /If createdAfter is provided, neither lastUpdatedAfter nor lastUpdatedBefore/,
      ],
      [
        { lastUpdatedAfter: SINCE.createdAfter, createdBefore: soon },
        /If lastUpdatedAfter is provided, neither createdAfter nor createdBefore/,
      ],
      [
        { ...SINCE, createdBefore: soon },
        /^createdBefore must be at least two minutes before the time of the request\.$/,
      ],
      [
        { ...SINCE, createdBefore: '2025-12-01T00:00:00Z' },
        /^createdBefore must be equal to or after createdAfter\.$/,
      ],
      [{ createdAfter: '2025-12-05' }, /^createdAfter must be a date-time in ISO 8601 format/],
      [
        { ...SINCE, maxResultsPerPage: '101' },
        /^maxResultsPerPage must be an integer from 1 to 100; got 101$/,
      ],
      [
        { ...SINCE, marketplaceIds: Array(51).fill(US).join(',') },
        /^marketplaceIds must list 1 to 50 values; got 51$/,
      ],
      [{ ...SINCE, marketplaceIds: 'A1VC38T7YXB528' }, /not a marketplace of this seller/],
      [
        { ...SINCE, fulfillmentStatuses: 'LOST' },
        /^fulfillmentStatuses has LOST; allowed: PENDING_AVAILABILITY/,
      ],
    ];
    for (const [params, details] of cases) {
      const reply = await get(sandbox(), ORDERS, params);
      const error = errorOf(reply, 400);
      expect(error, JSON.stringify(params)).toMatchObject({ code: 'InvalidInput', message: 'Invalid Input' });
      expect(error.details).toMatch(details);
      expect(reply.headers.get('x-amzn-RateLimit-Limit')).toBe('5600'); // 0.0056 × 1,000,000
    }
  });

  it('filters by lastUpdatedAfter, fulfillmentStatuses and fulfilledBy', async () => {
    const reply = await get(sandbox(), ORDERS, {
      lastUpdatedAfter: '2025-12-10T00:00:00Z',
      fulfillmentStatuses: 'SHIPPED',
      fulfilledBy: 'MERCHANT',
      includedData: 'FULFILLMENT',
      maxResultsPerPage: '100',
    });

    expect(reply.body.orders.length).toBeGreaterThan(0);
    for (const order of reply.body.orders) {
      expect(order.lastUpdatedTime >= '2025-12-10T00:00:00Z').toBe(true);
      expect(order.fulfillment).toMatchObject({ fulfillmentStatus: 'SHIPPED', fulfilledBy: 'MERCHANT' });
    }
    expect(reply.body.lastUpdatedBefore).toEqual(expect.any(String));
  });

  it('expires a token 24 hours after the drain began', async () => {
    const own = await startSpApiSandbox({ ordersPerMarketplace: 300, quotaScale: 1_000_000 });
    try {
      const params = { ...SINCE, marketplaceIds: US, maxResultsPerPage: '10' };
      const first = await get(own, ORDERS, params);
      own.clock.advance(23 * 3600_000);
      const second = await get(own, ORDERS, { ...params, paginationToken: first.body.pagination.nextToken });
      expect(second.status).toBe(200);
      own.clock.advance(3600_000 + 1);
      const late = errorOf(
        await get(own, ORDERS, { ...params, paginationToken: second.body.pagination.nextToken }),
        400,
      );
      expect(late.details).toBe('The paginationToken has expired: pagination tokens are valid for 24 hours.');
    } finally {
      await own.close();
    }
  });
});

describe('getOrders (Orders v0)', () => {
  it('drains via payload.NextToken with the filters resent, to the same orders as searchOrders', async () => {
    const params = { CreatedAfter: SINCE.createdAfter, MarketplaceIds: US };
    const ids: string[] = [];
    let reply = await get(sandbox(), ORDERS_V0, params);
    for (;;) {
      expect(reply.status).toBe(200);
      ids.push(...reply.body.payload.Orders.map((order: { AmazonOrderId: string }) => order.AmazonOrderId));
      if (!reply.body.payload.NextToken) break;
      reply = await get(sandbox(), ORDERS_V0, { ...params, NextToken: reply.body.payload.NextToken });
    }

    const expected = sandbox()
      .items('searchOrders', { ...SINCE, marketplaceIds: US })
      .map((order) => order.orderId);
    expect(ids).toEqual(expected);
    expect(ids).toHaveLength(204);
    expect(reply.body.payload.Orders[0]).toMatchObject({
      PurchaseDate: expect.any(String),
      OrderStatus: expect.stringMatching(/^(Pending|Unshipped|PartiallyShipped|Shipped|Canceled)$/),
      FulfillmentChannel: expect.stringMatching(/^(AFN|MFN)$/),
      OrderTotal: { CurrencyCode: 'USD', Amount: expect.any(String) },
      MarketplaceId: US,
    });
  });

  it('answers the token alone with 400, as Amazon does, and names unsupported filters', async () => {
    const first = await get(sandbox(), ORDERS_V0, { CreatedAfter: SINCE.createdAfter, MarketplaceIds: US });
    const alone = errorOf(await get(sandbox(), ORDERS_V0, { NextToken: first.body.payload.NextToken }), 400);
    expect(alone).toEqual({
      code: 'InvalidInput',
      message: INVALID_V0,
      details: 'MarketplaceIds is required.',
    });

    const neither = errorOf(await get(sandbox(), ORDERS_V0, { MarketplaceIds: US }), 400);
    expect(neither.details).toBe(
      'Either the CreatedAfter parameter or the LastUpdatedAfter parameter is required. Both cannot be empty.',
    );
    const email = errorOf(
      await get(sandbox(), ORDERS_V0, {
        CreatedAfter: SINCE.createdAfter,
        MarketplaceIds: US,
        BuyerEmail: 'a@b.c',
      }),
      400,
    );
    expect(email.details).toBe('The local SP-API sandbox does not filter by BuyerEmail.');
  });
});
