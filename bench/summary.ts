/**
 * What a bench run sums up to: the medians per variant and size, the ratios, the costs and
 * the target checks (report.ts computes them, targets.ts checks them, print.ts and chart.ts
 * show them), and the formatting both sides share.
 */
import type { HeapComposition } from './heap-composition';
import type { BenchSettings, FailedRun, LiveMemory, VariantName } from './types';

/** CPU ms per page of the drain's process, its dynalite and the Glue sandbox, and the cores they share. */
export interface CpuPerPage {
  readonly drain: number;
  readonly dynamo: number;
  readonly glue: number;
  readonly cores: number;
}

/** The CPU a page wants from the three processes, spread over the cores they share. */
export const cpuBound = (cpu: CpuPerPage) => (cpu.drain + cpu.dynamo + cpu.glue) / cpu.cores;

/** Medians over the repetitions of one variant at one size; each metric's own median. */
export interface Cell {
  readonly variant: VariantName;
  readonly size: number;
  readonly runs: number;
  readonly pages: number;
  readonly wallMs: number;
  readonly itemsPerSecond: number;
  /**
   * Heap held between units above the heap before the drain (WorkMemory.heldMaxBytes): what
   * the loop keeps. For pagewalk the whole process, the local engine's history included.
   */
  readonly heapHeldBytes: number;
  /** What the held heap is made of late in the drain (first repetition; WorkMemory.heldComposition). */
  readonly heldComposition: HeapComposition | undefined;
  /** What one unit leaves behind after a forced GC (WorkMemory.retainedP50Bytes). */
  readonly retainedPerUnitBytes: number;
  /** Retained per page read (WorkMemory.retainedPerPageBytes). */
  readonly retainedPerPageBytes: number;
  /** Used-heap high-water of a unit above its start, garbage included (WorkMemory.highWaterP50Bytes). */
  readonly highWaterPerUnitBytes: number;
  /** The live-heap pass of the first repetition; undefined where none ran. */
  readonly live: LiveMemory | undefined;
  /** Held plus the live peak of a unit: the heap the loop's Lambda needs (the live peak alone without a pass). */
  readonly heapNeededBytes: number;
  readonly rssPeakBytes: number;
  readonly glueMsPerPage: number;
  readonly itemWriteMsPerPage: number;
  /** (wall − time with GetJobRuns or BatchWriteItem in flight) / pages: all the loop costs besides them. */
  readonly overheadMsPerPage: number;
  /** Other DynamoDB calls (the run record) while neither of those two was in flight. */
  readonly runRecordMsPerPage: number;
  /** Time in no SDK call: inside the handlers (pagewalk) or the loop (baselines). */
  readonly otherMsPerPage: number;
  /** Wall time outside every handler, less the fixed part, per page (pagewalk only; 0 otherwise). */
  readonly engineMsPerPage: number;
  /** Wall time before the first and after the last handler, per run (pagewalk only). */
  readonly engineFixedMs: number;
  /** The wall time split by what was in flight: Glue only, item writes only, both at once, neither. */
  readonly overlap: {
    readonly glueOnly: number;
    readonly writeOnly: number;
    readonly both: number;
    readonly neither: number;
  };
  /**
   * CPU ms per page over the timed drain: the drain's process (the Lambda code, and pagewalk's
   * local engine), its dynalite and the Glue sandbox, with the cores they share; undefined where
   * /proc could not say.
   */
  readonly cpuMsPerPage: CpuPerPage | undefined;
  readonly transitions: number;
  readonly historyEvents: number;
  /** Page-fetch invocations (pagewalk; 0 for the baselines). */
  readonly fetchInvocations: number;
  readonly avgItemBytes: number;
  readonly runRecordBytes: number;
  readonly runRecordWrites: number;
  /** Billed Lambda milliseconds of all pagewalk handlers for the drain. */
  readonly billedMs: number;
  readonly lambdaInvocations: number;
  /** Every run stored exactly `size` rows. */
  readonly rowsVerified: boolean;
}

/** pagewalk relative to a baseline at one size: > 1 means pagewalk has more of it. */
export interface Ratios {
  readonly size: number;
  readonly throughputVsB: number;
  /**
   * The most pagewalk ÷ B can be when a page costs only the larger of its Glue call and its item
   * writes: B's time per page ÷ max(B's Glue ms, B's write ms per page), both from B's own
   * run, where neither waits for the other.
   */
  readonly limitVsB: number;
  /** max(B's Glue ms, B's write ms) per page: what a page costs at that limit. */
  readonly limitMsPerPage: number;
  /** pagewalk's wall time per page. */
  readonly pagewalkMsPerPage: number;
  /**
   * pagewalk's CPU per page (its process, its dynalite and the Glue sandbox) ÷ the cores they
   * share: the least a page can cost on this machine, however its calls overlap. Undefined
   * where /proc could not say.
   */
  readonly cpuBoundMsPerPage: number | undefined;
  readonly throughputVsA: number;
  /** pagewalk with the assumed AWS latency ÷ B; undefined when that variant did not run. */
  readonly throughputAwsVsB: number | undefined;
  /** Live peak of a page-fetch invocation ÷ the baseline's live peak of a page (NaN without a pass). */
  readonly liveVsB: number;
  readonly liveVsA: number;
  readonly rssVsB: number;
  readonly rssVsA: number;
}

/** Dollars per million items drained, by line item. */
export interface Cost {
  readonly variant: VariantName;
  /** The size whose medians the estimate scales up. */
  readonly basedOnSize: number;
  /** State transitions per million items. */
  readonly transitions: number;
  readonly stepFunctions: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly dynamoWrites: number;
  readonly total: number;
  /** Seconds one in-Lambda drain of a million items would take at the measured rate. */
  readonly secondsPerMillion: number;
  /** Heap a million-item drain would need: the straight line through the smallest and largest size. */
  readonly heapAtMillionBytes: number;
}

export interface Target {
  /** N/A when the run lacks the variants or sizes the target compares. */
  readonly verdict: 'PASS' | 'MISS' | 'N/A';
  readonly text: string;
}

export interface Summary {
  readonly settings: BenchSettings;
  readonly cells: Cell[];
  readonly ratios: Ratios[];
  readonly costs: Cost[];
  /** Marginal transitions per extra page between the smallest and largest size. */
  readonly steadyStateTransitionsPerPage: number | undefined;
  readonly targets: Target[];
  readonly failures: FailedRun[];
}

export const findCell = (cells: readonly Cell[], variant: VariantName, size: number) =>
  cells.find((c) => c.variant === variant && c.size === size);

export const fmtK = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
export const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
