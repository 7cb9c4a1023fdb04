import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchAndStorePages, pageStores, parseFetchPageEvent } from '../../functions/lib/fetch-page';
import { finishRun, parseFinishRunEvent } from '../../functions/lib/finish-run';
import { DEFAULT_HISTORY_BUDGET } from '../../functions/lib/history-budget';
import { documentClient } from '../../functions/lib/store/dynamo';
import { CollectionLeases } from '../../functions/lib/store/lease';
import { RunRecords } from '../../functions/lib/store/run-record';
import { Watermarks } from '../../functions/lib/sync/watermark';
import {
  followRun,
  type LocalHandler,
  type LocalHandlers,
  LocalStateMachine,
  type LocalStateMachineOptions,
  type LocalTaskCallEvent,
  localExecutionArn,
} from '../../local/engine';
import type { GlueSandbox } from '../../local/sandbox/glue';
import { type SfnServer, startSfnServer } from '../../local/sfn/server';
import { startOn } from '../local-sfn/harness';
import { type Scenario, startScenario } from '../support/scenario';

/** A job of its own per test, so each can check the table holds exactly its source's items. */
const JOBS = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`job-${i}`, 120]));
let jobs = 0;
let job = 'job-0';
// One page per invocation, so a crash, stop or outage can be placed after a given page.
const drain = (options: Record<string, unknown> = {}) => ({
  source: 'glue.getJobRuns',
  params: { JobName: job },
  options: { pageSize: 20, pagesPerInvocation: 1, ...options },
});
const collection = () => `glue.getJobRuns#${job}`;

let scenario: Scenario;
let glue: GlueSandbox;
let server: SfnServer;
let sfn: SFNClient;
/** What the local endpoint's handlers do besides the real work; each test sets what it needs. */
const hooks: { afterPage?: (pageCall: number) => Promise<void>; finishRun?: LocalHandler } = {};
let pageCalls = 0;

beforeAll(async () => {
  scenario = await startScenario({ jobs: JOBS });
  glue = scenario.stack.glue as GlueSandbox;
  const real = scenario.handlers;
  server = await startSfnServer({
    port: 0,
    retryDelayMs: 0,
    handlers: {
      ...real,
      FetchPageFunctionArn: async (event, context) => {
        const out = await real.FetchPageFunctionArn?.(event, context);
        await hooks.afterPage?.(++pageCalls);
        return out;
      },
      FinishRunFunctionArn: (event, context) =>
        (hooks.finishRun ?? (real.FinishRunFunctionArn as LocalHandler))(event, context),
    },
  });
  // Start run asks this endpoint whether the execution holding a lease still runs.
  process.env.AWS_ENDPOINT_URL_SFN = server.url;
  sfn = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
beforeEach(() => {
  job = `job-${jobs++}`;
});
afterAll(async () => {
  sfn.destroy();
  await server.close();
  await scenario.close();
});

/** Waits until the execution has ended, as a person watching DescribeExecution would. */
async function ended(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts an execution on the local endpoint through its API (StartExecution). */
const startOnEndpoint = startOn(() => ({ sfn }));

/** Runs on the local endpoint, through its API, following continue-as-new segments to the end. */
async function runOnEndpoint(input: unknown, name: string = randomUUID()) {
  await startOnEndpoint(name, input);
  const tracked = server.machine.get(name);
  if (!tracked) throw new Error(`the endpoint did not start ${name}`);
  return followRun(server.machine, tracked);
}

/** A machine in this process only (its executions are unknown to the endpoint, as after a crash). */
function inProcess(
  options: Omit<Partial<LocalStateMachineOptions>, 'handlers'> & {
    handlers?: Record<string, LocalHandler>;
  } = {},
) {
  return new LocalStateMachine({
    retryDelayMs: 0,
    ...options,
    handlers: { ...scenario.handlers, ...options.handlers } as LocalHandlers,
  });
}

async function expectExactlyTheSourceItems(runId: string) {
  const keys = await scenario.storedKeys(collection());
  expect(keys).toEqual([...glue.jobRunIds(job)].sort());
  expect(await scenario.runRecord(runId)).toMatchObject({ status: 'succeeded', items: 120 });
}

describe('when the process running an execution crashes mid-run', () => {
  it('resumes at once and ends with exactly the source items', async () => {
    const name = `crash-${randomUUID().slice(0, 8)}`;
    let pages = 0;
    const machine = inProcess({
      handlers: {
        FetchPageFunctionArn: async (event, context) => {
          const out = await scenario.handlers.FetchPageFunctionArn?.(event, context);
          // Dies after its third page: nothing records how the execution ended.
          if (++pages === 3) machine.get(name)?.abort();
          return out;
        },
      },
    });
    const crashed = await machine.start(name, drain()).result;
    expect(crashed.status).toBe('ABORTED');
    expect(await scenario.runRecord(name)).toMatchObject({ status: 'running', fetches: 3 });

    const resumed = await runOnEndpoint({ resume: name });

    expect(resumed.last.status).toBe('SUCCEEDED');
    expect(resumed.last.output).toMatchObject({ status: 'succeeded', items: 120 });
    await expectExactlyTheSourceItems(name);
    // The resume found the crashed execution unknown to Step Functions and recorded it stopped.
    expect((await scenario.runRecord(name))?.lastError).toMatchObject({ error: 'ExecutionDoesNotExist' });
  });
});

describe('when the execution is stopped from the console (StopExecution)', () => {
  it('resumes at once and ends with exactly the source items', async () => {
    const name = `stop-${randomUUID().slice(0, 8)}`;
    pageCalls = 0;
    hooks.afterPage = async (n) => {
      if (n === 3) await sfn.send(new StopExecutionCommand({ executionArn: localExecutionArn(name) }));
    };
    await startOnEndpoint(name, drain());
    expect((await ended(localExecutionArn(name))).status).toBe('ABORTED');
    hooks.afterPage = undefined;

    const resumed = await runOnEndpoint({ resume: name });

    expect(resumed.last.status).toBe('SUCCEEDED');
    await expectExactlyTheSourceItems(name);
    const record = await scenario.runRecord(name);
    expect(Object.values(record?.segments ?? {}).map((s) => s.startedAs)).toEqual(['new', 'resumed']);
    expect(record?.lastError).toMatchObject({ error: 'States.Aborted' });
  });
});

describe('when the run store is out of reach for longer than every retry', () => {
  /** finish-run against a DynamoDB endpoint where nothing listens: every write fails. */
  const unreachable = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const outage: LocalHandler = async (raw) =>
    finishRun(parseFinishRunEvent(raw), {
      runs: new RunRecords(unreachable, scenario.stack.tableName),
      leases: new CollectionLeases(unreachable, scenario.stack.tableName),
      watermarks: new Watermarks(unreachable, scenario.stack.tableName),
    });

  /** A run whose Glue call fails past its retries while the table is down. */
  async function failWhileTheStoreIsDown(name: string) {
    pageCalls = 0;
    hooks.afterPage = async (n) => {
      if (n === 2) glue.failNext(6);
    };
    hooks.finishRun = outage;
    const { last } = await runOnEndpoint(drain(), name);
    hooks.afterPage = undefined;
    hooks.finishRun = undefined;
    return last;
  }

  it('fails the execution with the original error; the reconcile records it, and the resume works', async () => {
    const name = `outage-${randomUUID().slice(0, 8)}`;
    const failed = await failWhileTheStoreIsDown(name);

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('InternalServiceException');
    expect(await scenario.runRecord(name)).toMatchObject({ status: 'running' });

    // What the EventBridge rule delivers on AWS, from the execution as Step Functions describes it.
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: localExecutionArn(name) }));
    const { handler: reconcile } = await import('../../functions/reconcile');
    const reconciled = await reconcile({
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: described.executionArn,
        status: described.status,
        input: described.input,
        error: described.error,
        cause: described.cause,
      },
    });
    expect(reconciled).toEqual({ runId: name, recorded: 'failed', leaseReleased: true, status: 'failed' });
    expect((await scenario.runRecord(name))?.lastError).toMatchObject({ error: 'InternalServiceException' });

    const resumed = await runOnEndpoint({ resume: name });
    expect(resumed.last.status).toBe('SUCCEEDED');
    await expectExactlyTheSourceItems(name);
  });

  it('fails the execution with the original error; without a reconcile the resume takes over and works', async () => {
    const name = `outage-${randomUUID().slice(0, 8)}`;
    expect((await failWhileTheStoreIsDown(name)).error).toBe('InternalServiceException');

    const resumed = await runOnEndpoint({ resume: name });

    expect(resumed.last.status).toBe('SUCCEEDED');
    await expectExactlyTheSourceItems(name);
  });
});

describe('when a function runs past its timeout', () => {
  const hangOn = (shouldHang: (attempt: number) => boolean): Record<string, LocalHandler> => {
    let attempts = 0;
    return {
      FetchPageFunctionArn: async (event, context) => {
        const { cursor } = event as { cursor: { fetches: number } };
        if (cursor.fetches === 2 && shouldHang(++attempts)) {
          // A call that never answers in time; it never writes anything.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          throw new Error('hung');
        }
        return scenario.handlers.FetchPageFunctionArn?.(event, context);
      },
    };
  };
  const functionTimeoutsMs = { FetchPageFunctionArn: 250 };

  it('retries the Sandbox.Timedout Step Functions reports, and the run ends with exactly the source items', async () => {
    const failures: LocalTaskCallEvent[] = [];
    const machine = inProcess({
      handlers: hangOn((attempt) => attempt === 1),
      functionTimeoutsMs,
      onTaskCall: (event) => {
        if (event.type === 'TaskCallFailed') failures.push(event);
      },
    });
    const name = `timeout-${randomUUID().slice(0, 8)}`;

    const result = await machine.start(name, drain()).result;

    expect(result.status).toBe('SUCCEEDED');
    // At least the hung attempt; on a loaded machine a slow page may time out (and be retried) too.
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(new Set(failures.map((f) => f.error))).toEqual(new Set(['Sandbox.Timedout']));
    expect(JSON.parse(failures[0]?.cause ?? '{}')).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/Task timed out after 0\.25 seconds$/),
    });
    await expectExactlyTheSourceItems(name);
  });

  it('records the run failed once every retry timed out, and a resume then works', async () => {
    const name = `timeout-${randomUUID().slice(0, 8)}`;
    const failed = await inProcess({ handlers: hangOn(() => true), functionTimeoutsMs }).start(name, drain())
      .result;

    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Sandbox.Timedout');
    expect(await scenario.runRecord(name)).toMatchObject({
      status: 'failed',
      lastError: { error: 'Sandbox.Timedout' },
    });

    const resumed = await inProcess().start(randomUUID(), { resume: name }).result;
    expect(resumed.status).toBe('SUCCEEDED');
    await expectExactlyTheSourceItems(name);
  });
});

describe('when a load balancer in front of Glue answers 502 with an HTML page', () => {
  it('retries, and the run ends with exactly the source items', async () => {
    glue.resetStats();
    glue.htmlErrorNext(2, 502);

    const result = await scenario.execute(drain());

    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.retries).toBe(2);
    expect(glue.stats.serverErrors).toBe(2);
    await expectExactlyTheSourceItems(result.name);
  });
});

describe('when someone types a continue input by hand', () => {
  it("is refused at Start run with InvalidInput, even with the parent's ARN and the checkpoint, and changes nothing", async () => {
    const stopped = await scenario.execute(drain({ maxPages: 2 }));
    expect(stopped.output).toMatchObject({ status: 'stoppedAtLimit' });
    const before = await scenario.runRecord(stopped.name);
    const keys = await scenario.storedKeys(collection());
    if (!before) throw new Error('no run record');

    // What the console's "New execution" pre-fills on a later segment, with the status' counters.
    const forged = await scenario.execute({
      continue: { runId: stopped.name, segment: before.segmentCount + 1, cursor: before.checkpoint },
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: before.executionArn,
    });

    expect(forged.status).toBe('FAILED');
    expect(forged.error).toBe('InvalidInput');
    expect(JSON.parse(forged.cause ?? '{}').errorMessage).toContain(
      `continue refused: run ${stopped.name} is stoppedAtLimit, not running`,
    );
    expect(await scenario.runRecord(stopped.name)).toEqual(before);
    expect(await scenario.storedKeys(collection())).toEqual(keys);
  });
});

describe('when a run failed with RestartLimitExceeded', () => {
  it('gets a restart budget of its own when resumed', async () => {
    const marketplace = scenario.stack.marketplace;
    if (!marketplace) throw new Error('no marketplace sandbox');
    const input = {
      source: 'marketplace.orders',
      params: { MarketplaceId: 'ATVPDKIKX0DER' },
      options: { maxRestarts: 1 },
    };
    marketplace.corruptNextTokens(100);
    const failed = await scenario.execute(input);
    marketplace.corruptNextTokens(1);
    expect(failed.error).toBe('RestartLimitExceeded');
    expect(await scenario.runRecord(failed.name)).toMatchObject({ status: 'failed', restarts: 1 });

    const resumed = await scenario.execute({ resume: failed.name });

    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.output).toMatchObject({ status: 'succeeded', restarts: 2 });
  });
});

describe("when retries would pass a segment's history budget", () => {
  it('continues as new before it, well before iterationsPerExecution', async () => {
    const budget = 60;
    const stores = pageStores(documentClient, scenario.stack.tableName);
    const machine = inProcess({
      handlers: {
        // The real page fetch, held to a small budget; Glue throttles every page's first two attempts.
        FetchPageFunctionArn: async (raw) => {
          const event = parseFetchPageEvent(raw);
          if (!event.retryCount) glue.throttleNext(2);
          return fetchAndStorePages(event, {
            ...stores,
            historyBudget: { ...DEFAULT_HISTORY_BUDGET, historyEvents: budget },
          });
        },
      },
    });
    const name = `budget-${randomUUID().slice(0, 8)}`;

    const { segments, last } = await followRun(machine, machine.start(name, drain({ pageSize: 10 })));

    expect(last.output).toMatchObject({ status: 'succeeded', items: 120 });
    // 12 pages of 13 events each would be ~160 events in one execution.
    expect(segments.length).toBeGreaterThanOrEqual(3);
    for (const segment of segments) {
      // The engine's own count of what AWS would record stays under the budget plus the hand-over.
      expect(segment.stats.historyEvents).toBeLessThan(budget + 20);
      expect(segment.stats.retries).toBeGreaterThan(0);
    }
    await expectExactlyTheSourceItems(name);
  });
});
