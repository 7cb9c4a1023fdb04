import { GetJobRunsCommand, GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { Watermarks } from '../../functions/lib/sync/watermark';
import { type Scenario, startScenario } from '../support/scenario';

const JOBS = { growing: 40, 'with-a-running-run': 300, forged: 120, limited: 500, busy: 10 };

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
});
afterAll(async () => scenario?.close());
beforeEach(() => scenario.stack.glue?.resetStats());

const sync = (JobName: string, options: Record<string, unknown> = {}) =>
  scenario.execute({ source: 'glue.getJobRuns', params: { JobName }, options });
const glueCalls = () => scenario.stack.glue?.stats.byOperation.GetJobRuns ?? 0;
const watermarks = () => new Watermarks(scenario.stack.documentClient, scenario.stack.tableName);

/** Every run the source lists now, as a full drain stores it (timestamps as ISO-8601). */
async function sourceRuns(JobName: string): Promise<Record<string, unknown>[]> {
  const glue = new GlueClient({ endpoint: scenario.stack.glueEndpoint, region: 'us-east-1' });
  const runs: JobRun[] = [];
  let NextToken: string | undefined;
  do {
    const out = await glue.send(new GetJobRunsCommand({ JobName, MaxResults: 200, NextToken }));
    runs.push(...(out.JobRuns ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  glue.destroy();
  return runs.map((run) => JSON.parse(JSON.stringify(run)) as Record<string, unknown>);
}

/** Every item row of the job's collection, as stored. */
async function storedRuns(JobName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await scenario.stack.documentClient.send(
      new QueryCommand({
        TableName: scenario.stack.tableName,
        KeyConditionExpression: 'pk = :c',
        ExpressionAttributeValues: { ':c': `glue.getJobRuns#${JobName}` },
        ExclusiveStartKey,
      }),
    );
    for (const row of out.Items ?? []) items.push(row.item as Record<string, unknown>);
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const byId = (runs: Record<string, unknown>[]) =>
  [...runs].sort((a, b) => String(a.Id).localeCompare(String(b.Id)));

/** The table holds exactly what a full drain of the job would hold now, current states included. */
async function expectTableExact(JobName: string): Promise<void> {
  expect(byId(await storedRuns(JobName))).toEqual(byId(await sourceRuns(JobName)));
}

describe('an incremental sync after a full drain', () => {
  it('reads only the pages with the 7 new runs (and the run it stops at), leaving the table exact', async () => {
    const full = await sync('growing', { pageSize: 2 });
    expect(full.output).toMatchObject({
      status: 'succeeded',
      pages: 20,
      sync: { mode: 'full', pass: 'full' },
    });
    scenario.stack.glue?.addRuns('growing', 7);
    scenario.stack.glue?.resetStats();

    const incremental = await sync('growing', { pageSize: 2, sync: 'incremental' });

    expect(incremental.status).toBe('SUCCEEDED');
    // Pages of 2: the 7 new runs fill three and a half; the fourth also holds the old newest run.
    expect(glueCalls()).toBe(4);
    expect(incremental.output).toMatchObject({
      status: 'succeeded',
      pages: 4,
      items: 8,
      sync: {
        mode: 'incremental',
        pass: 'incremental',
        stoppedAt: scenario.stack.glue?.jobRunIds('growing')[7],
      },
    });
    await expectTableExact('growing');
  });

  it('carries its progress across continue-as-new segments and still stops at the floor', async () => {
    await sync('growing', { sync: 'incremental' });
    scenario.stack.glue?.addRuns('growing', 3);
    scenario.stack.glue?.resetStats();

    const result = await sync('growing', {
      sync: 'incremental',
      pageSize: 1,
      pagesPerInvocation: 1,
      iterationsPerExecution: 1,
    });

    // The 3 new runs and the old newest, one page per execution.
    expect(result.segments).toHaveLength(4);
    expect(glueCalls()).toBe(4);
    expect(result.output).toMatchObject({ status: 'succeeded', sync: { pass: 'incremental' } });
    await expectTableExact('growing');
  });

  it('reads one page when nothing changed since the last sync', async () => {
    await sync('growing', { sync: 'incremental' });
    scenario.stack.glue?.resetStats();

    const again = await sync('growing', { sync: 'incremental' });

    expect(glueCalls()).toBe(1);
    expect(again.output).toMatchObject({ status: 'succeeded', pages: 1, sync: { pass: 'incremental' } });
    await expectTableExact('growing');
  });

  it('reads a run that was RUNNING at the last sync again, and stores it SUCCEEDED once it is', async () => {
    const glue = scenario.stack.glue!;
    const job = 'with-a-running-run';
    glue.addRuns(job, 1, 'RUNNING');
    const running = glue.jobRunIds(job)[0] as string;
    glue.addRuns(job, 5);
    await sync(job);
    expect((await storedRuns(job)).find((r) => r.Id === running)).toMatchObject({ JobRunState: 'RUNNING' });

    glue.addRuns(job, 3);
    glue.setRunState(job, running, 'SUCCEEDED');
    glue.resetStats();
    const incremental = await sync(job, { pageSize: 2, sync: 'incremental' });

    // 3 new runs, the 5 final ones above the running run, then the running run: 9 runs, 5 pages.
    expect(glueCalls()).toBe(5);
    expect(incremental.output).toMatchObject({ sync: { pass: 'incremental', stoppedAt: running } });
    expect((await storedRuns(job)).find((r) => r.Id === running)).toMatchObject({ JobRunState: 'SUCCEEDED' });
    await expectTableExact(job);
    // Nothing is pending any more: the next sync stops at the newest run again.
    expect((await watermarks().get(`glue.getJobRuns#${job}`))?.oldestPending).toBeNull();
  });
});

describe('when an incremental sync cannot stop early', () => {
  it('reads every page when no sync of the collection has succeeded yet, and says so', async () => {
    const first = await sync('forged', { sync: 'incremental', pageSize: 50 });

    expect(glueCalls()).toBe(3);
    expect(first.output).toMatchObject({
      sync: {
        mode: 'incremental',
        pass: 'full',
        fullPassReason: 'no earlier successful sync of this collection',
      },
    });
    await expectTableExact('forged');
  });

  it('falls back to a full pass when the newest run listed is older than the last sync saw, and says so', async () => {
    const collection = 'glue.getJobRuns#forged';
    await watermarks().put({
      collection,
      newest: { id: 'jr_from_the_future', startedOn: '2099-01-01T00:00:00.000Z' },
      oldestPending: null,
      runId: 'forged-run',
      syncedAt: new Date().toISOString(),
    });

    const result = await sync('forged', { sync: 'incremental', pageSize: 50 });

    expect(glueCalls()).toBe(3);
    expect(result.output).toMatchObject({ sync: { pass: 'full' } });
    expect((result.output as { sync: { fullPassReason: string } }).sync.fullPassReason).toMatch(
      /is older than the newest run of the last sync, jr_from_the_future .*the order cannot be trusted/,
    );
    await expectTableExact('forged');
  });

  it('leaves no watermark when the sync stops at a limit, so the next one still reads everything', async () => {
    const result = await sync('limited', { sync: 'incremental', pageSize: 100, maxPages: 2 });

    expect(result.output).toMatchObject({ status: 'stoppedAtLimit' });
    expect(await watermarks().get('glue.getJobRuns#limited')).toBeNull();
  });
});

describe('when another run holds the collection', () => {
  const holdCollection = () =>
    new CollectionLeases(scenario.stack.documentClient, scenario.stack.tableName).acquire(
      'glue.getJobRuns#busy',
      'the-other-run',
      'arn:aws:states:us-east-1:000000000000:execution:pagewalk:the-other-run',
      900,
    );

  it('succeeds as skipped with ifBusy=skip, writing nothing', async () => {
    await holdCollection();

    const result = await sync('busy', { sync: 'incremental', ifBusy: 'skip' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'skipped', collection: 'glue.getJobRuns#busy' });
    expect((result.output as { message: string }).message).toContain('run the-other-run');
    expect(await scenario.runRecord(result.name)).toBeUndefined();
    expect(glueCalls()).toBe(0);
  });

  it('fails with CollectionBusy by default', async () => {
    await holdCollection();

    const result = await sync('busy', { sync: 'incremental' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('CollectionBusy');
  });
});
