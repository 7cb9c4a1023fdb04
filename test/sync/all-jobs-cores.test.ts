import { GlueClient, ListJobsCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { listJobsPage } from '../../functions/lib/list-jobs';
import { readJobRun } from '../../functions/lib/read-job-run';
import {
  childExecutionName,
  continuedSyncName,
  parseAllJobsInput,
  type SyncConfig,
} from '../../functions/lib/sync/all-jobs-config';

const glue = mockClient(GlueClient);
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
      { sync, jobs: { nextToken: 'this', page: 1, pagesHere: 1, nextExecutionName: 'x', names: [] } },
      { glue: glue as unknown as GlueClient, leases: { renew } },
    );

    expect(glue).toHaveReceivedCommandWith(ListJobsCommand, { MaxResults: 100, NextToken: 'this' });
    expect(page).toEqual({
      nextToken: 'next',
      page: 2,
      pagesHere: 2,
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

    const first = await listJobsPage(
      { sync, jobs: { nextToken: null, page: 0, pagesHere: 0, nextExecutionName: '', names: [] } },
      deps,
    );
    const second = await listJobsPage({ sync, jobs: first }, deps);

    expect(first.names).toHaveLength(100);
    expect(second.names.map((n) => n.name)).toEqual(allowedJobs.slice(100));
    expect(second.nextToken).toBeNull();
    expect(glue.calls()).toHaveLength(0);
  });

  it("passes Glue's throttling on by its own name, for the state machine to retry", async () => {
    glue
      .on(ListJobsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(
      listJobsPage(
        { sync, jobs: { nextToken: null, page: 0, pagesHere: 0, nextExecutionName: '', names: [] } },
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

    expect(outcome).toEqual({ status: 'failed' });
    expect(recordJob).toHaveBeenCalledWith('sync-1', {
      job: 'nightly-etl',
      executionName: job.executionName,
      status: 'failed',
      items: 0,
      pages: 0,
      error: { error: 'CollectionBusy', message: 'glue.getJobRuns#nightly-etl is being drained' },
    });
  });

  it('records nothing yet while the run goes on in a later segment', async () => {
    const outcome = await readJobRun(
      { sync, job, child: { status: 'SUCCEEDED', output: {} } },
      deps({ status: 'running' }),
    );

    expect(outcome).toEqual({ status: 'running' });
    expect(recordJob).not.toHaveBeenCalled();
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
