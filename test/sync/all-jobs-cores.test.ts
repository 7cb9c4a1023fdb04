import { GlueClient, ListJobsCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { listJobsPage } from '../../functions/lib/list-jobs';
import { readJobRun } from '../../functions/lib/read-job-run';
import {
  SYNC_EVENTS_AT_START,
  SYNC_EVENTS_PER_JOB,
  SYNC_EVENTS_PER_PAGE,
  SYNC_EVENTS_PER_POLL,
} from '../../functions/lib/sync/all-jobs-budget';
import {
  childExecutionName,
  continuedSyncName,
  parseAllJobsInput,
  type SyncConfig,
} from '../../functions/lib/sync/all-jobs-config';

const glue = mockClient(GlueClient);
/** The jobs cursor of an execution that has listed `pagesHere` pages and nothing costly besides. */
const cursor = (nextToken: string | null, page: number, pagesHere = page) => ({
  nextToken,
  page,
  pagesHere,
  historyEvents: SYNC_EVENTS_AT_START,
  continueAsNew: false,
  nextExecutionName: page === 0 ? '' : 'x',
  names: [],
});
const sync: SyncConfig = parseAllJobsInput({ source: 'glue.allJobs', params: {} }, 'sync-1');
const renew = vi.fn(async () => undefined);

beforeEach(() => {
  glue.reset();
  renew.mockClear();
});

describe('child execution names', () => {
  it.each([['nightly-etl'], ['a job with spaces / slashes: and ünïcödé'], ['x'.repeat(255)]])(
    'are at most 80 of A-Z a-z 0-9 - _ and the same every time for %s',
    (job) => {
      const name = childExecutionName(`scheduled-${'r'.repeat(70)}`, job);

      expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(childExecutionName(`scheduled-${'r'.repeat(70)}`, job)).toBe(name);
    },
  );

  it('keep apart two jobs whose names clean up alike', () => {
    expect(childExecutionName('sync-1', 'a b')).not.toBe(childExecutionName('sync-1', 'a/b'));
  });
});

describe('listing jobs', () => {
  it('asks ListJobs for a page with the token, and hands back the names with their child names', async () => {
    glue.on(ListJobsCommand).resolves({ JobNames: ['a', 'b'], NextToken: 'next' });

    const page = await listJobsPage(
      { sync, jobs: cursor('this', 1) },
      { glue: glue as unknown as GlueClient, leases: { renew } },
    );

    expect(glue).toHaveReceivedCommandWith(ListJobsCommand, { MaxResults: 100, NextToken: 'this' });
    expect(page).toEqual({
      nextToken: 'next',
      page: 2,
      pagesHere: 2,
      historyEvents: SYNC_EVENTS_AT_START + SYNC_EVENTS_PER_PAGE + 2 * SYNC_EVENTS_PER_JOB,
      continueAsNew: false,
      nextExecutionName: continuedSyncName('sync-1', 2),
      names: [
        { name: 'a', executionName: childExecutionName('sync-1', 'a') },
        { name: 'b', executionName: childExecutionName('sync-1', 'b') },
      ],
    });
    expect(renew).toHaveBeenCalledWith('glue.allJobs', 'sync-1', 3600);
  });

  it('pages through the deployed glueJobNames without calling Glue', async () => {
    const allowedJobs = Array.from({ length: 150 }, (_, i) => `job-${i}`);
    const deps = { glue: glue as unknown as GlueClient, leases: { renew }, allowedJobs };

    const first = await listJobsPage({ sync, jobs: cursor(null, 0) }, deps);
    const second = await listJobsPage({ sync, jobs: first }, deps);

    expect(first.names).toHaveLength(100);
    expect(second.names.map((n) => n.name)).toEqual(allowedJobs.slice(100));
    expect(second.nextToken).toBeNull();
    expect(glue.calls()).toHaveLength(0);
  });

  it('adds the looks at long runs of the page before to the estimate', async () => {
    glue.on(ListJobsCommand).resolves({ JobNames: ['a'], NextToken: 'next' });
    const done = [{ status: 'succeeded', polls: 2 }, { status: 'succeeded', polls: 0 }, { status: 'failed' }];

    const page = await listJobsPage(
      { sync, jobs: { ...cursor('this', 1), done } },
      { glue: glue as unknown as GlueClient, leases: { renew } },
    );

    expect(page.historyEvents).toBe(
      SYNC_EVENTS_AT_START + 2 * SYNC_EVENTS_PER_POLL + SYNC_EVENTS_PER_PAGE + SYNC_EVENTS_PER_JOB,
    );
  });

  it.each([
    ['another full page would pass the budget', { jobsPerPage: 100, jobPagesPerExecution: 100 }, 500, true],
    ['it listed jobPagesPerExecution pages', { jobsPerPage: 1, jobPagesPerExecution: 2 }, 20_000, true],
    ['another full page fits', { jobsPerPage: 1, jobPagesPerExecution: 100 }, 500, false],
  ])('continues as new when %s', async (_, options, historyBudget, expected) => {
    glue.on(ListJobsCommand).resolves({ JobNames: ['a'], NextToken: 'next' });
    const own = parseAllJobsInput({ source: 'glue.allJobs', params: {}, options }, 'sync-1');

    const page = await listJobsPage(
      { sync: own, jobs: cursor('this', 1) },
      { glue: glue as unknown as GlueClient, leases: { renew }, historyBudget },
    );

    expect(page.continueAsNew).toBe(expected);
  });

  it('never continues as new after the last page', async () => {
    glue.on(ListJobsCommand).resolves({ JobNames: ['a'] });
    const own = parseAllJobsInput(
      { source: 'glue.allJobs', params: {}, options: { jobPagesPerExecution: 1 } },
      'sync-1',
    );

    const page = await listJobsPage(
      { sync: own, jobs: cursor('this', 5) },
      { glue: glue as unknown as GlueClient, leases: { renew }, historyBudget: 1 },
    );

    expect(page).toMatchObject({ nextToken: null, continueAsNew: false });
  });

  it("passes Glue's throttling on by its own name, for the state machine to retry", async () => {
    glue
      .on(ListJobsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(
      listJobsPage(
        { sync, jobs: cursor(null, 0) },
        { glue: glue as unknown as GlueClient, leases: { renew } },
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(renew).not.toHaveBeenCalled();
  });
});

describe("reading a job's run", () => {
  const job = { name: 'nightly-etl', executionName: 'sync-1-nightly-etl-0123abcd' };
  const recordJob = vi.fn(async () => undefined);
  const deps = (record: unknown) => ({
    runs: { get: async () => record as never },
    syncs: { recordJob },
    leases: { renew },
  });
  beforeEach(() => recordJob.mockClear());

  it('records a child that failed before writing a run record with the error from its DescribeExecution cause', async () => {
    const child = {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({
        Status: 'FAILED',
        Error: 'CollectionBusy',
        Cause: 'glue.getJobRuns#nightly-etl is being drained',
      }),
    };

    const outcome = await readJobRun({ sync, job, child }, deps(undefined));

    expect(outcome).toEqual({ status: 'failed', polls: 0 });
    expect(recordJob).toHaveBeenCalledWith('sync-1', {
      job: 'nightly-etl',
      executionName: job.executionName,
      status: 'failed',
      items: 0,
      pages: 0,
      error: { error: 'CollectionBusy', message: 'glue.getJobRuns#nightly-etl is being drained' },
    });
  });

  it('records nothing yet while the run goes on in a later segment, and waits longer at each look', async () => {
    const look = (polls: number) =>
      readJobRun(
        { sync, job, child: { status: 'SUCCEEDED', output: {} }, polls },
        deps({ status: 'running' }),
      );

    expect(await look(0)).toEqual({ status: 'running', polls: 1, waitSeconds: 30 });
    expect(await look(1)).toEqual({ status: 'running', polls: 2, waitSeconds: 60 });
    expect((await look(20)).waitSeconds).toBe(600);
    expect(recordJob).not.toHaveBeenCalled();
  });

  it('hands back the looks it took once the run has ended, for the history estimate', async () => {
    const outcome = await readJobRun(
      { sync, job, child: { status: 'SUCCEEDED', output: {} }, polls: 3 },
      deps({ status: 'succeeded', items: 5, pages: 1 }),
    );

    expect(outcome).toEqual({ status: 'succeeded', polls: 3 });
  });

  it("takes the counts from the run record, not from the child's output", async () => {
    const record = { status: 'succeeded', items: 42, pages: 3 };

    await readJobRun({ sync, job, child: { status: 'SUCCEEDED', output: { items: 1 } } }, deps(record));

    expect(recordJob).toHaveBeenCalledWith(
      'sync-1',
      expect.objectContaining({ status: 'succeeded', items: 42, pages: 3 }),
    );
  });
});
