import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MARKETPLACE_ID,
  type MarketplaceSandbox,
  startMarketplaceSandbox,
  synthesizeOrder,
} from '../../local/sandbox/marketplace';

interface Reply {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary response fields; typing every shape would only restate the sandbox.
  // biome-ignore lint/suspicious/noExplicitAny: loosely typed JSON under test
  body: any;
}

/** POSTs a JSON body (or a raw string, sent as is) to an operation path. */
async function post(
  sandbox: MarketplaceSandbox,
  path: string,
  body: unknown = {},
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The single SP-API error of a reply, asserting the status on the way. */
function errorOf(reply: Reply, status: number): { code: string; message: string } {
  expect(reply.status).toBe(status);
  expect(reply.body.errors).toHaveLength(1);
  return reply.body.errors[0];
}

const US = DEFAULT_MARKETPLACE_ID;
const CA = 'A2EUQ1WTGCTBG2';

let sandbox: MarketplaceSandbox;

beforeAll(async () => {
  sandbox = await startMarketplaceSandbox({
    orders: 250,
    reports: 95,
    customers: 150,
    marketplaceIds: [US, CA],
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.resetStats();
});

describe('marketplace sandbox orders (token presence)', () => {
  it('pages through all orders with ListOrders then ListOrdersByNextToken, each once', async () => {
    const ids: string[] = [];
    const dates: string[] = [];
    let reply = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 100 });
    for (;;) {
      expect(reply.status).toBe(200);
      for (const order of reply.body.Orders) {
        ids.push(order.AmazonOrderId);
        dates.push(order.PurchaseDate);
      }
      if (!('NextToken' in reply.body)) break;
      reply = await post(sandbox, '/orders/ListOrdersByNextToken', { NextToken: reply.body.NextToken });
    }

    expect(ids).toEqual(sandbox.orderIds());
    expect(new Set(ids).size).toBe(250);
    // Newest first: ISO strings of one format sort like the instants they name.
    expect(dates).toEqual([...dates].sort().reverse());
    expect(sandbox.stats.byOperation).toEqual({ ListOrders: 1, ListOrdersByNextToken: 2 });
  });

  it('serves SP-API-shaped orders in the requested marketplace', async () => {
    const reply = await post(sandbox, '/orders/ListOrders', { MarketplaceId: CA, MaxResults: 3 });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body.Orders).toHaveLength(3);
    for (const order of reply.body.Orders) {
      expect(order.AmazonOrderId).toMatch(/^\d{3}-\d{7}-\d{7}$/);
      expect(order.PurchaseDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(order.MarketplaceId).toBe(CA);
      expect(order.SalesChannel).toBe('Amazon.ca');
      expect(order.OrderTotal).toEqual({ CurrencyCode: 'CAD', Amount: expect.stringMatching(/^\d+\.\d\d$/) });
      expect(order.NumberOfItemsShipped).toEqual(expect.any(Number));
    }
  });

  it('defaults to pages of 100 and keeps the page size of the origin call on continuation', async () => {
    const first = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US });
    expect(first.body.Orders).toHaveLength(100);

    const small = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 7 });
    const next = await post(sandbox, '/orders/ListOrdersByNextToken', { NextToken: small.body.NextToken });
    expect(next.body.Orders).toHaveLength(7);
    expect(next.body.Orders[0].AmazonOrderId).toBe(sandbox.orderIds()[7]);
  });

  it('gives an empty page without NextToken when there are no orders', async () => {
    const empty = await startMarketplaceSandbox({ orders: 0 });
    try {
      const reply = await post(empty, '/orders/ListOrders', { MarketplaceId: US });
      expect(reply.body).toEqual({ Orders: [] });
    } finally {
      await empty.close();
    }
  });
});

describe('marketplace sandbox reports (HasNext)', () => {
  it('reports HasNext=false and no token on the last report page', async () => {
    const ids: string[] = [];
    let reply = await post(sandbox, '/reports/GetReportList', { MaxCount: 40 });
    const hasNext: boolean[] = [];
    for (;;) {
      expect(reply.status).toBe(200);
      ids.push(...reply.body.ReportInfo.map((report: { ReportId: string }) => report.ReportId));
      hasNext.push(reply.body.HasNext);
      if (!reply.body.HasNext) break;
      expect(reply.body.NextToken).toEqual(expect.any(String));
      reply = await post(sandbox, '/reports/GetReportListByNextToken', { NextToken: reply.body.NextToken });
    }

    expect(hasNext).toEqual([true, true, false]);
    expect(reply.body.ReportInfo).toHaveLength(15);
    expect(reply.body).not.toHaveProperty('NextToken');
    expect(ids).toEqual(sandbox.reportIds());
    expect(new Set(ids).size).toBe(95);
  });

  it('serves reports with numeric ids, a type, an ISO date and Acknowledged=false', async () => {
    const reply = await post(sandbox, '/reports/GetReportList', { MaxCount: 2 });
    for (const report of reply.body.ReportInfo) {
      expect(report).toMatchObject({
        ReportId: expect.stringMatching(/^\d+$/),
        ReportType: expect.stringMatching(/^_GET_/),
        AvailableDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        Acknowledged: false,
      });
    }
  });

  it('answers HasNext=true without NextToken when told to contradict itself', async () => {
    sandbox.contradictNext(1);
    const contradiction = await post(sandbox, '/reports/GetReportList', { MaxCount: 10 });
    expect(contradiction.status).toBe(200);
    expect(contradiction.body.HasNext).toBe(true);
    expect(contradiction.body.ReportInfo).toHaveLength(10);
    expect(contradiction.body).not.toHaveProperty('NextToken');

    const honest = await post(sandbox, '/reports/GetReportList', { MaxCount: 10 });
    expect(honest.body.HasNext).toBe(true);
    expect(honest.body.NextToken).toEqual(expect.any(String));
  });
});

describe('marketplace sandbox customers (MoreResultsAvailable)', () => {
  it('answers MoreResultsAvailable=false with a token when caught up, and returns customers added later for the same token', async () => {
    const growing = await startMarketplaceSandbox({ customers: 150 });
    try {
      const first = await post(growing, '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 100 });
      expect(first.body.Customers).toHaveLength(100);
      expect(first.body.MoreResultsAvailable).toBe(true);

      const second = await post(growing, '/customers/ListCustomersByNextToken', {
        NextToken: first.body.NextToken,
      });
      expect(second.body.Customers).toHaveLength(50);
      expect(second.body.MoreResultsAvailable).toBe(false);
      const caughtUp: string = second.body.NextToken;
      expect(caughtUp).toEqual(expect.any(String));

      // Polling before anything new arrives is harmless: empty, still caught up, still a token.
      const idle = await post(growing, '/customers/ListCustomersByNextToken', { NextToken: caughtUp });
      expect(idle.body).toEqual({ Customers: [], NextToken: caughtUp, MoreResultsAvailable: false });

      growing.addCustomers(130);
      const third = await post(growing, '/customers/ListCustomersByNextToken', { NextToken: caughtUp });
      expect(third.body.Customers).toHaveLength(100);
      expect(third.body.MoreResultsAvailable).toBe(true);
      const fourth = await post(growing, '/customers/ListCustomersByNextToken', {
        NextToken: third.body.NextToken,
      });
      expect(fourth.body.Customers).toHaveLength(30);
      expect(fourth.body.MoreResultsAvailable).toBe(false);

      const seen = [first, second, third, fourth].flatMap((reply) =>
        reply.body.Customers.map((customer: { CustomerId: string }) => customer.CustomerId),
      );
      expect(seen).toEqual(growing.customerIds());
      expect(new Set(seen).size).toBe(280);
    } finally {
      await growing.close();
    }
  });

  it('serves customers oldest first with C-prefixed hex ids and contact info', async () => {
    const reply = await post(sandbox, '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 5 });
    const customers = reply.body.Customers;
    expect(customers.map((customer: { CustomerId: string }) => customer.CustomerId)).toEqual(
      sandbox.customerIds().slice(0, 5),
    );
    for (const customer of customers) {
      expect(customer.CustomerId).toMatch(/^C[0-9a-f]+$/);
      expect(customer.PrimaryContactInfo).toEqual({
        FullName: expect.stringMatching(/^\S+ \S+$/),
        EmailAddress: expect.stringMatching(/^[^@\s]+@example\.com$/),
      });
    }
    const created = customers.map((customer: { DateCreated: string }) => customer.DateCreated);
    expect(created).toEqual([...created].sort());
  });
});

describe('marketplace sandbox tokens', () => {
  it('rejects a tampered token with 400 InvalidInput', async () => {
    const page = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    const token: string = page.body.NextToken;
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = [`${token.slice(0, -1)}${last}`, `x${token}`, 'not-a-token', `${token}=`];

    for (const NextToken of tampered) {
      const reply = await post(sandbox, '/orders/ListOrdersByNextToken', { NextToken });
      expect(errorOf(reply, 400)).toEqual({ code: 'InvalidInput', message: 'Invalid NextToken' });
    }
  });

  it('rejects a token from another family', async () => {
    const orders = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    const customers = await post(sandbox, '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 10 });

    const asReports = await post(sandbox, '/reports/GetReportListByNextToken', {
      NextToken: orders.body.NextToken,
    });
    const asCustomers = await post(sandbox, '/customers/ListCustomersByNextToken', {
      NextToken: orders.body.NextToken,
    });
    const asOrders = await post(sandbox, '/orders/ListOrdersByNextToken', {
      NextToken: customers.body.NextToken,
    });

    for (const reply of [asReports, asCustomers, asOrders]) {
      expect(errorOf(reply, 400)).toEqual({ code: 'InvalidInput', message: 'Invalid NextToken' });
    }
  });

  it('rejects a token minted by another sandbox', async () => {
    const other = await startMarketplaceSandbox({ orders: 250 });
    try {
      const foreign = await post(other, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
      const reply = await post(sandbox, '/orders/ListOrdersByNextToken', {
        NextToken: foreign.body.NextToken,
      });
      expect(errorOf(reply, 400).code).toBe('InvalidInput');
    } finally {
      await other.close();
    }
  });

  it('corrupts the next ByNextToken call on demand', async () => {
    const page = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    sandbox.corruptNextTokens(1);

    // The origin operation is untouched by the switch; only continuations are.
    const origin = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    expect(origin.status).toBe(200);
    const corrupted = await post(sandbox, '/orders/ListOrdersByNextToken', {
      NextToken: page.body.NextToken,
    });
    expect(errorOf(corrupted, 400)).toEqual({ code: 'InvalidInput', message: 'Invalid NextToken' });
    const again = await post(sandbox, '/orders/ListOrdersByNextToken', { NextToken: page.body.NextToken });
    expect(again.status).toBe(200);
  });

  it('keeps a customers token valid and stable while customers are appended mid-drain', async () => {
    const growing = await startMarketplaceSandbox({ customers: 30 });
    try {
      const first = await post(growing, '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 10 });
      growing.addCustomers(5);
      const second = await post(growing, '/customers/ListCustomersByNextToken', {
        NextToken: first.body.NextToken,
      });
      expect(second.body.Customers.map((customer: { CustomerId: string }) => customer.CustomerId)).toEqual(
        growing.customerIds().slice(10, 20),
      );
    } finally {
      await growing.close();
    }
  });
});

describe('marketplace sandbox validation and faults', () => {
  it('rejects MaxResults 101 naming the field', async () => {
    for (const MaxResults of [101, 0, 2.5, '10']) {
      const reply = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults });
      const error = errorOf(reply, 400);
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toContain('MaxResults');
      expect(error.message).toContain('1 and 100');
    }
    const reports = await post(sandbox, '/reports/GetReportList', { MaxCount: 101 });
    expect(errorOf(reports, 400).message).toContain('MaxCount');
    const customers = await post(sandbox, '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 101 });
    expect(errorOf(customers, 400).message).toContain('MaxResults');
  });

  it('rejects missing fields and malformed JSON with 400 InvalidInput', async () => {
    const noMarketplace = await post(sandbox, '/orders/ListOrders', { MaxResults: 5 });
    expect(errorOf(noMarketplace, 400)).toEqual({
      code: 'InvalidInput',
      message: 'MarketplaceId is required',
    });
    const noToken = await post(sandbox, '/reports/GetReportListByNextToken', {});
    expect(errorOf(noToken, 400)).toEqual({ code: 'InvalidInput', message: 'NextToken is required' });
    const malformed = await post(sandbox, '/customers/ListCustomers', '{"MarketplaceId":');
    expect(errorOf(malformed, 400).code).toBe('InvalidInput');
    const notAnObject = await post(sandbox, '/reports/GetReportList', '[]');
    expect(errorOf(notAnObject, 400).code).toBe('InvalidInput');
  });

  it('answers 404 NotFound naming an unknown marketplace, and for an unknown path', async () => {
    const unknownMarket = await post(sandbox, '/customers/ListCustomers', {
      MarketplaceId: 'A1PA6795UKMFR9',
    });
    const error = errorOf(unknownMarket, 404);
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain('A1PA6795UKMFR9');

    const unknownPath = await post(sandbox, '/orders/GetOrder', { AmazonOrderId: '111-1234567-1234567' });
    expect(errorOf(unknownPath, 404).code).toBe('NotFound');
    const wrongMethod = await fetch(`${sandbox.url}/orders/ListOrders`);
    expect(wrongMethod.status).toBe(404);
    expect(sandbox.stats.byOperation['/orders/GetOrder']).toBe(1);
  });

  it('throttles with 503 RequestThrottled / QuotaExceeded on demand', async () => {
    sandbox.throttleNext(1);
    const throttled = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 1 });
    expect(errorOf(throttled, 503)).toEqual({ code: 'RequestThrottled', message: expect.any(String) });

    sandbox.throttleNext(2, 'QuotaExceeded');
    const quota = await post(sandbox, '/reports/GetReportList', {});
    expect(errorOf(quota, 503).code).toBe('QuotaExceeded');
    const quotaAgain = await post(sandbox, '/customers/ListCustomers', { MarketplaceId: US });
    expect(errorOf(quotaAgain, 503).code).toBe('QuotaExceeded');

    const recovered = await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 1 });
    expect(recovered.status).toBe(200);
    expect(sandbox.stats).toMatchObject({ calls: 4, throttled: 3, errors: 3 });
  });

  it('fails with 500 InternalFailure on demand, then recovers', async () => {
    sandbox.failNext(1);
    const failed = await post(sandbox, '/reports/GetReportList', { MaxCount: 1 });
    expect(errorOf(failed, 500).code).toBe('InternalFailure');
    const recovered = await post(sandbox, '/reports/GetReportList', { MaxCount: 1 });
    expect(recovered.status).toBe(200);
  });

  it('logs each request path and body for assertions', async () => {
    await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 2 });
    expect(sandbox.stats.requests).toEqual([
      { path: '/orders/ListOrders', body: { MarketplaceId: US, MaxResults: 2 } },
    ]);
  });

  it('requires the access token when configured', async () => {
    const guarded = await startMarketplaceSandbox({ accessToken: 'Atza|sandbox' });
    try {
      const missing = await post(guarded, '/orders/ListOrders', { MarketplaceId: US });
      expect(errorOf(missing, 403).code).toBe('Unauthorized');
      const wrong = await post(
        guarded,
        '/orders/ListOrders',
        { MarketplaceId: US },
        { 'x-amz-access-token': 'nope' },
      );
      expect(errorOf(wrong, 403).code).toBe('Unauthorized');
      const right = await post(
        guarded,
        '/orders/ListOrders',
        { MarketplaceId: US, MaxResults: 1 },
        { 'x-amz-access-token': 'Atza|sandbox' },
      );
      expect(right.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('generates 100k-item families lazily and deterministically per seed', async () => {
    const big = await startMarketplaceSandbox({ orders: 100_000, seed: 'same' });
    const twin = await startMarketplaceSandbox({ orders: 100_000, seed: 'same' });
    try {
      const page = await post(big, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 3 });
      const twinPage = await post(twin, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 3 });
      expect(page.body.Orders).toEqual(twinPage.body.Orders);
      expect(page.body.Orders).not.toEqual(
        (await post(sandbox, '/orders/ListOrders', { MarketplaceId: US, MaxResults: 3 })).body.Orders,
      );
      expect(page.body.Orders[0]).toEqual(synthesizeOrder(99_999, US, 'same'));
    } finally {
      await Promise.all([big.close(), twin.close()]);
    }
  });
});
