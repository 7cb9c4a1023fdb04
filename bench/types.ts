/** Shapes shared by the bench parent (run.ts), its children (child.ts) and the report. */
import type { LatencyModel } from '../local/latency';

/**
 * The ways of draining GetJobRuns that the bench compares: the two in-Lambda loops, pagewalk
 * on the local engine as it is, and pagewalk with the engine's simulated AWS latency.
 */
export const VARIANTS = ['baselineA', 'baselineB', 'pagewalk', 'pagewalkAws'] as const;
export type VariantName = (typeof VARIANTS)[number];

/** The variants that run the state machine on the local engine. */
export const isPagewalk = (variant: VariantName) => variant === 'pagewalk' || variant === 'pagewalkAws';

/** How each variant is named in the printed table and the chart. */
export const VARIANT_LABELS: Record<VariantName, string> = {
  baselineA: 'A: collect all, then write',
  baselineB: 'B: write page by page',
  pagewalk: 'pagewalk (Step Functions)',
  pagewalkAws: 'pagewalk + ASSUMED AWS latency',
};

/** What the parent asks one child process to measure. */
export interface ChildJob {
  readonly variant: VariantName;
  readonly size: number;
  readonly run: number;
  /** Sandbox job with `size` runs. */
  readonly jobName: string;
  /** Small sandbox job drained first, untimed, so JIT, module loading and sockets are warm. */
  readonly warmupJobName: string;
  /** A fresh table for this child only, deleted by the parent afterwards. */
  readonly tableName: string;
  readonly pageSize: number;
  /** pagewalk's option; undefined leaves the run's default. */
  readonly pagesPerInvocation?: number;
  /** The engine's simulated AWS latency (pagewalkAws only). */
  readonly latency?: LatencyModel;
}

/** Time spent inside SDK calls, as the union of in-flight intervals (concurrent calls count once). */
export interface CallTimes {
  /** GetJobRuns (the source API). */
  readonly glueMs: number;
  /** BatchWriteItem of the items themselves. */
  readonly itemWriteMs: number;
  /** Either of the two above in flight: wall − this is the loop's overhead. */
  readonly glueOrItemWriteMs: number;
  /** Other DynamoDB calls (the run record, pagewalk only) while neither of the two was in flight. */
  readonly runRecordMs: number;
  /** Any SDK call in flight. */
  readonly anyCallMs: number;
  readonly glueCalls: number;
  readonly itemWriteCalls: number;
  readonly otherDynamoCalls: number;
  /** Put and Update calls besides the item writes: run-record writes, which cost write units. */
  readonly runRecordWrites: number;
}

/** Heap per unit of work, measured after forced GCs; see WorkSampler. */
export interface WorkMemory {
  /** Pages (pagewalk: page-fetch invocations; A: fetch pages, then write slices). */
  readonly units: number;
  readonly sampledUnits: number;
  /** Median over sampled units of (heap high-water in the unit − heap after the GC that started it). */
  readonly unitGrowthP50Bytes: number;
  readonly unitGrowthMaxBytes: number;
  /**
   * Max over sampled units of (heap high-water in the unit − heap after a GC just before the
   * drain): the data the loop keeps plus one unit's work, i.e. the heap it needs.
   */
  readonly neededBytes: number;
  /** Time spent in the forced GCs, subtracted from the wall time. */
  readonly forcedGcMs: number;
}

/** Memory of the child process over the timed drain. */
export interface DrainMemory {
  /** V8 used heap after a forced GC, just before the drain. */
  readonly heapBeforeBytes: number;
  /** V8 used-heap high-water mark during the drain, garbage included. */
  readonly heapPeakBytes: number;
  /** Resident set size just before the drain. */
  readonly rssBeforeBytes: number;
  /** The process's resident-set high-water mark during the drain (VmHWM, reset just before). */
  readonly rssPeakBytes: number;
  readonly work: WorkMemory;
}

/** Per-invocation timings of the handlers (pagewalk only). */
export interface HandlerStats {
  readonly fetchInvocations: number;
  /** Time inside the page-fetch handler, summed and per invocation. */
  readonly fetchTotalMs: number;
  readonly fetchMeanMs: number;
  /** Lambda bills duration rounded up to the millisecond: the sum of ceil(duration) over every invocation. */
  readonly billedMs: number;
  /** Invocations of the start-run and finish-run handlers (two per execution). */
  readonly otherInvocations: number;
  readonly otherTotalMs: number;
  /**
   * Wall time before the first handler started plus after the last one ended: the engine's
   * fixed cost per run (the local engine builds and validates the state machine per execution).
   */
  readonly engineFixedMs: number;
}

/** Counts from the local engine's event log (pagewalk only). */
export interface EngineStats {
  readonly transitions: number;
  readonly historyEvents: number;
  readonly stateEntries: Record<string, number>;
  /** Executions the run took (more than one when it continued as new). */
  readonly executions: number;
}

/** One measured drain: one variant, one size, one repetition. */
export interface RunResult {
  readonly variant: VariantName;
  readonly size: number;
  readonly run: number;
  readonly items: number;
  readonly pages: number;
  /** Wall time of the drain, minus the forced GCs the measurement itself added. */
  readonly wallMs: number;
  readonly itemsPerSecond: number;
  readonly calls: CallTimes;
  readonly memory: DrainMemory;
  /** DynamoDB size of an average item row (as written: keys, runId and the item). */
  readonly avgItemBytes: number;
  /** DynamoDB size of the run record after the drain; 0 where there is none. */
  readonly runRecordBytes: number;
  readonly handler?: HandlerStats;
  readonly engine?: EngineStats;
  /** Items counted in the variant's table by the parent after the child exited. */
  readonly itemsInTable: number;
}

/** A child that did not produce a result (crash, out of memory, timeout). */
export interface FailedRun {
  readonly variant: VariantName;
  readonly size: number;
  readonly run: number;
  readonly error: string;
}

/** Settings of one bench invocation, as parsed from the command line. */
export interface BenchSettings {
  readonly sizes: readonly number[];
  readonly variants: readonly VariantName[];
  readonly runs: number;
  /** Repetitions for sizes of 100k items and more, to keep the default run under 10 minutes. */
  readonly runsLarge: number;
  readonly latencyMs: number;
  readonly pageSize: number;
  /** pagewalk's pagesPerInvocation; undefined leaves the run's default. */
  readonly pagesPerInvocation?: number;
  /** The assumed AWS latency the pagewalkAws variant runs with (never a measurement). */
  readonly assumedLatency: LatencyModel;
  /** Later repetitions that would end past this many minutes are skipped; 0 for no budget. */
  readonly budgetMinutes: number;
  readonly outDir: string;
}
