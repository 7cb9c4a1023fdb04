/**
 * The three drains the bench compares, all against the same sandbox Glue and dynalite and
 * all writing with the production page writer (BatchWriteItem, 25 a request, a page's
 * requests at once), so they differ only in the shape of the loop:
 *
 * - A: the classic in-Lambda loop: the SDK paginator collects every run, then all are written.
 * - B: an in-Lambda loop that writes each page before asking for the next.
 * - pagewalk: the ASL on the local engine; the real page-fetch handler per page.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GlueClient, type JobRun, paginateGetJobRuns } from '@aws-sdk/client-glue';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OPTION_LIMITS } from '../functions/lib/run-config';
import { toPlain } from '../functions/lib/sources/plain';
import { writePage } from '../functions/lib/store/page-writer';
import {
  followRun,
  type LocalExecutionResult,
  type LocalHandlers,
  LocalStateMachine,
  loadPagewalkHandlers,
} from '../local/engine';
import type { LatencyModel } from '../local/engine/latency';
import type { WorkUnits } from './heap';
import { type EngineStats, type HandlerStats, isPagewalk, type VariantName } from './types';

/** What a drain reports besides the probes' readings. */
export interface DrainOutcome {
  readonly items: number;
  readonly pages: number;
  /** The run id the drain wrote under (pagewalk: the execution name, which has a run record). */
  readonly runId: string;
  readonly handler?: HandlerStats;
  readonly engine?: EngineStats;
}

/** One variant, ready to drain a sandbox job into the table, marking its units of work. */
export interface Variant {
  /** Drains the job, or its first `maxPages` pages (the live-heap pass). */
  drain(jobName: string, work: WorkUnits, maxPages?: number): Promise<DrainOutcome>;
}

interface VariantContext {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly pageSize: number;
  /** pagewalk's run option; undefined leaves its default. */
  readonly pagesPerInvocation?: number;
  /** The engine's simulated AWS latency (pagewalkAws). */
  readonly latency?: LatencyModel;
}

/** The live-heap pass's invocation budget: well inside the local engine's function timeout. */
const LIVE_PASS_BUDGET_SECONDS = 50;

/** Pagewalk's collection name for a Glue job, so every variant's rows look the same. */
const collectionOf = (jobName: string) => `glue.getJobRuns#${jobName}`;
const runIdKey = (item: Record<string, unknown>) => item.Id as string;
/** As the Glue source does: Dates become ISO strings, so the rows written are identical. */
/** As the generic AWS path stores an SDK item (Dates as ISO strings): the same work per item. */
const plainRun = (run: JobRun) => toPlain(run) as Record<string, unknown>;
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** Builds a variant; call after the local stack has set the endpoint variables. */
export async function createVariant(name: VariantName, context: VariantContext): Promise<Variant> {
  switch (name) {
    case 'baselineA':
      return collectThenWrite(context);
    case 'baselineB':
      return writeEachPage(context);
    case 'pagewalk':
    case 'pagewalkAws':
      return pagewalk(context, await loadPagewalkHandlers());
  }
}

/**
 * Units of work per drain, so the sampler can space its samples: pages, for A the write
 * slices too, for pagewalk its page-fetch invocations (the first page alone, then up to
 * `pagesPerInvocation` each).
 */
export function expectedUnits(
  name: VariantName,
  size: number,
  pageSize: number,
  pagesPerInvocation: number = OPTION_LIMITS.pagesPerInvocation.default,
): number {
  const pages = Math.max(1, Math.ceil(size / pageSize));
  if (name === 'baselineA') return 2 * pages;
  return isPagewalk(name) ? 1 + Math.ceil((pages - 1) / pagesPerInvocation) : pages;
}

/** Baseline A: every run is held in one array until the last page has arrived. */
function collectThenWrite({ client, tableName, pageSize }: VariantContext): Variant {
  const glue = new GlueClient({});
  return {
    async drain(jobName, work, maxPages = Number.POSITIVE_INFINITY) {
      const runId = `bench-${randomUUID()}`;
      const runs: JobRun[] = [];
      let pages = 0;
      // A unit runs from one loop body to the next, so it covers the paginator's fetch.
      work.next();
      for await (const page of paginateGetJobRuns({ client: glue, pageSize }, { JobName: jobName })) {
        for (const run of page.JobRuns ?? []) runs.push(run);
        pages += 1;
        if (pages >= maxPages) break;
        work.next();
      }
      // Written a page-sized slice at a time, so the write concurrency matches B and pagewalk
      // and only the loop shape differs.
      let items = 0;
      for (let i = 0; i < runs.length; i += pageSize) {
        const slice = runs.slice(i, i + pageSize).map(plainRun);
        const page = { collection: collectionOf(jobName), runId, items: slice, itemKey: runIdKey };
        items += await writePage(client, tableName, page);
        work.next();
      }
      work.finish();
      return { items, pages, runId };
    },
  };
}

/** Baseline B: the same paginator, each page written before the next is requested. */
function writeEachPage({ client, tableName, pageSize }: VariantContext): Variant {
  const glue = new GlueClient({});
  return {
    async drain(jobName, work, maxPages = Number.POSITIVE_INFINITY) {
      const runId = `bench-${randomUUID()}`;
      let items = 0;
      let pages = 0;
      work.next();
      for await (const page of paginateGetJobRuns({ client: glue, pageSize }, { JobName: jobName })) {
        const plain = (page.JobRuns ?? []).map(plainRun);
        items += await writePage(client, tableName, {
          collection: collectionOf(jobName),
          runId,
          items: plain,
          itemKey: runIdKey,
        });
        pages += 1;
        if (pages >= maxPages) break;
        work.next();
      }
      work.finish();
      return { items, pages, runId };
    },
  };
}

/** Per-drain timings of the instrumented handlers. */
class HandlerMeter {
  readonly started = performance.now();
  fetchDurations: number[] = [];
  otherInvocations = 0;
  otherTotalMs = 0;
  firstStart: number | undefined;
  lastEnd = 0;

  /** Runs one handler invocation, timing it; `record` files the duration. */
  async time(run: () => Promise<unknown>, record: (ms: number) => void): Promise<unknown> {
    const started = performance.now();
    this.firstStart ??= started;
    try {
      return await run();
    } finally {
      this.lastEnd = performance.now();
      record(this.lastEnd - started);
    }
  }

  /** The timings so far; call when the run has ended. */
  stats(): HandlerStats {
    const fetchTotalMs = sum(this.fetchDurations);
    const before = (this.firstStart ?? this.started) - this.started;
    const after = performance.now() - this.lastEnd;
    return {
      fetchInvocations: this.fetchDurations.length,
      fetchTotalMs,
      fetchMeanMs: fetchTotalMs / Math.max(1, this.fetchDurations.length),
      billedMs: sum(this.fetchDurations.map(Math.ceil)) + Math.ceil(this.otherTotalMs),
      otherInvocations: this.otherInvocations,
      otherTotalMs: this.otherTotalMs,
      // The sampler's forced GCs run between page fetches, never before the first handler or
      // after the last, so these two spans are the engine's alone.
      engineFixedMs: before + after,
    };
  }
}

/**
 * Times every handler invocation. Each page-fetch invocation is one unit of work for the
 * sampler: the memory a page-fetch Lambda needs per invocation.
 */
function meterHandlers(handlers: LocalHandlers, meter: HandlerMeter, work: WorkUnits): LocalHandlers {
  const metered: LocalHandlers = {};
  for (const [placeholder, handler] of Object.entries(handlers)) {
    metered[placeholder] =
      placeholder === 'FetchPageFunctionArn'
        ? async (event, context) => {
            work.next();
            try {
              return await meter.time(
                () => handler(event, context),
                (ms) => meter.fetchDurations.push(ms),
              );
            } finally {
              work.finish();
            }
          }
        : (event, context) =>
            meter.time(
              () => handler(event, context),
              (ms) => {
                meter.otherInvocations += 1;
                meter.otherTotalMs += ms;
              },
            );
  }
  return metered;
}

/** pagewalk: the ASL on aws-local-stepfunctions with the real handlers, instrumented. */
function pagewalk(
  { pageSize, pagesPerInvocation, latency }: VariantContext,
  handlers: LocalHandlers,
): Variant {
  return {
    async drain(jobName, work, maxPages) {
      const meter = new HandlerMeter();
      const name = `bench-${randomUUID()}`;
      const options = {
        pageSize,
        ...(pagesPerInvocation === undefined ? {} : { pagesPerInvocation }),
        // The live-heap pass: its forced GCs slow the pages, so the time budget is lifted to
        // keep the invocations' shape (pagesPerInvocation pages each) that of the timed drain.
        ...(maxPages === undefined ? {} : { maxPages, invocationBudgetSeconds: LIVE_PASS_BUDGET_SECONDS }),
      };
      const input = { source: 'glue.getJobRuns', params: { JobName: jobName }, options };
      const segments = await execute(name, input, meterHandlers(handlers, meter, work), latency);
      const last = segments[segments.length - 1];
      if (last?.status !== 'SUCCEEDED') {
        throw new Error(`pagewalk execution ${last?.status}: ${last?.error} ${last?.cause ?? ''}`);
      }
      const output = last.output as { pages: number; items: number };
      return {
        items: output.items,
        pages: output.pages,
        runId: name,
        handler: meter.stats(),
        engine: engineStats(segments),
      };
    },
  };
}

/**
 * Runs the drain to its end, following it when it continues as a new execution (every
 * iterationsPerExecution pages, so only --full's million items do), as the console would.
 */
async function execute(
  name: string,
  input: unknown,
  handlers: LocalHandlers,
  latency: LatencyModel | undefined,
): Promise<LocalExecutionResult[]> {
  const machine = new LocalStateMachine({ handlers, latency });
  return (await followRun(machine, machine.start(name, input))).segments;
}

/** Transitions, history events and state entries over every execution of the run. */
function engineStats(segments: readonly LocalExecutionResult[]): EngineStats {
  const stateEntries: Record<string, number> = {};
  for (const { stats } of segments) {
    for (const [state, count] of Object.entries(stats.stateEntries)) {
      stateEntries[state] = (stateEntries[state] ?? 0) + count;
    }
  }
  return {
    transitions: sum(segments.map((s) => s.stats.transitions)),
    historyEvents: sum(segments.map((s) => s.stats.historyEvents)),
    stateEntries,
    executions: segments.length,
  };
}
