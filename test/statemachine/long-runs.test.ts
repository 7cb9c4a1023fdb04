import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalExecutionResult } from '../../local/engine';
import type { GlueSandbox } from '../../local/sandbox/glue';
import { expectEachOnce, type Scenario, startScenario } from '../support/scenario';

const JOBS = {
  'segmented-job': 300,
  'outage-job': 250,
  'expiry-job': 250,
  'limit-job': 240,
  'busy-job': 40,
  'done-job': 3,
};

let scenario: Scenario;
let glue: GlueSandbox;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
  glue = scenario.stack.glue as GlueSandbox;
});
afterAll(async () => scenario?.close());
beforeEach(() => glue.resetStats());

const drain = (JobName: string, options: Record<string, unknown> = {}) => ({
  source: 'glue.getJobRuns',
  params: { JobName },
  // One page per invocation: these tests act between pages and count pages per segment.
  options: { pageSize: 10, pagesPerInvocation: 1, ...options },
});

const expectExactly = async (job: string) =>
  expectEachOnce(await scenario.storedKeys(`glue.getJobRuns#${job}`), glue.jobRunIds(job));

/** Fails the sandbox once `pages` pages have been read, the way an outage longer than every retry would. */
const outageAfter = (pages: number) => {
  let read = 0;
  return (event: { type: string; state?: { name: string } }) => {
    if (event.type === 'StateExited' && event.state?.name.startsWith('Fetch') && ++read === pages)
      glue.down(true);
  };
};

describe('when a run outgrows one execution', () => {
  it('continues as new executions named from the run id, with exact totals and every segment in budget', async () => {
    const result = await scenario.execute(drain('segmented-job', { iterationsPerExecution: 7 }), {
      name: 'seg-run',
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.segments.map((s) => s.name)).toEqual([
      'seg-run',
      'seg-run-s2',
      'seg-run-s3',
      'seg-run-s4',
      'seg-run-s5',
    ]);
    expect(result.output).toMatchObject({ status: 'succeeded', pages: 30, items: 300, segment: 5 });
    for (const segment of result.segments as LocalExecutionResult[]) {
      const fetches =
        (segment.stats.stateEntries['Fetch first page'] ?? 0) +
        (segment.stats.stateEntries['Fetch next page'] ?? 0);
      expect(fetches).toBeLessThanOrEqual(7);
    }
    const handover = result.segments[0]?.output as { continuedAs: { executionArn: string } };
    expect(handover.continuedAs.executionArn).toMatch(/:execution:pagewalk:seg-run-s2$/);
    await expectExactly('segmented-job');
    const record = await scenario.runRecord('seg-run');
    expect(record).toMatchObject({ status: 'succeeded', segmentCount: 5, items: 300, fetches: 30 });
    expect(Object.keys(record?.segments ?? {}).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(record?.segments['3']).toMatchObject({
      startedAs: 'continued',
      executionArn: expect.stringMatching(/seg-run-s3$/),
    });
  });
});

describe('when a run fails and is resumed', () => {
  it('fails with the checkpoint stored while the service is down, then resumes to the exact item set', async () => {
    const failed = await scenario.execute(drain('outage-job'), {
      name: 'outage-run',
      onEvent: outageAfter(6),
    });
    glue.down(false);

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('ServiceUnavailable');
    expect(await scenario.runRecord('outage-run')).toMatchObject({ status: 'failed', pages: 6, items: 60 });

    const resumed = await scenario.execute({ resume: 'outage-run' });

    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.stats.stateEntries['Fetch first page']).toBeUndefined();
    expect(resumed.output).toMatchObject({
      status: 'succeeded',
      pages: 25,
      items: 250,
      restarts: 0,
      segment: 2,
    });
    await expectExactly('outage-job');
    expect(await scenario.runRecord('outage-run')).toMatchObject({
      status: 'succeeded',
      items: 250,
      segmentCount: 2,
    });
  });

  it('restarts from the origin call when the checkpointed token expired meanwhile, without duplicates', async () => {
    const failed = await scenario.execute(drain('expiry-job'), {
      name: 'expiry-run',
      onEvent: outageAfter(4),
    });
    glue.down(false);
    glue.expireTokens();
    expect(failed.status).toBe('FAILED');

    const resumed = await scenario.execute({ resume: 'expiry-run' });

    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.stats.stateEntries['Restart from first page']).toBe(1);
    expect(resumed.output).toMatchObject({ status: 'succeeded', restarts: 1, pages: 25, items: 250 });
    await expectExactly('expiry-job');
  });

  it('says a completed run is already complete and does nothing', async () => {
    await scenario.execute(drain('done-job'), { name: 'done-run' });
    glue.resetStats();

    const again = await scenario.execute({ resume: 'done-run' });

    expect(again.status).toBe('SUCCEEDED');
    expect(again.output).toEqual({
      runId: 'done-run',
      status: 'alreadyComplete',
      message: 'This run already succeeded; there is nothing to resume.',
    });
    expect(glue.stats.calls).toBe(0);
  });
});

describe('when a run reaches a limit from its input', () => {
  it.each([
    [{ maxPages: 5 }, 'maxPages', 5],
    [{ maxItems: 75 }, 'maxItems', 8],
  ])(
    'stops at %j with the checkpoint kept, and resumes to the exact item set',
    async (limit, reached, pages) => {
      const name = `limit-${reached}`;
      const stopped = await scenario.execute(drain('limit-job', limit), { name });

      expect(stopped.status).toBe('SUCCEEDED');
      expect(stopped.output).toMatchObject({
        status: 'stoppedAtLimit',
        limit: reached,
        pages,
        nextToken: expect.any(String),
      });
      expect(await scenario.runRecord(name)).toMatchObject({ status: 'stoppedAtLimit', pages });

      const resumed = await scenario.execute({ resume: name, options: { maxPages: null, maxItems: null } });

      expect(resumed.output).toMatchObject({ status: 'succeeded', pages: 24, items: 240 });
      await expectExactly('limit-job');
    },
  );

  it('stops at the deadline and resumes from there', async () => {
    glue.setLatency(40);
    const deadline = new Date(Date.now() + 600).toISOString();
    const stopped = await scenario.execute(drain('limit-job', { deadline }), { name: 'limit-deadline' });
    glue.setLatency(0);

    expect(stopped.output).toMatchObject({ status: 'stoppedAtLimit', limit: 'deadline' });
    const pages = (stopped.output as { pages: number }).pages;
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThan(24);

    const resumed = await scenario.execute({ resume: 'limit-deadline', options: { deadline: null } });

    expect(resumed.output).toMatchObject({ status: 'succeeded', items: 240 });
  });
});

describe('when two runs want the same collection', () => {
  it('refuses the second while the first holds the lease and Step Functions cannot be asked about it, and allows a new run once it finished', async () => {
    glue.setLatency(30);
    let second: Promise<LocalExecutionResult> | undefined;
    const first = scenario.execute(drain('busy-job'), {
      name: 'busy-first',
      onEvent: (event) => {
        if (!second && event.type === 'StateExited' && event.state?.name === 'Fetch first page') {
          second = scenario.execute(drain('busy-job'), { name: 'busy-second' });
        }
      },
    });
    const [firstResult, secondResult] = [await first, await (second as Promise<LocalExecutionResult>)];
    glue.setLatency(0);

    expect(secondResult.status).toBe('FAILED');
    expect(secondResult.error).toBe('CollectionBusy');
    // No Step Functions endpoint here: the start is refused with that reason, never guessed.
    expect(JSON.parse(secondResult.cause ?? '{}').errorMessage).toMatch(
      /^run busy-first is held by execution \S+:busy-first, and Step Functions could not say whether it still runs/,
    );
    expect(await scenario.runRecord('busy-second')).toBeUndefined();
    expect(firstResult.status).toBe('SUCCEEDED');

    const third = await scenario.execute(drain('busy-job'));
    expect(third.status).toBe('SUCCEEDED');
  });
});
