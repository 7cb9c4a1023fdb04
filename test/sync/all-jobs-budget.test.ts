/**
 * The all-jobs machine's history budget, at a size that runs in a couple of seconds: "List
 * jobs" is held to a budget of 140 events instead of 20,000, so an account of 13 jobs needs
 * three executions, as ten thousand jobs need ten at the real budget.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobsPage, parseListJobsEvent } from '../../functions/lib/list-jobs';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { SYNC_EVENTS_PER_POLL } from '../../functions/lib/sync/all-jobs-budget';
import { createSyncMachines } from '../../local/all-jobs';
import { followRun, type LocalEvent } from '../../local/engine';
import { type Scenario, startScenario } from '../support/scenario';

/** 12 jobs of one page each, and one whose run continues as new twice (3 pages, one invocation and so one execution each). */
const JOBS: Record<string, number> = { long: 250 };
for (let i = 1; i <= 12; i++) JOBS[`job-${String(i).padStart(2, '0')}`] = 1 + (i % 3);
const BUDGET = 140;
/** What an execution records after its last page: the continue-as-new Task (5) or the ending (9), then its end event. */
const TAIL = { continued: 6, ended: 10 };

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
});
afterAll(async () => scenario?.close());

/** What List jobs estimated last in each execution, and the looks the Map's results reported after it. */
interface Seen {
  estimate: number;
  polls: number;
}

describe('an all-jobs sync whose jobs do not fit in one execution', () => {
  it("continues as new by its estimate, which matches the engine's count of every execution's history", async () => {
    const glue = new GlueClient({ maxAttempts: 1 });
    const leases = new CollectionLeases(scenario.stack.documentClient, scenario.stack.tableName);
    const seen = new Map<string, Seen>();
    const onEvent = (event: LocalEvent, execution: string) => {
      if (event.type !== 'StateExited') return;
      const output = event.state?.output as {
        jobs?: { historyEvents?: number; done?: { polls?: number }[] };
      };
      const mine = seen.get(execution) ?? { estimate: 0, polls: 0 };
      if (event.state?.name === 'List jobs')
        seen.set(execution, { estimate: output.jobs?.historyEvents ?? 0, polls: 0 });
      if (event.state?.name === 'Sync each job') {
        mine.polls = (output.jobs?.done ?? []).reduce((n, r) => n + (r.polls ?? 0), 0);
      }
    };
    const machines = await createSyncMachines(scenario.handlers, {
      retryDelayMs: 0,
      waitDelayMs: 0,
      onEvent,
      allJobsHandlers: {
        ListJobsFunctionArn: async (raw) =>
          listJobsPage(parseListJobsEvent(raw), { glue, leases, historyBudget: BUDGET }),
      },
    });
    const input = {
      source: 'glue.allJobs',
      params: {},
      // At most 100 pages per execution: only the estimate can hand over.
      options: {
        jobsPerPage: 3,
        jobPagesPerExecution: 100,
        pageSize: 100,
        pagesPerInvocation: 1,
        iterationsPerExecution: 1,
      },
    };

    const { segments, last } = await followRun(machines.allJobs, machines.allJobs.start('budget', input));

    expect(last.output).toMatchObject({
      status: 'succeeded',
      totals: { jobs: 13, items: Object.values(JOBS).reduce((a, b) => a + b, 0) },
    });
    // 5 pages of 3 jobs (the last of one) cost about 62 events each: two fit in a budget of 140.
    expect(segments.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    segments.forEach((segment, i) => {
      const { estimate, polls } = seen.get(segment.name) ?? { estimate: -1, polls: 0 };
      const tail = i < segments.length - 1 ? TAIL.continued : TAIL.ended;
      expect(segment.stats.historyEvents).toBe(estimate + polls * SYNC_EVENTS_PER_POLL + tail);
      expect(estimate).toBeLessThanOrEqual(BUDGET);
    });
    // The long job's run went on past the execution .sync:2 waited for: the sync looked again.
    const looked = [...seen.values()].reduce((n, s) => n + s.polls, 0);
    expect(looked).toBeGreaterThan(0);
  });
});
