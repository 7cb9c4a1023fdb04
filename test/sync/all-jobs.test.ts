import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { SyncRecords } from '../../functions/lib/sync/all-jobs-store';
import { createSyncMachines } from '../../local/all-jobs';
import { followRun, type LocalHandlers } from '../../local/engine';
import { type Scenario, startScenario } from '../support/scenario';

const JOBS = { alpha: 250, empty: 0, broken: 30 };

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
  scenario.stack.glue?.failJob('broken');
});
afterAll(async () => scenario?.close());
beforeEach(() => scenario.stack.glue?.resetStats());

let runs = 0;
/** Runs an all-jobs sync to its end on fresh local machines. */
async function syncAll(options: Record<string, unknown>, handlers: Partial<LocalHandlers> = {}) {
  const machines = await createSyncMachines({ ...scenario.handlers, ...handlers } as LocalHandlers, {
    retryDelayMs: 0,
    waitDelayMs: 0,
  });
  const name = `all-jobs-${++runs}`;
  const first = machines.allJobs.start(name, { source: 'glue.allJobs', params: {}, options });
  const { last, segments } = await followRun(machines.allJobs, first);
  return { ...last, name, segments, machines };
}

/** GetJobRuns calls per job since the last reset. */
function callsPerJob(): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const request of scenario.stack.glue?.stats.requests ?? []) {
    const job = (request.body as { JobName?: string }).JobName;
    if (request.target === 'AWSGlue.GetJobRuns' && job) calls[job] = (calls[job] ?? 0) + 1;
  }
  return calls;
}

describe('an all-jobs sync over three jobs, one with no runs and one failing', () => {
  it('syncs the other two exactly, reports the failing one, and ends partial', async () => {
    const result = await syncAll({ sync: 'incremental', maxConcurrency: 2 });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'partial',
      totals: { jobs: 3, byStatus: { succeeded: 2, failed: 1 }, items: 250, pages: 3 },
      jobs: [
        { job: 'alpha', status: 'succeeded', items: 250, pages: 2 },
        {
          job: 'broken',
          status: 'failed',
          items: 0,
          error: {
            error: 'AccessDeniedException',
            message: 'AccessDeniedException for job broken (sandbox failJob)',
          },
        },
        { job: 'empty', status: 'succeeded', items: 0, pages: 1 },
      ],
    });
    expect([...(await scenario.storedKeys('glue.getJobRuns#alpha'))].sort()).toEqual(
      scenario.stack.glue?.jobRunIds('alpha').sort(),
    );
    expect(await scenario.storedKeys('glue.getJobRuns#broken')).toEqual([]);
    // The failure is the child's own: its execution failed with Glue's error.
    const child = result.machines.pagewalk
      .list()
      .find((e) => e.input && JSON.stringify(e.input).includes('broken'));
    expect((await child?.result)?.error).toBe('AccessDeniedException');
    const record = await new SyncRecords(scenario.stack.documentClient, scenario.stack.tableName).get(
      result.name,
    );
    expect(record).toMatchObject({ status: 'partial', totals: { jobs: 3 } });
  });

  it('reads one page per job when synced again right after', async () => {
    await syncAll({ sync: 'incremental' });
    scenario.stack.glue?.resetStats();

    const again = await syncAll({ sync: 'incremental' });

    expect(callsPerJob()).toEqual({ alpha: 1, empty: 1, broken: 1 });
    expect(again.output).toMatchObject({ totals: { byStatus: { succeeded: 2, failed: 1 } } });
  });

  it('names every child execution deterministically and validly', async () => {
    const result = await syncAll({});

    const names = result.machines.pagewalk.list().map((e) => e.name);
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(names.every((name) => name.startsWith(`${result.name}-`))).toBe(true);
  });

  it('runs at most maxConcurrency children at once', async () => {
    let running = 0;
    let most = 0;
    const counting: Partial<LocalHandlers> = {
      StartRunFunctionArn: async (event) => {
        most = Math.max(most, ++running);
        return scenario.handlers.StartRunFunctionArn?.(event);
      },
      FinishRunFunctionArn: async (event) => {
        running--;
        return scenario.handlers.FinishRunFunctionArn?.(event);
      },
    };

    await syncAll({ maxConcurrency: 1 }, counting);

    expect(most).toBe(1);
  });
});

describe("when a job's run continues as a new execution", () => {
  it('follows the run record past the child execution that .sync:2 waited for', async () => {
    const result = await syncAll({ iterationsPerExecution: 1, pageSize: 100, pagesPerInvocation: 1 });

    // alpha: 3 pages, one per execution; "Sync job" got back after the first one ended.
    const first = result.machines.pagewalk.list().find((e) => JSON.stringify(e.input).includes('"alpha"'));
    const segments = result.machines.pagewalk.list().filter((e) => e.name.startsWith(first?.name ?? '?'));
    expect(segments.map((e) => e.name.slice(first?.name.length))).toEqual(['', '-s2', '-s3']);
    expect(result.output).toMatchObject({
      jobs: [{ job: 'alpha', status: 'succeeded', items: 250, pages: 3 }, {}, {}],
    });
  });
});

describe('when there are more pages of jobs than one execution takes', () => {
  it('continues as a new execution with the jobs token and sums up every job at the end', async () => {
    const result = await syncAll({ jobsPerPage: 1, jobPagesPerExecution: 1 });

    expect(result.segments.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(result.output).toMatchObject({ status: 'partial', totals: { jobs: 3 } });
    expect((result.output as { jobs: { job: string }[] }).jobs.map((j) => j.job)).toEqual([
      'alpha',
      'broken',
      'empty',
    ]);
  });

  it('refuses a continue typed by hand, which its sync did not start', async () => {
    const done = await syncAll({});
    const machines = await createSyncMachines(scenario.handlers, { retryDelayMs: 0 });

    const forged = await machines.allJobs.start('forged', {
      continue: {
        runId: done.name,
        jobs: { nextToken: 'x', page: 1, pagesHere: 1, nextExecutionName: 'y', names: [] },
      },
    }).result;

    expect(forged.status).toBe('FAILED');
    expect(forged.error).toBe('RunStateConflict');
  });

  it('refuses a continue whose jobs cursor has a page that is not a count, with InvalidInput naming the field', async () => {
    const machines = await createSyncMachines(scenario.handlers, { retryDelayMs: 0 });

    const forged = await machines.allJobs.start('forged-page', {
      continue: { runId: 'no-such-sync', jobs: { nextToken: 'x', page: 'one', nextExecutionName: 'y' } },
    }).result;

    expect(forged.status).toBe('FAILED');
    expect(forged.error).toBe('InvalidInput');
    expect(forged.cause).toContain('continue.jobs.page must be a whole number');
  });
});

describe('when another all-jobs sync is running', () => {
  it('ends as skipped with ifBusy=skip, starting no child', async () => {
    const leases = new CollectionLeases(scenario.stack.documentClient, scenario.stack.tableName);
    await leases.acquire(
      'glue.allJobs',
      'the-other-sync',
      'arn:aws:states:::execution:x:the-other-sync',
      900,
    );

    const result = await syncAll({ sync: 'incremental', ifBusy: 'skip' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'skipped' });
    expect(result.machines.pagewalk.list()).toEqual([]);
    await leases.release('glue.allJobs', 'the-other-sync');
  });
});

describe('when the input is not an all-jobs sync', () => {
  it.each([
    [{ source: 'glue.getJobRuns', params: {} }, 'source must be glue.allJobs'],
    [{ source: 'glue.allJobs', params: { JobName: 'x' } }, 'params must be {} for glue.allJobs'],
    [
      { source: 'glue.allJobs', params: {}, options: { maxConcurrency: 0 } },
      'options.maxConcurrency must be an integer from 1 to 40',
    ],
    [
      { source: 'glue.allJobs', params: {}, options: { sync: 'nightly' } },
      'options.sync must be one of: full, incremental',
    ],
  ])('fails %j at Start sync with InvalidInput, writing nothing', async (input, message) => {
    const machines = await createSyncMachines(scenario.handlers, { retryDelayMs: 0 });

    const result = await machines.allJobs.start(`bad-${++runs}`, input).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(JSON.parse(result.cause ?? '{}').errorMessage).toContain(message);
    expect(machines.pagewalk.list()).toEqual([]);
  });
});
