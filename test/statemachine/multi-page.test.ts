import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getSource } from '../../functions/lib/sources/registry';
import type { GlueSandbox } from '../../local/sandbox/glue';
import type { MarketplaceSandbox } from '../../local/sandbox/marketplace';
import { expectEachOnce, type Scenario, startScenario } from '../support/scenario';

/**
 * The state machine with the default options, where one page-fetch invocation reads many
 * pages: every signal still reaches the Choice and branches there.
 */
const MARKETPLACE = 'ATVPDKIKX0DER';
let scenario: Scenario;
let glue: GlueSandbox;
let sandbox: MarketplaceSandbox;

beforeAll(async () => {
  scenario = await startScenario({ jobs: { 'multi-job': 990, 'segmented-job': 300 } }, { orders: 1234 });
  glue = scenario.stack.glue as GlueSandbox;
  sandbox = scenario.stack.marketplace as MarketplaceSandbox;
});
afterAll(async () => scenario?.close());
beforeEach(() => {
  glue.resetStats();
  sandbox.resetStats();
});

describe('when one invocation reads up to pagesPerInvocation pages', () => {
  /**
   * Drains multi-job's 990 runs in 50 pages of 20 with `options`, under a time budget no loaded
   * machine spends on them (so the pages per invocation, not the time, decide), and checks every
   * run was stored once.
   */
  async function drainMultiJob(options: Record<string, unknown>) {
    const result = await scenario.execute({
      source: 'glue.getJobRuns',
      params: { JobName: 'multi-job' },
      options: { pageSize: 20, invocationBudgetSeconds: 60, ...options },
    });
    expect(result.output).toMatchObject({ status: 'succeeded', pages: 50, items: 990 });
    expectEachOnce(await scenario.storedKeys('glue.getJobRuns#multi-job'), glue.jobRunIds('multi-job'));
    return result;
  }

  it('drains 50 pages in one invocation of "Fetch first page" when the time budget allows: the default caps an invocation at 250 pages, not 25', async () => {
    const result = await drainMultiJob({});
    expect(result.stats.stateEntries['Fetch first page']).toBe(1);
    expect(result.stats.stateEntries['Fetch next page'] ?? 0).toBe(0);
    expect(result.stats.transitions).toBe(2 * 1 + 4);
  });

  it('drains 50 pages in two invocations at pagesPerInvocation 25 (the first page and 24 more, then 25), two transitions each, with every run stored once', async () => {
    const result = await drainMultiJob({ pagesPerInvocation: 25 });
    const entries = result.stats.stateEntries;
    expect(entries['Fetch first page']).toBe(1);
    expect(entries['Fetch next page']).toBe(1);
    expect(entries['More pages?']).toBe(2);
    // Two invocations and their Choices, and Start run, New run or resumed?, No more pages, Record completion.
    expect(result.stats.transitions).toBe(2 * 2 + 4);
    expect(glue.stats.byOperation.GetJobRuns).toBe(50);
    expect(await scenario.runRecord(result.name)).toMatchObject({ pages: 50, items: 990, fetches: 50 });
  });

  it('returns to the Choice when HasNext=false', async () => {
    const result = await scenario.execute({
      source: 'marketplace.reports',
      params: {},
      options: { pageSize: 50 },
    });

    expect(result.output).toMatchObject({ status: 'succeeded', pages: 7, items: 321 });
    // All 7 pages in the first invocation, which hands HasNext=false on page 7 to the Choice.
    expect(result.stats.stateEntries['Fetch first page']).toBe(1);
    expect(result.stats.stateEntries['Fetch next page'] ?? 0).toBe(0);
    expect(result.stats.stateEntries['Record completion']).toBe(1);
  });

  it('returns to the Choice when MoreResultsAvailable=false, which waits and polls', async () => {
    const result = await scenario.execute({
      source: 'marketplace.customers',
      params: { MarketplaceId: MARKETPLACE },
      options: { pageSize: 10, pollIntervalSeconds: 0, maxPolls: 2 },
    });

    expect(result.output).toMatchObject({ status: 'caughtUp', polls: 2, items: 150 });
    expect(result.stats.stateEntries['Wait for more results']).toBe(2);
    // The first invocation reads all 15 pages; each poll is an invocation of its own.
    expect(result.stats.stateEntries['Fetch first page']).toBe(1);
    expect(result.stats.stateEntries['Fetch next page']).toBe(2);
  });

  it('stops at a limit inside an invocation and says so', async () => {
    const result = await scenario.execute({
      source: 'glue.getJobRuns',
      params: { JobName: 'multi-job' },
      options: { pageSize: 20, maxPages: 7 },
    });

    expect(result.output).toMatchObject({ status: 'stoppedAtLimit', pages: 7, items: 140 });
    expect(result.stats.stateEntries['Fetch first page']).toBe(1);
    expect(result.stats.stateEntries['Fetch next page'] ?? 0).toBe(0);
  });

  it.each([
    // pages 1-4, then the refused call for page 5, all in "Fetch first page"'s invocation; after
    // the restart's page 1, one "Fetch next page" reads the other 12.
    ['Fetch first page', {}, 1],
    // pages 1-3 in "Fetch first page", page 4 and the refused call for page 5 in the first "Fetch
    // next page"; after the restart's page 1, four more read 3 pages each.
    ['Fetch next page', { pagesPerInvocation: 3 }, 5],
  ])(
    'goes to the restart branch when a token is refused mid-invocation (in %s), counting on from the pages it checkpointed',
    async (_, options, nextPageTasks) => {
      const source = getSource('marketplace.orders');
      const original = source.fetch.bind(source);
      let continuations = 0;
      const spy = vi.spyOn(source, 'fetch').mockImplementation((call) => {
        // The 4th continuation call of the run asks for page 5.
        if (call.kind === 'continuation' && ++continuations === 4) sandbox.corruptNextTokens(1);
        return original(call);
      });
      try {
        const result = await scenario.execute({
          source: 'marketplace.orders',
          params: { MarketplaceId: MARKETPLACE },
          options: { pageSize: 100, ...options },
        });

        expect(result.output).toMatchObject({ status: 'succeeded', restarts: 1, pages: 13, items: 1234 });
        expect(result.stats.stateEntries['Restart from first page']).toBe(1);
        expect(result.stats.stateEntries['Fetch next page']).toBe(nextPageTasks);
        expect(sandbox.stats.byOperation.ListOrders).toBe(2);
        expectEachOnce(await scenario.storedKeys(`marketplace.orders#${MARKETPLACE}`), sandbox.orderIds());
        // Pages 1-4 were checkpointed before the refused call: 4 + 13 fetches, 400 + 1,234 rows written.
        expect(await scenario.runRecord(result.name)).toMatchObject({
          restarts: 1,
          items: 1234,
          fetches: 17,
          written: 1634,
        });
      } finally {
        spy.mockRestore();
      }
    },
  );

  it('continues as new after iterationsPerExecution invocations, not pages', async () => {
    const result = await scenario.execute(
      {
        source: 'glue.getJobRuns',
        params: { JobName: 'segmented-job' },
        options: { pageSize: 10, pagesPerInvocation: 7, iterationsPerExecution: 2 },
      },
      { name: 'multi-seg' },
    );

    expect(result.segments.map((s) => s.name)).toEqual(['multi-seg', 'multi-seg-s2', 'multi-seg-s3']);
    expect(result.output).toMatchObject({ status: 'succeeded', pages: 30, items: 300, segment: 3 });
    expectEachOnce(
      await scenario.storedKeys('glue.getJobRuns#segmented-job'),
      glue.jobRunIds('segmented-job'),
    );
  });
});
