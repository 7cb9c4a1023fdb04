import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../local/engine';
import type { MarketplaceSandbox } from '../../local/sandbox/marketplace';
import { expectEachOnce, type Scenario, startScenario } from '../support/scenario';

const MARKETPLACE = 'ATVPDKIKX0DER';
let scenario: Scenario;
let sandbox: MarketplaceSandbox;

beforeAll(async () => {
  scenario = await startScenario({}, { orders: 1234, reports: 321, customers: 150 });
  sandbox = scenario.stack.marketplace as MarketplaceSandbox;
});
afterAll(async () => scenario?.close());
beforeEach(() => sandbox.resetStats());

type FetchEvent = { call: string; cursor: { page: number; moreResultsAvailable: boolean | null } };

/** The real page-fetch handler, with `before` run ahead of each call: how a test acts between two pages. */
const fetchPageWith =
  (before: (event: FetchEvent) => void): LocalHandler =>
  async (event, context) => {
    before(event as FetchEvent);
    return scenario.handlers.FetchPageFunctionArn?.(event, context);
  };

describe('when the API says "there is more" by a NextToken and a ByNextToken operation', () => {
  it('reads ListOrders once, then ListOrdersByNextToken until no token comes back', async () => {
    const result = await scenario.execute({
      source: 'marketplace.orders',
      params: { MarketplaceId: MARKETPLACE },
      options: { pageSize: 100, pagesPerInvocation: 1 },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded', pages: 13, items: 1234 });
    expect(sandbox.stats.byOperation).toEqual({ ListOrders: 1, ListOrdersByNextToken: 12 });
    expectEachOnce(await scenario.storedKeys(`marketplace.orders#${MARKETPLACE}`), sandbox.orderIds());
  });
});

describe('when the API says HasNext', () => {
  it('follows HasNext=true across several pages and completes on HasNext=false', async () => {
    const result = await scenario.execute({
      source: 'marketplace.reports',
      params: {},
      options: { pageSize: 50, pagesPerInvocation: 1 },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded', pages: 7, items: 321 });
    expect(sandbox.stats.byOperation).toEqual({ GetReportList: 1, GetReportListByNextToken: 6 });
    expectEachOnce(await scenario.storedKeys('marketplace.reports'), sandbox.reportIds());
  });

  it('fails with a clear InconsistentPage error when HasNext=true comes without a token', async () => {
    sandbox.contradictNext(1);

    const result = await scenario.execute({ source: 'marketplace.reports', params: {} });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InconsistentPage');
    expect(result.cause).toBe('marketplace.reports answered HasNext=true without a NextToken');
    expect(result.stats.retries).toBe(0);
  });
});

describe('when the API says MoreResultsAvailable', () => {
  it('waits and polls with the same token on false, picks up items added between polls, and ends caught up at maxPolls', async () => {
    const added = [30, 5];
    const handlers = {
      FetchPageFunctionArn: fetchPageWith((event) => {
        // A poll is the continuation call after MoreResultsAvailable=false: new customers arrive meanwhile.
        if (event.call === 'continuation' && event.cursor.moreResultsAvailable === false) {
          sandbox.addCustomers(added.shift() ?? 0);
        }
      }),
    };

    const result = await scenario.execute(
      {
        source: 'marketplace.customers',
        params: { MarketplaceId: MARKETPLACE },
        options: { pageSize: 100, pollIntervalSeconds: 0, maxPolls: 2, pagesPerInvocation: 1 },
      },
      { handlers },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'caughtUp',
      polls: 2,
      items: 185,
      nextToken: expect.any(String),
    });
    expect(result.stats.stateEntries['Wait for more results']).toBe(2);
    expectEachOnce(await scenario.storedKeys(`marketplace.customers#${MARKETPLACE}`), sandbox.customerIds());
    const record = await scenario.runRecord(result.name);
    expect(record).toMatchObject({ status: 'caughtUp', polls: 2, items: 185 });
    expect(record?.checkpoint).toMatchObject({ moreResultsAvailable: false, nextToken: expect.any(String) });
  });

  it('continues at once while MoreResultsAvailable=true', async () => {
    const result = await scenario.execute({
      source: 'marketplace.customers',
      params: { MarketplaceId: MARKETPLACE },
      options: { pageSize: 10, maxPolls: 0, pagesPerInvocation: 1 },
    });

    expect(result.output).toMatchObject({ status: 'caughtUp', polls: 0 });
    expect(result.stats.stateEntries['Wait for more results']).toBeUndefined();
    expect(result.stats.stateEntries['Fetch next page']).toBe(
      Math.ceil(sandbox.customerIds().length / 10) - 1,
    );
  });
});

describe('when the continuation token is corrupted', () => {
  it('restarts from the origin call once and stores every order exactly once', async () => {
    let corrupted = false;
    const handlers = {
      FetchPageFunctionArn: fetchPageWith((event) => {
        if (!corrupted && event.call === 'continuation' && event.cursor.page === 4) {
          corrupted = true;
          sandbox.corruptNextTokens(1);
        }
      }),
    };

    const result = await scenario.execute(
      {
        source: 'marketplace.orders',
        params: { MarketplaceId: MARKETPLACE },
        options: { pageSize: 100, pagesPerInvocation: 1 },
      },
      { handlers },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded', restarts: 1, pages: 13, items: 1234 });
    expect(result.stats.stateEntries['Restart from first page']).toBe(1);
    expect(sandbox.stats.byOperation.ListOrders).toBe(2);
    expectEachOnce(await scenario.storedKeys(`marketplace.orders#${MARKETPLACE}`), sandbox.orderIds());
    expect(await scenario.runRecord(result.name)).toMatchObject({ restarts: 1, items: 1234 });
  });

  it('fails with RestartLimitExceeded once maxRestarts restarts did not help', async () => {
    sandbox.corruptNextTokens(100);

    const result = await scenario.execute({
      source: 'marketplace.orders',
      params: { MarketplaceId: MARKETPLACE },
      options: { maxRestarts: 2, pagesPerInvocation: 1 },
    });
    sandbox.corruptNextTokens(0);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RestartLimitExceeded');
    expect(result.cause).toMatch(
      /^gave up after 2 restart\(s\) from the origin call since the run was started or resumed \(options.maxRestarts is 2\): .*Invalid NextToken/,
    );
    expect(result.stats.stateEntries['Restart from first page']).toBe(3);
    expect(await scenario.runRecord(result.name)).toMatchObject({ status: 'failed', restarts: 2 });
  });
});

describe('when the API throttles', () => {
  it.each(['RequestThrottled', 'QuotaExceeded'] as const)(
    'retries a 503 %s with backoff and then succeeds',
    async (code) => {
      sandbox.throttleNext(2, code);

      const result = await scenario.execute({ source: 'marketplace.reports', params: {} });

      expect(result.status).toBe('SUCCEEDED');
      expect(result.stats.retries).toBe(2);
      expect(sandbox.stats.throttled).toBe(2);
      expect(result.output).toMatchObject({ items: 321 });
    },
  );
});

describe('when the execution names a source', () => {
  it('rejects an unknown definition with InvalidInput listing the deployed ones', async () => {
    const result = await scenario.execute({ source: 'marketplace.invoices', params: {} });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(JSON.parse(result.cause ?? '{}').errorMessage).toBe(
      'source must be one of: aws.cloudtrail.lookupEvents, aws.logs.filterLogEvents, aws.logs.getLogEvents, aws.organizations.listAccounts, aws.s3.listObjectsV2, aws.sfn.listExecutions, aws.ssm.getParametersByPath, glue.getJobRuns, marketplace.customers, marketplace.orders, marketplace.reports, spapi.financialEvents, spapi.ordersV0, spapi.orders, spapi.reports; got "marketplace.invoices"',
    );
    expect(sandbox.stats.calls).toBe(0);
  });

  it('cannot supply a URL: an endpoint in params is refused as an unknown field', async () => {
    const result = await scenario.execute({
      source: 'marketplace.reports',
      params: { baseUrl: 'http://169.254.169.254' },
    });

    expect(result.error).toBe('InvalidInput');
    expect(JSON.parse(result.cause ?? '{}').errorMessage).toContain('params.baseUrl is not a known field');
  });
});
