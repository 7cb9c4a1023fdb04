import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalEvent } from '../../local/engine';
import { expectEachOnce, type Scenario, startScenario } from '../support/scenario';

const JOBS = {
  'nightly-etl': 1234,
  'exactly-200': 200,
  'exactly-201': 201,
  'one-run': 1,
  'never-run': 0,
  'flaky-job': 250,
};

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
});
afterAll(async () => scenario?.close());
beforeEach(() => scenario.stack.glue?.resetStats());

/** One page per invocation, as every test here counts states per page; multi-page drains have their own file. */
const drain = (JobName: string, options?: Record<string, unknown>) =>
  scenario.execute({
    source: 'glue.getJobRuns',
    params: { JobName },
    options: { pagesPerInvocation: 1, ...options },
  });

describe('when Glue says "there is more" by the presence of a NextToken', () => {
  it.each([
    ['never-run', 0, 1],
    ['one-run', 1, 1],
    ['exactly-200', 200, 1],
    ['exactly-201', 201, 2],
    ['nightly-etl', 1234, 7],
  ])('drains %s: %i runs in %i pages, each run stored exactly once', async (job, runs, pages) => {
    const result = await drain(job);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded', pages, items: runs, restarts: 0 });
    expectEachOnce(
      await scenario.storedKeys(`glue.getJobRuns#${job}`),
      scenario.stack.glue?.jobRunIds(job) ?? [],
    );
  });

  it('keeps the run record counters equal to what the table holds', async () => {
    const result = await drain('exactly-201', { pageSize: 50 });

    const record = await scenario.runRecord(result.name);
    const stored = await scenario.storedKeys('glue.getJobRuns#exactly-201');
    expect(record).toMatchObject({ status: 'succeeded', pages: 5, items: stored.length, fetches: 5 });
    expect(record?.checkpoint.nextToken).toBeNull();
    expect(record?.completedAt).toEqual(expect.any(String));
  });

  it('asks Glue for the page size from the input', async () => {
    await drain('exactly-201', { pageSize: 100 });

    const sent = scenario.stack.glue?.stats.requests.map(
      (r) => (r.body as { MaxResults?: number }).MaxResults,
    );
    expect(sent).toEqual([100, 100, 100]);
  });

  // 201 runs at 10 a page: 21 pages, 20 of them "next", with little data to write.
  it('enters two states per page in steady state: one Task and one Choice', async () => {
    const result = await drain('exactly-201', { pageSize: 10 });

    const entries = result.stats.stateEntries;
    const pages = 21;
    expect(entries['Fetch first page']).toBe(1);
    expect(entries['Fetch next page']).toBe(pages - 1);
    expect(entries['More pages?']).toBe(pages);
    // Once per run: Start run, New run or resumed?, Fetch first page, the ending and Record completion.
    const oncePerRun = [
      'Start run',
      'New run or resumed?',
      'Fetch first page',
      'No more pages',
      'Record completion',
    ];
    for (const state of oncePerRun) expect(entries[state]).toBe(1);
    expect(result.stats.transitions).toBe(2 * pages + oncePerRun.length - 1);
  });

  // The state is the run's config and the cursor (with the sync marks: two or three job-run ids
  // and times), about 1.1 KB whatever the page size; a Glue run is about 700 bytes, so even a
  // page of 10 carried along would be over 7 KB.
  it('passes only the cursor between states, well under 1.5 KB per page', async () => {
    const sizes: number[] = [];
    const onEvent = (event: LocalEvent) => {
      if (event.type === 'StateExited' && event.state?.name === 'Fetch next page') {
        sizes.push(Buffer.byteLength(JSON.stringify(event.state.output)));
      }
    };
    await scenario.execute(
      {
        source: 'glue.getJobRuns',
        params: { JobName: 'exactly-201' },
        options: { pageSize: 10, pagesPerInvocation: 1 },
      },
      { onEvent },
    );

    expect(sizes.length).toBe(20);
    expect(Math.max(...sizes)).toBeLessThan(1536);
  });
});

describe('when Glue throttles or fails transiently', () => {
  it('retries ThrottlingException with backoff and then stores every run once', async () => {
    scenario.stack.glue?.throttleNext(3);

    const result = await drain('flaky-job');

    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.retries).toBe(3);
    expect(scenario.stack.glue?.stats.throttled).toBe(3);
    expect((await scenario.storedKeys('glue.getJobRuns#flaky-job')).length).toBe(250);
  });

  it('retries InternalServiceException (HTTP 500) and then succeeds', async () => {
    scenario.stack.glue?.failNext(2);

    const result = await drain('flaky-job');

    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.retries).toBe(2);
    expect(result.output).toMatchObject({ items: 250 });
  });

  it('retries while the service is down (503) and succeeds when it is back', async () => {
    const glue = scenario.stack.glue!;
    glue.down(true);
    let retried = 0;
    const result = await scenario.execute(
      { source: 'glue.getJobRuns', params: { JobName: 'one-run' } },
      {
        onEvent: (event) => {
          if (event.type === 'StateRetried' && ++retried === 2) glue.down(false);
        },
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.retries).toBe(2);
  });

  it('fails with the last error once retries are exhausted, keeping the checkpoint', async () => {
    const glue = scenario.stack.glue!;
    let pages = 0;
    const result = await scenario.execute(
      {
        source: 'glue.getJobRuns',
        params: { JobName: 'flaky-job' },
        options: { pageSize: 100, pagesPerInvocation: 1 },
      },
      {
        onEvent: (event) => {
          if (event.type === 'StateExited' && event.state?.name.startsWith('Fetch') && ++pages === 2)
            glue.down(true);
        },
      },
    );
    glue.down(false);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ServiceUnavailable');
    const record = await scenario.runRecord(result.name);
    expect(record).toMatchObject({ status: 'failed', pages: 2, items: 200 });
    expect(record?.checkpoint.nextToken).toEqual(expect.any(String));
    expect(record?.lastError).toMatchObject({ error: 'ServiceUnavailable' });
  });
});

describe('when the request cannot succeed', () => {
  it("fails fast on an unknown job with Glue's own error and message, writing no items", async () => {
    const result = await drain('no-such-job');

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EntityNotFoundException');
    expect(result.cause).toBe('Job with name: no-such-job not found.');
    expect(result.stats.retries).toBe(0);
    expect(await scenario.storedKeys('glue.getJobRuns#no-such-job')).toEqual([]);
    expect(await scenario.runRecord(result.name)).toMatchObject({
      status: 'failed',
      lastError: { error: 'EntityNotFoundException', message: 'Job with name: no-such-job not found.' },
    });
  });

  it.each([
    [{ params: { JobName: 'nightly-etl' } }, 'source must be one of: aws.cloudtrail.lookupEvents'],
    [
      { source: 'glue.getJobRun', params: { JobName: 'x' } },
      'source must be one of: aws.cloudtrail.lookupEvents, aws.logs.filterLogEvents, aws.logs.getLogEvents, aws.organizations.listAccounts, aws.s3.listObjectsV2, aws.sfn.listExecutions, aws.ssm.getParametersByPath, glue.getJobRuns, marketplace.customers, marketplace.orders, marketplace.reports, spapi.financialEvents, spapi.ordersV0, spapi.orders, spapi.reports; got "glue.getJobRun"',
    ],
    [{ source: 'glue.getJobRuns', params: {} }, 'params.JobName must be a Glue job name'],
    [
      { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pageSize: 500 } },
      'options.pageSize must be an integer from 1 to 200',
    ],
    [
      { source: 'glue.getJobRuns', params: { JobName: 'x' }, options: { pagesize: 5 } },
      'options.pagesize is not a known field; allowed: pageSize',
    ],
  ])('rejects %j at the first state with InvalidInput and writes nothing', async (input, message) => {
    const result = await scenario.execute(input);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(JSON.parse(result.cause ?? '{}').errorMessage).toContain(message);
    expect(result.stats.stateEntries).toEqual({ 'Start run': 1 });
    expect(await scenario.runRecord(result.name)).toBeUndefined();
    expect(scenario.stack.glue?.stats.calls).toBe(0);
  });
});
