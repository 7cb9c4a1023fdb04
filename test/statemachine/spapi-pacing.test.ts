/**
 * An SP-API source paced by the state machine against the local SP-API's token buckets, on
 * the real clock: getReports at 60 times Amazon's quota (1.33 calls/s after a burst of 10), so
 * a call past the burst waits 0.75 s (slept by the function), and a wait after a 429 is at least
 * a second, in "Wait for quota".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalHandler, LocalHandlers } from '../../local/engine';
import type { SpApiSandbox } from '../../local/sandbox/spapi';
import { USAGE_PLANS } from '../../local/sandbox/spapi-quota';
import { REPORT_TYPES } from '../../local/sandbox/spapi-reports';
import { type Scenario, startScenario } from '../support/scenario';

const QUOTA_SCALE = 60;
const RATE = USAGE_PLANS.getReports.rate * QUOTA_SCALE;
const BURST = USAGE_PLANS.getReports.burst;

let scenario: Scenario;
let spapi: SpApiSandbox;
beforeAll(async () => {
  scenario = await startScenario({}, {}, { quotaScale: QUOTA_SCALE, reports: 60 });
  spapi = scenario.stack.spapi as SpApiSandbox;
});
afterAll(() => scenario?.close());
beforeEach(() => {
  spapi.fillQuota();
  spapi.resetStats();
});

let n = 0;
/** Every report type, so the 60 reports are 12 pages of 5: two calls past the burst. */
function reportsInput(options: Record<string, unknown> = {}) {
  n += 1;
  // A createdUntil of its own per run keeps each run's collection apart.
  const createdUntil = new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString().replace('.000', '');
  return {
    input: {
      source: 'spapi.reports',
      params: { reportTypes: REPORT_TYPES.join(','), createdUntil },
      options: { pageSize: 5, ...options },
    },
    expected: spapi.items('getReports', { reportTypes: REPORT_TYPES.join(','), createdUntil }),
  };
}

const collectionOf = (createdUntil: string) => `spapi.reports#${createdUntil}#${REPORT_TYPES.join(',')}`;

describe('a drain that needs more calls than the burst', () => {
  it('makes no 429 and takes at least (calls - burst) / rate', async () => {
    const { input, expected } = reportsInput();
    expect(expected).toHaveLength(60);
    const started = Date.now();
    const result = await scenario.execute(input);
    const elapsed = Date.now() - started;

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 12, items: 60 });
    expect(spapi.stats.byOperation.getReports).toBe(12);
    expect(spapi.stats.throttled).toBe(0);
    expect(result.stats.retries).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(((12 - BURST) / RATE) * 1000);
    expect(await scenario.storedKeys(collectionOf(input.params.createdUntil))).toEqual(
      expected.map((report) => String(report.reportId)).sort(),
    );
  });
});

describe('a 429 QuotaExceeded', () => {
  it('leads to Wait for quota, not a Retry, and the drain still ends with exactly the items', async () => {
    // Two pages of 30, the second answered 429 first.
    const { input, expected } = reportsInput({ pageSize: 30, pagesPerInvocation: 1 });
    let invocations = 0;
    const fetchPage = scenario.handlers.FetchPageFunctionArn as LocalHandler;
    // Another client of the same seller spends the quota after the first page.
    const handlers: Partial<LocalHandlers> = {
      FetchPageFunctionArn: (event, context) => {
        invocations += 1;
        if (invocations === 2) spapi.throttleNext(1);
        return fetchPage(event, context);
      },
    };
    const result = await scenario.execute(input, { handlers });

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 2, items: 60 });
    expect(spapi.stats.throttled).toBe(1);
    expect(result.stats.retries).toBe(0);
    expect(result.stats.stateEntries['Wait for quota']).toBe(1);
    const record = await scenario.runRecord(result.name);
    expect(record?.checkpoint.pacing?.throttles).toBe(1);
    // The rate the header gave, lowered by a fifth after the 429.
    expect(record?.checkpoint.pacing?.rate).toBeCloseTo(RATE * 0.8, 5);
    expect(await scenario.storedKeys(collectionOf(input.params.createdUntil))).toEqual(
      expected.map((report) => String(report.reportId)).sort(),
    );
  });
});
