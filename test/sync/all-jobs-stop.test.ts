import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { ALL_JOBS_COLLECTION } from '../../functions/lib/sync/all-jobs-config';
import { SyncRecords } from '../../functions/lib/sync/all-jobs-store';
import { createSyncMachines, type SyncMachines } from '../../local/all-jobs';
import { followRun, type LocalHandlers, type TrackedExecution } from '../../local/engine';
import { type Scenario, startScenario } from '../support/scenario';

const JOBS = { alpha: 200, beta: 100 };
/**
 * Small pages, one per invocation, so the sync is stopped with its jobs half read; both
 * children at once, so both are running when it is stopped.
 */
const OPTIONS = { sync: 'full', maxConcurrency: 2, pageSize: 50, pagesPerInvocation: 1 };
/** GetJobRuns pages of all jobs at pageSize 50. */
const ALL_PAGES = 4 + 2;

// Step Functions is mocked at the SDK boundary: DescribeExecution answers from the local
// machines' own registries, as the service would about executions it ran.
const sfn = mockClient(SFNClient);
const ended = new Map<string, string>();
const machinesSeen: SyncMachines[] = [];

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const known = machinesSeen.some((m) =>
      [...m.allJobs.list(), ...m.pagewalk.list()].some((e) => e.executionArn === executionArn),
    );
    if (!known) {
      throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), {
        name: 'ExecutionDoesNotExist',
      });
    }
    return { executionArn, status: ended.get(executionArn) ?? 'RUNNING' };
  });
});
afterAll(async () => {
  sfn.restore();
  await scenario?.close();
});

const track = (execution: TrackedExecution) => {
  void execution.result.then((r) => ended.set(r.executionArn, r.status));
};

/** Fresh local machines whose fetch-page can stop the sync (and its children, as AWS does) after `stopAfter` pages. */
async function machines(stopAfter?: number) {
  let pages = 0;
  let stopped: Promise<void> | undefined;
  const fetchPage = scenario.handlers.FetchPageFunctionArn;
  const m: SyncMachines = await createSyncMachines(
    {
      ...scenario.handlers,
      FetchPageFunctionArn: async (event, context) => {
        const out = await fetchPage?.(event, context);
        // Stopping a sync stops the children its .sync:2 Tasks started (Step Functions does so).
        if (++pages === stopAfter) {
          const running = [...m.allJobs.list(), ...m.pagewalk.list()].filter(
            (e) => !ended.has(e.executionArn),
          );
          for (const execution of running) execution.abort();
          stopped = Promise.all(running.map((e) => e.result)).then(() => undefined);
        }
        return out;
      },
    } as LocalHandlers,
    { retryDelayMs: 0, waitDelayMs: 0 },
  );
  machinesSeen.push(m);
  return { m, stopped: () => stopped };
}

/** Starts an all-jobs sync named `name` and waits for it (and the segments it continues as). */
async function sync(m: SyncMachines, name: string) {
  const first = m.allJobs.start(name, { source: 'glue.allJobs', params: {}, options: OPTIONS });
  track(first);
  const { last } = await followRun(m.allJobs, first);
  for (const execution of [...m.allJobs.list(), ...m.pagewalk.list()]) track(execution);
  return last;
}

/** Stops sync `name` after its second page, then hands back what it left. */
async function stoppedSync(name: string) {
  scenario.stack.glue?.resetStats();
  const { m, stopped } = await machines(2);
  const result = await sync(m, name);
  await stopped();
  const all = () => [...m.allJobs.list(), ...m.pagewalk.list()];
  for (let settled = 0; settled < all().length; ) {
    const executions = all();
    for (const execution of executions) ended.set(execution.executionArn, (await execution.result).status);
    settled = executions.length;
  }
  // Stopped before every page was read.
  const reads = scenario.stack.glue?.stats.requests.filter((r) => r.target === 'AWSGlue.GetJobRuns');
  expect(reads?.length).toBeLessThan(ALL_PAGES);
  expect(m.pagewalk.list().length).toBe(2);
  return { result, machines: m };
}

const records = () => new SyncRecords(scenario.stack.documentClient, scenario.stack.tableName);
const leases = () => new CollectionLeases(scenario.stack.documentClient, scenario.stack.tableName);

async function expectEveryJobExact() {
  for (const job of Object.keys(JOBS)) {
    expect([...(await scenario.storedKeys(`glue.getJobRuns#${job}`))].sort()).toEqual(
      scenario.stack.glue?.jobRunIds(job).sort(),
    );
  }
}

describe('an all-jobs sync stopped mid-run', () => {
  it('is recorded stopped by the reconcile handler, and a sync started at once runs every job exactly', async () => {
    const { result, machines: old } = await stoppedSync('stop-reconciled');
    expect(result.status).toBe('ABORTED');
    expect(await records().get('stop-reconciled')).toMatchObject({ status: 'running' });

    // What the EventBridge rule delivers for the sync and each stopped child.
    const { handler } = await import('../../functions/reconcile');
    for (const execution of [...old.allJobs.list(), ...old.pagewalk.list()]) {
      const { status } = await execution.result;
      if (status === 'SUCCEEDED') continue;
      await handler({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: execution.executionArn, status, input: JSON.stringify(execution.input) },
      });
    }
    expect(await records().get('stop-reconciled')).toMatchObject({
      status: 'stopped',
      lastError: { error: 'States.Aborted' },
    });
    expect(await leases().holder(ALL_JOBS_COLLECTION)).toBeUndefined();
    sfn.resetHistory();

    const again = await sync((await machines()).m, 'after-reconciled');

    expect(again.status).toBe('SUCCEEDED');
    expect(again.output).toMatchObject({ status: 'succeeded', totals: { jobs: 2, items: 300 } });
    // Nothing was left to take over.
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
    await expectEveryJobExact();
  });

  it('is taken over by a sync started at once when no ending was delivered, and that sync runs every job exactly', async () => {
    const { result, machines: old } = await stoppedSync('stop-unreconciled');
    const [child] = old.pagewalk.list();
    expect(result.status).toBe('ABORTED');
    expect(await leases().holder(ALL_JOBS_COLLECTION)).toMatchObject({ runId: 'stop-unreconciled' });
    sfn.resetHistory();

    const again = await sync((await machines()).m, 'after-unreconciled');

    expect(again.status).toBe('SUCCEEDED');
    expect(again.output).toMatchObject({ status: 'succeeded', totals: { jobs: 2, items: 300 } });
    // The sync took over from the stopped sync, and the job's new run from its stopped child.
    for (const holder of [result.executionArn, child?.executionArn]) {
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
        executionArn: holder,
        includedData: 'METADATA_ONLY',
      });
    }
    expect(await records().get('stop-unreconciled')).toMatchObject({
      status: 'stopped',
      lastError: { error: 'States.Aborted' },
    });
    await expectEveryJobExact();
  });
});
