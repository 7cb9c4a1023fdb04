import { describe, expect, it } from 'vitest';
import { startMarketplaceSandbox } from '../../local/sandbox/marketplace';

import { CA, post, sandboxForThisFile, US } from '../support/marketplace-client';

const sandbox = sandboxForThisFile();

describe('marketplace sandbox orders (token presence)', () => {
  it('pages through all orders with ListOrders then ListOrdersByNextToken, each once', async () => {
    const ids: string[] = [];
    const dates: string[] = [];
    let reply = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 100 });
    for (;;) {
      expect(reply.status).toBe(200);
      for (const order of reply.body.Orders) {
        ids.push(order.AmazonOrderId);
        dates.push(order.PurchaseDate);
      }
      if (!('NextToken' in reply.body)) break;
      reply = await post(sandbox(), '/orders/ListOrdersByNextToken', { NextToken: reply.body.NextToken });
    }

    expect(ids).toEqual(sandbox().orderIds());
    expect(new Set(ids).size).toBe(250);
    // Newest first: ISO strings of one format sort like the instants they name.
    expect(dates).toEqual([...dates].sort().reverse());
    expect(sandbox().stats.byOperation).toEqual({ ListOrders: 1, ListOrdersByNextToken: 2 });
  });

  it('serves SP-API-shaped orders in the requested marketplace', async () => {
    const reply = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: CA, MaxResults: 3 });

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
    const first = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US });
    expect(first.body.Orders).toHaveLength(100);

    const small = await post(sandbox(), '/orders/ListOrders', { MarketplaceId: US, MaxResults: 7 });
    const next = await post(sandbox(), '/orders/ListOrdersByNextToken', { NextToken: small.body.NextToken });
    expect(next.body.Orders).toHaveLength(7);
    expect(next.body.Orders[0].AmazonOrderId).toBe(sandbox().orderIds()[7]);
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
    let reply = await post(sandbox(), '/reports/GetReportList', { MaxCount: 40 });
    const hasNext: boolean[] = [];
    for (;;) {
      expect(reply.status).toBe(200);
      ids.push(...reply.body.ReportInfo.map((report: { ReportId: string }) => report.ReportId));
      hasNext.push(reply.body.HasNext);
      if (!reply.body.HasNext) break;
      expect(reply.body.NextToken).toEqual(expect.any(String));
      reply = await post(sandbox(), '/reports/GetReportListByNextToken', { NextToken: reply.body.NextToken });
    }

    expect(hasNext).toEqual([true, true, false]);
    expect(reply.body.ReportInfo).toHaveLength(15);
    expect(reply.body).not.toHaveProperty('NextToken');
    expect(ids).toEqual(sandbox().reportIds());
    expect(new Set(ids).size).toBe(95);
  });

  it('serves reports with numeric ids, a type, an ISO date and Acknowledged=false', async () => {
    const reply = await post(sandbox(), '/reports/GetReportList', { MaxCount: 2 });
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
    sandbox().contradictNext(1);
    const contradiction = await post(sandbox(), '/reports/GetReportList', { MaxCount: 10 });
    expect(contradiction.status).toBe(200);
    expect(contradiction.body.HasNext).toBe(true);
    expect(contradiction.body.ReportInfo).toHaveLength(10);
    expect(contradiction.body).not.toHaveProperty('NextToken');

    const honest = await post(sandbox(), '/reports/GetReportList', { MaxCount: 10 });
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
    const reply = await post(sandbox(), '/customers/ListCustomers', { MarketplaceId: US, MaxResults: 5 });
    const customers = reply.body.Customers;
    expect(customers.map((customer: { CustomerId: string }) => customer.CustomerId)).toEqual(
      sandbox().customerIds().slice(0, 5),
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
