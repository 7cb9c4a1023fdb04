import { describe, expect, it } from 'vitest';
import { startSpApiSandbox } from '../../local/sandbox/spapi';
import { REPORT_TYPES } from '../../local/sandbox/spapi-reports';
import { errorOf, FINANCES, get, REPORTS, spApiForThisFile } from '../support/spapi-client';

const sandbox = spApiForThisFile();
const ALL_TYPES = REPORT_TYPES.join(',');
const DAY_MS = 24 * 3600_000;

describe('getReports (Reports 2021-06-30)', () => {
  it('pages newest first, 10 a page by default, each continuation carrying nextToken only', async () => {
    const created: string[] = [];
    let reply = await get(sandbox(), REPORTS, { reportTypes: ALL_TYPES });
    for (;;) {
      expect(reply.status).toBe(200);
      created.push(...reply.body.reports.map((report: { createdTime: string }) => report.createdTime));
      if (!reply.body.nextToken) break;
      reply = await get(sandbox(), REPORTS, { nextToken: reply.body.nextToken });
    }

    expect(created).toHaveLength(60);
    expect(created).toEqual([...created].sort().reverse());
    const queries = sandbox().stats.requests.map((request) => request.query);
    expect(queries).toHaveLength(6);
    for (const query of queries.slice(1))
      expect([...new URLSearchParams(query).keys()]).toEqual(['nextToken']);
    expect(reply.body.reports[0]).toMatchObject({
      reportId: expect.stringMatching(/^\d{11}$/),
      reportType: expect.any(String),
      processingStatus: expect.any(String),
      marketplaceIds: [expect.any(String)],
    });
  });

  it('refuses nextToken with any other parameter, naming them as Amazon does', async () => {
    const first = await get(sandbox(), REPORTS, { reportTypes: ALL_TYPES });
    const reply = await get(sandbox(), REPORTS, {
      reportTypes: ALL_TYPES,
      pageSize: '10',
      createdSince: '2026-01-01T00:00:00Z',
      nextToken: first.body.nextToken,
    });

    expect(errorOf(reply, 400)).toEqual({
      code: 'InvalidInput',
      message: 'NextToken cannot be specified with other input parameters',
      details: 'createdSince;pageSize;reportTypes;',
    });
    expect(reply.headers.get('x-amzn-RateLimit-Limit')).toBe('22200');
  });

  it('requires reportTypes (1 to 10) or nextToken, and a pageSize from 1 to 100', async () => {
    expect(errorOf(await get(sandbox(), REPORTS, {}), 400).details).toBe(
      'Either reportTypes or nextToken is required.',
    );
    expect(
      errorOf(await get(sandbox(), REPORTS, { reportTypes: Array(11).fill('X').join(',') }), 400).details,
    ).toBe('reportTypes must list 1 to 10 values; got 11');
    expect(
      errorOf(await get(sandbox(), REPORTS, { reportTypes: ALL_TYPES, pageSize: '0' }), 400).details,
    ).toBe('pageSize must be an integer from 1 to 100; got 0');
  });

  it('filters by processingStatuses and the creation window', async () => {
    const queued = await get(sandbox(), REPORTS, { reportTypes: ALL_TYPES, processingStatuses: 'IN_QUEUE' });
    expect(queued.body.reports.map((r: { processingStatus: string }) => r.processingStatus)).toEqual([
      'IN_QUEUE',
    ]);

    const future = new Date(Date.now() - 60_000).toISOString();
    const none = await get(sandbox(), REPORTS, { reportTypes: ALL_TYPES, createdSince: future });
    expect(none.body).toEqual({ reports: [] });
  });
});

describe('listFinancialEvents (Finances v0)', () => {
  const since = () => new Date(Date.now() - 62 * DAY_MS).toISOString();

  it('drains through empty pages to the last one, resending the same arguments', async () => {
    const params = { PostedAfter: since(), MaxResultsPerPage: '20' };
    const posted: string[] = [];
    let emptyPages = 0;
    let reply = await get(sandbox(), FINANCES, params);
    for (;;) {
      expect(reply.status).toBe(200);
      const { ShipmentEventList, RefundEventList } = reply.body.payload.FinancialEvents;
      const events = [...ShipmentEventList, ...RefundEventList];
      if (events.length === 0 && reply.body.payload.NextToken) emptyPages++;
      posted.push(...events.map((event: { PostedDate: string }) => event.PostedDate));
      if (!reply.body.payload.NextToken) break;
      reply = await get(sandbox(), FINANCES, { ...params, NextToken: reply.body.payload.NextToken });
    }

    expect(posted).toHaveLength(150);
    expect(new Set(posted).size).toBe(150);
    expect(emptyPages).toBeGreaterThan(0);
    expect(reply.body.payload.FinancialEvents).toHaveProperty('ServiceFeeEventList', []);
  });

  it('answers a token past its lifetime as Amazon does', async () => {
    const own = await startSpApiSandbox({
      financialEvents: 150,
      financesTokenLifetimeSeconds: 180,
      quotaScale: 1_000_000,
    });
    try {
      const params = { PostedAfter: since(), MaxResultsPerPage: '10' };
      const first = await get(own, FINANCES, params);
      own.clock.advance(180_001);
      const late = await get(own, FINANCES, { ...params, NextToken: first.body.payload.NextToken });
      expect(errorOf(late, 400)).toEqual({
        code: 'InvalidInput',
        message: 'Token is not valid, token duration is 3 minutes.',
        details: '',
      });
    } finally {
      await own.close();
    }
  });

  it('checks PostedAfter and PostedBefore as the model says', async () => {
    const first = await get(sandbox(), FINANCES, { PostedAfter: since(), MaxResultsPerPage: '10' });
    const moved = errorOf(
      await get(sandbox(), FINANCES, { PostedAfter: since(), NextToken: first.body.payload.NextToken }),
      400,
    );
    expect(moved).toMatchObject({ code: 'InvalidInput', message: 'Input not valid.' });
    expect(moved.details).toMatch(/these differ: PostedAfter$/);

    const before = errorOf(await get(sandbox(), FINANCES, { PostedBefore: since() }), 400);
    expect(before.details).toBe(
      'If you include the PostedBefore parameter in your request, you must also specify the PostedAfter parameter.',
    );
    const apart = await get(sandbox(), FINANCES, {
      PostedAfter: new Date(Date.now() - 181 * DAY_MS).toISOString(),
    });
    expect(apart.status).toBe(200);
    expect(apart.body.payload.NextToken).toBeUndefined();
    expect(apart.body.payload.FinancialEvents.ShipmentEventList).toEqual([]);
  });
});
