import { describe, expect, it } from 'vitest';
import { startMarketplaceSandbox, synthesizeOrder } from '../../local/sandbox/marketplace';

import { errorOf, post, sandboxForThisFile, US } from '../support/marketplace-client';

const sandbox = sandboxForThisFile();

describe('marketplace sandbox tokens', () => {
  it('rejects a tampered token with 400 InvalidInput', async () => {
    const page = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    const token: string = page.body.NextToken;
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = [`${token.slice(0, -1)}${last}`, `x${token}`, 'not-a-token', `${token}=`];

    for (const NextToken of tampered) {
      const reply = await post(sandbox(), '/orders/ListOrdersByNextToken', { NextToken });
      expect(errorOf(reply, 400)).toEqual({ code: 'InvalidInput', message: 'Invalid NextToken' });
    }
  });

  it('rejects a token from another family', async () => {
    const orders = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    const customers = await post(sandbox(), '/customers/ListCustomers', {
      MarketplaceId: US,
      MaxResults: 10,
    });

    const asReports = await post(sandbox(), '/reports/GetReportListByNextToken', {
      NextToken: orders.body.NextToken,
    });
    const asCustomers = await post(sandbox(), '/customers/ListCustomersByNextToken', {
      NextToken: orders.body.NextToken,
    });
    const asOrders = await post(sandbox(), '/orders/ListOrdersByNextToken', {
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
      const reply = await post(sandbox(), '/orders/ListOrdersByNextToken', {
        NextToken: foreign.body.NextToken,
      });
      expect(errorOf(reply, 400).code).toBe('InvalidInput');
    } finally {
      await other.close();
    }
  });

  it('corrupts the next ByNextToken call on demand', async () => {
    const page = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    sandbox().corruptNextTokens(1);

    // The origin operation is untouched by the switch; only continuations are.
    const origin = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 10 });
    expect(origin.status).toBe(200);
    const corrupted = await post(sandbox(), '/orders/ListOrdersByNextToken', {
      NextToken: page.body.NextToken,
    });
    expect(errorOf(corrupted, 400)).toEqual({ code: 'InvalidInput', message: 'Invalid NextToken' });
    const again = await post(sandbox(), '/orders/ListOrdersByNextToken', { NextToken: page.body.NextToken });
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
      const reply = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults });
      const error = errorOf(reply, 400);
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toContain('MaxResults');
      expect(error.message).toContain('1 and 100');
    }
    const reports = await post(sandbox(), '/reports/GetReportList', { MaxCount: 101 });
    expect(errorOf(reports, 400).message).toContain('MaxCount');
    const customers = await post(sandbox(), '/customers/ListCustomers', {
      MarketplaceId: US,
      MaxResults: 101,
    });
    expect(errorOf(customers, 400).message).toContain('MaxResults');
  });

  it('rejects missing fields and malformed JSON with 400 InvalidInput', async () => {
    const noMarketplace = await post(sandbox(), '/orders/ListOrders', { MaxResults: 5 });
    expect(errorOf(noMarketplace, 400)).toEqual({
      code: 'InvalidInput',
      message: 'MarketplaceId is required',
    });
    const noToken = await post(sandbox(), '/reports/GetReportListByNextToken', {});
    expect(errorOf(noToken, 400)).toEqual({ code: 'InvalidInput', message: 'NextToken is required' });
    const malformed = await post(sandbox(), '/customers/ListCustomers', '{"MarketplaceId":');
    expect(errorOf(malformed, 400).code).toBe('InvalidInput');
    const notAnObject = await post(sandbox(), '/reports/GetReportList', '[]');
    expect(errorOf(notAnObject, 400).code).toBe('InvalidInput');
  });

  it('answers 404 NotFound naming an unknown marketplace, and for an unknown path', async () => {
    const unknownMarket = await post(sandbox(), '/customers/ListCustomers', {
      MarketplaceId: 'A1PA6795UKMFR9',
    });
    const error = errorOf(unknownMarket, 404);
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain('A1PA6795UKMFR9');

    const unknownPath = await post(sandbox(), '/orders/GetOrder', { AmazonOrderId: '111-1234567-1234567' });
    expect(errorOf(unknownPath, 404).code).toBe('NotFound');
    const wrongMethod = await fetch(`${sandbox().url}/orders/ListOrders`);
    expect(wrongMethod.status).toBe(404);
    expect(sandbox().stats.byOperation['/orders/GetOrder']).toBe(1);
  });

  it('throttles with 503 RequestThrottled / QuotaExceeded on demand', async () => {
    sandbox().throttleNext(1);
    const throttled = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 1 });
    expect(errorOf(throttled, 503)).toEqual({ code: 'RequestThrottled', message: expect.any(String) });

    sandbox().throttleNext(2, 'QuotaExceeded');
    const quota = await post(sandbox(), '/reports/GetReportList', {});
    expect(errorOf(quota, 503).code).toBe('QuotaExceeded');
    const quotaAgain = await post(sandbox(), '/customers/ListCustomers', { MarketplaceId: US });
    expect(errorOf(quotaAgain, 503).code).toBe('QuotaExceeded');

    const recovered = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 1 });
    expect(recovered.status).toBe(200);
    expect(sandbox().stats).toMatchObject({ calls: 4, throttled: 3, errors: 3 });
  });

  it('fails with 500 InternalFailure on demand, then recovers', async () => {
    sandbox().failNext(1);
    const failed = await post(sandbox(), '/reports/GetReportList', { MaxCount: 1 });
    expect(errorOf(failed, 500).code).toBe('InternalFailure');
    const recovered = await post(sandbox(), '/reports/GetReportList', { MaxCount: 1 });
    expect(recovered.status).toBe(200);
  });

  it('logs each request path and body for assertions', async () => {
    await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 2 });
    expect(sandbox().stats.requests).toEqual([
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
        (await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 3 })).body.Orders,
      );
      expect(page.body.Orders[0]).toEqual(synthesizeOrder(99_999, US, 'same'));
    } finally {
      await Promise.all([big.close(), twin.close()]);
    }
  });
});
