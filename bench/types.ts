/** Shapes shared by the bench parent (run.ts), its children (child.ts) and the report. */
import type { LatencyModel } from '../local/engine/latency';
import type { DrainCpu, ServicePids } from './cpu';
import type { HeapComposition } from './heap-composition';

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
  /** This child's table, in a dynalite of its own (stopped by the parent afterwards). */
  readonly tableName: string;
  readonly pageSize: number;
  /** pagewalk's option; undefined leaves the run's default. */
  readonly pagesPerInvocation?: number;
  /** The engine's simulated AWS latency (pagewalkAws only). */
  readonly latency?: LatencyModel;
  /** Pages of the untimed live-heap pass after the timed drain; 0 for none. */
  readonly livePages: number;
  /** The drain's dynalite and the Glue sandbox, whose CPU the child counts over the drain. */
  readonly servicePids?: ServicePids;
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

/**
 * Heap per unit of work in the timed drain (a page of B, a page-fetch invocation of
 * pagewalk, A's fetch pages and write slices), from forced GCs between units; see WorkSampler.
 */
export interface WorkMemory {
  /** Units in the drain. */
  readonly units: number;
  readonly sampledUnits: number;
  /** Pages read (GetJobRuns calls) in the sampled units. */
  readonly sampledPages: number;
  /** Median over sampled units of (heap after a forced GC at its end − after one at its start). */
  readonly retainedP50Bytes: number;
  readonly retainedMaxBytes: number;
  /** Retained, summed over the sampled units, ÷ the pages they read (0 when none). */
  readonly retainedPerPageBytes: number;
  /**
   * Max over sampled units of (heap after the GC at its end − heap after a GC just before
   * the drain): what the loop holds between units (A: every run so far; pagewalk: also the
   * local engine's execution history, which AWS keeps outside the Lambda).
   */
  readonly heldMaxBytes: number;
  /**
   * What the heap held late in the drain is made of, against just before it (heap snapshots;
   * see bench/heap-composition.ts): data, compiled code, the runtime's own. First repetition,
   * baseline B and pagewalk only.
   */
  readonly heldComposition?: HeapComposition;
  /**
   * Median over sampled units of (used-heap high-water in the unit − heap after the GC that
   * started it). Garbage included: it grows with the allocation a unit does until V8's next
   * scavenge, not with the memory it uses. Kept to compare with the earlier figure.
   */
  readonly highWaterP50Bytes: number;
  /** Time spent in the forced GCs (and the heap snapshot), subtracted from the wall time. */
  readonly forcedGcMs: number;
  /** CPU time of the same, subtracted from the drain's CPU. */
  readonly forcedGcCpuMs: number;
}

/** Live heap inside units of work, from the untimed live-heap pass; see LiveSampler. */
export interface LiveMemory {
  /** Pages the pass read: the first `--live-pages` of the job (all when it is smaller). */
  readonly pages: number;
  readonly units: number;
  /** Forced GCs after SDK calls answered inside units. */
  readonly probes: number;
  /** Max over units of (largest heap after a probe GC in the unit − heap after a GC at its start). */
  readonly peakLiveBytes: number;
  /** Median over units of the same. */
  readonly peakLiveP50Bytes: number;
  /** Pages the unit with the largest peak read. */
  readonly pagesInPeakUnit: number;
  /** The most pages one unit read. */
  readonly maxPagesPerUnit: number;
  /**
   * [k − 1]: the largest live heap above its unit's start at a probe while a unit was at its
   * k-th page (its k-th GetJobRuns sent, not the k+1-th), over all units: whether what a unit
   * holds grows with the pages it has read.
   */
  readonly liveByPageBytes: number[];
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
  /** The live-heap pass after the timed drain; absent where it did not run (see ChildJob.livePages). */
  readonly live?: LiveMemory;
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
  /** CPU of the drain's process and of the services over the timed drain; absent where /proc cannot say. */
  readonly cpu?: DrainCpu;
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
  /** Pages of the live-heap pass (first repetition, every variant but pagewalkAws); 0 for none. */
  readonly livePages: number;
  /** The assumed AWS latency the pagewalkAws variant runs with (never a measurement). */
  readonly assumedLatency: LatencyModel;
  /** Later repetitions that would end past this many minutes are skipped; 0 for no budget. */
  readonly budgetMinutes: number;
  readonly outDir: string;
}
