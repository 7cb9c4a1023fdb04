/**
 * Turns raw runs into medians, ratios, costs and target checks. Pure functions of the
 * results, so the numbers can be recomputed from latest.json; print.ts prints them.
 */
import { LAMBDA_MEMORY_MB, PRICES } from './prices';
import {
  type BenchSettings,
  type FailedRun,
  isPagewalk,
  type LiveMemory,
  type RunResult,
  type VariantName,
} from './types';

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

/** The middle value (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

const medianOf = (runs: readonly RunResult[], pick: (run: RunResult) => number) => median(runs.map(pick));

function cellOf(variant: VariantName, size: number, runs: readonly RunResult[]): Cell {
  const perPage = (pick: (run: RunResult) => number) => medianOf(runs, (r) => pick(r) / r.pages);
  // Inside a handler is inside an invocation; a baseline loop is one invocation throughout.
  const inHandlersMs = (r: RunResult) =>
    r.handler ? r.handler.fetchTotalMs + r.handler.otherTotalMs : r.wallMs;
  // Differences of the union clocks split the wall time exactly.
  const both = (r: RunResult) => r.calls.glueMs + r.calls.itemWriteMs - r.calls.glueOrItemWriteMs;
  const held = medianOf(runs, (r) => r.memory.work.heldMaxBytes);
  const live = runs.find((r) => r.memory.live)?.memory.live;
  return {
    variant,
    size,
    runs: runs.length,
    pages: medianOf(runs, (r) => r.pages),
    wallMs: medianOf(runs, (r) => r.wallMs),
    itemsPerSecond: medianOf(runs, (r) => r.itemsPerSecond),
    heapHeldBytes: held,
    retainedPerUnitBytes: medianOf(runs, (r) => r.memory.work.retainedP50Bytes),
    retainedPerPageBytes: medianOf(runs, (r) => r.memory.work.retainedPerPageBytes),
    highWaterPerUnitBytes: medianOf(runs, (r) => r.memory.work.highWaterP50Bytes),
    live,
    heapNeededBytes: held + (live?.peakLiveBytes ?? 0),
    rssPeakBytes: medianOf(runs, (r) => r.memory.rssPeakBytes),
    glueMsPerPage: perPage((r) => r.calls.glueMs),
    itemWriteMsPerPage: perPage((r) => r.calls.itemWriteMs),
    overheadMsPerPage: perPage((r) => r.wallMs - r.calls.glueOrItemWriteMs),
    runRecordMsPerPage: perPage((r) => r.calls.runRecordMs),
    otherMsPerPage: perPage((r) => inHandlersMs(r) - r.calls.anyCallMs),
    engineMsPerPage: perPage((r) => r.wallMs - inHandlersMs(r) - (r.handler?.engineFixedMs ?? 0)),
    engineFixedMs: medianOf(runs, (r) => r.handler?.engineFixedMs ?? 0),
    overlap: {
      glueOnly: medianOf(runs, (r) => r.calls.glueOrItemWriteMs - r.calls.itemWriteMs),
      writeOnly: medianOf(runs, (r) => r.calls.glueOrItemWriteMs - r.calls.glueMs),
      both: medianOf(runs, both),
      neither: medianOf(runs, (r) => r.wallMs - r.calls.glueOrItemWriteMs),
    },
    transitions: medianOf(runs, (r) => r.engine?.transitions ?? 0),
    historyEvents: medianOf(runs, (r) => r.engine?.historyEvents ?? 0),
    fetchInvocations: medianOf(runs, (r) => r.handler?.fetchInvocations ?? 0),
    avgItemBytes: medianOf(runs, (r) => r.avgItemBytes),
    runRecordBytes: medianOf(runs, (r) => r.runRecordBytes),
    runRecordWrites: medianOf(runs, (r) => r.calls.runRecordWrites),
    billedMs: medianOf(runs, (r) => r.handler?.billedMs ?? 0),
    lambdaInvocations: medianOf(runs, (r) =>
      r.handler ? r.handler.fetchInvocations + r.handler.otherInvocations : 1,
    ),
    rowsVerified: runs.every((r) => r.itemsInTable === size && r.items === size),
  };
}

/**
 * Dollars per million items, scaled from one drain's medians; `smallest` (the same variant at
 * the smallest size) extends the heap to a million items.
 */
export function costOf(cell: Cell, smallest: Cell = cell): Cost {
  const scale = 1_000_000 / cell.size;
  const writeUnitsPerItem = Math.ceil(cell.avgItemBytes / 1024);
  const writeUnitsPerRecordWrite = cell.runRecordWrites > 0 ? Math.ceil(cell.runRecordBytes / 1024) : 0;
  const writeUnits = cell.size * writeUnitsPerItem + cell.runRecordWrites * writeUnitsPerRecordWrite;
  const memoryGb = LAMBDA_MEMORY_MB[cell.variant] / 1024;
  // An in-Lambda loop is billed for its whole wall time; pagewalk for its handlers' time only.
  const billedSeconds = isPagewalk(cell.variant) ? cell.billedMs / 1000 : Math.ceil(cell.wallMs) / 1000;
  const parts = {
    stepFunctions: cell.transitions * PRICES.stepFunctionsPerTransition * scale,
    lambdaRequests: cell.lambdaInvocations * PRICES.lambdaPerRequest * scale,
    lambdaDuration: billedSeconds * memoryGb * PRICES.lambdaPerGbSecond * scale,
    dynamoWrites: writeUnits * PRICES.dynamoPerWriteUnit * scale,
  };
  return {
    variant: cell.variant,
    basedOnSize: cell.size,
    transitions: cell.transitions * scale,
    ...parts,
    total: parts.stepFunctions + parts.lambdaRequests + parts.lambdaDuration + parts.dynamoWrites,
    secondsPerMillion: 1_000_000 / cell.itemsPerSecond,
    heapAtMillionBytes: extrapolate(smallest.size, smallest.heapNeededBytes, cell.size, cell.heapNeededBytes),
  };
}

/**
 * The value at a million on the line through (x0, y0) and (x1, y1), never below y1: a longer
 * drain needs at least what the largest one measured (a flat loop's noise can slope down).
 */
function extrapolate(x0: number, y0: number, x1: number, y1: number): number {
  if (x1 === x0) return y1;
  return Math.max(y1, y1 + ((y1 - y0) / (x1 - x0)) * (1_000_000 - x1));
}

export const findCell = (cells: readonly Cell[], variant: VariantName, size: number) =>
  cells.find((c) => c.variant === variant && c.size === size);

const livePeak = (cell: Cell) => cell.live?.peakLiveBytes ?? Number.NaN;

function ratiosAt(cells: readonly Cell[], size: number): Ratios | undefined {
  const [a, b, p, aws] = (['baselineA', 'baselineB', 'pagewalk', 'pagewalkAws'] as const).map((v) =>
    findCell(cells, v, size),
  );
  if (!b || !p) return undefined;
  // Without A in the run its ratios are NaN (printed n/a); B is what the targets compare with.
  const ofA = (x: number, y: number | undefined) => (y === undefined ? Number.NaN : x / y);
  return {
    size,
    throughputVsB: p.itemsPerSecond / b.itemsPerSecond,
    throughputVsA: ofA(p.itemsPerSecond, a?.itemsPerSecond),
    throughputAwsVsB: aws ? aws.itemsPerSecond / b.itemsPerSecond : undefined,
    liveVsB: livePeak(p) / livePeak(b),
    liveVsA: a ? livePeak(p) / livePeak(a) : Number.NaN,
    rssVsB: p.rssPeakBytes / b.rssPeakBytes,
    rssVsA: ofA(p.rssPeakBytes, a?.rssPeakBytes),
  };
}

/** (transitions at the largest size − at the smallest) / (pages there − pages here). */
function steadyStateTransitions(cells: readonly Cell[]): number | undefined {
  const walks = cells.filter((c) => c.variant === 'pagewalk').sort((x, y) => x.size - y.size);
  const first = walks[0];
  const last = walks[walks.length - 1];
  if (!first || !last || last.pages === first.pages) return undefined;
  return (last.transitions - first.transitions) / (last.pages - first.pages);
}

export const fmtK = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
export const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** The throughput targets compare the sizes a drain is long at: 10k items and more. */
const TARGET_MIN_SIZE = 10_000;

function ratioTarget(
  ratios: readonly Ratios[],
  pick: (r: Ratios) => number | undefined,
  floor: number,
  what: string,
): Target {
  const compared = ratios.filter((r) => r.size >= TARGET_MIN_SIZE && pick(r) !== undefined);
  if (compared.length === 0)
    return { verdict: 'N/A', text: `${what}: needs it and baseline B at 10k items or more` };
  return {
    verdict: compared.every((r) => (pick(r) as number) >= floor) ? 'PASS' : 'MISS',
    text: `${what} ≥ ${times(floor)} baseline B at 10k items and more (${compared.map((r) => `${fmtK(r.size)} ${times(pick(r) as number)}`).join(', ')})`,
  };
}

/** The largest live heap a pass saw in its units' first `pages` pages. */
export function livePeakInFirst(live: LiveMemory, pages: number): number {
  return Math.max(0, ...live.liveByPageBytes.slice(0, pages));
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/**
 * The issue's memory target, on the live heap (not the high-water mark with garbage):
 * - flat: the live peak of the largest size's invocations in their first k pages, k the most
 *   pages an invocation of the smallest size read, within 10% of the smallest size's peak
 *   (like with like: a 1k drain's invocations read 4 pages, a 10k one's 25);
 * - bounded: the live peak of a whole invocation at the largest size ≤ 3× B's of a page.
 */
function memoryTarget(cells: readonly Cell[]): Target {
  const { small, large, p0, p1, b1 } = memoryCells(cells);
  if (!p0?.live || !p1?.live || !b1?.live || small === large) {
    return {
      verdict: 'N/A',
      text: 'memory: needs the live-heap pass of pagewalk at two sizes and of baseline B',
    };
  }
  const k = p0.live.maxPagesPerUnit;
  const likeForLike = livePeakInFirst(p1.live, k);
  const drift = likeForLike / p0.live.peakLiveBytes - 1;
  const vsB = p1.live.peakLiveBytes / b1.live.peakLiveBytes;
  const flat = Math.abs(drift) <= 0.1;
  const bounded = vsB <= 3;
  return {
    verdict: flat && bounded ? 'PASS' : 'MISS',
    text:
      `memory: live heap per page-fetch invocation flat within 10% from ${fmtK(small)} to ${fmtK(large)} ` +
      `over the same ${k} pages (${mib(p0.live.peakLiveBytes)} → ${mib(likeForLike)}, ${signed(drift * 100, 1)}%: ${flat ? 'yes' : 'no'}); ` +
      `a whole invocation's (${p1.live.maxPagesPerUnit} pages) ${mib(p1.live.peakLiveBytes)} ≤ 3× B's live heap per page (${times(vsB)}: ${bounded ? 'yes' : 'no'})`,
  };
}

/**
 * Not in the issue: the heap held between units grows over a drain no more than B's (which
 * keeps nothing, so its growth is the runtime's: JIT code, the SDK) plus 10% of pagewalk's
 * live peak. pagewalk's figure includes the local engine's execution history.
 */
function growthTarget(cells: readonly Cell[]): Target {
  const { small, large, p0, p1, b0, b1 } = memoryCells(cells);
  if (!p0 || !p1 || !b0 || !b1 || !p1.live || small === large) {
    return {
      verdict: 'N/A',
      text: 'memory growth: needs pagewalk and baseline B at two sizes, with the live-heap pass',
    };
  }
  const growth = p1.heapHeldBytes - p0.heapHeldBytes;
  const bGrowth = b1.heapHeldBytes - b0.heapHeldBytes;
  const excess = growth - bGrowth;
  return {
    verdict: excess <= 0.1 * p1.live.peakLiveBytes ? 'PASS' : 'MISS',
    text: `memory growth (not an issue target): heap held between invocations ${signed(growth / 1024, 0)} KB from ${fmtK(small)} to ${fmtK(large)}, B's between pages ${signed(bGrowth / 1024, 0)} KB; the difference ${signed(excess / 1024, 0)} KB ≤ 10% of the invocation's live peak (${kib(0.1 * p1.live.peakLiveBytes)})`,
  };
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

function memoryCells(cells: readonly Cell[]) {
  const sizes = [...new Set(cells.map((c) => c.size))].sort((x, y) => x - y);
  const [small, large] = [sizes[0] ?? 0, sizes[sizes.length - 1] ?? 0];
  return {
    small,
    large,
    p0: findCell(cells, 'pagewalk', small),
    p1: findCell(cells, 'pagewalk', large),
    b0: findCell(cells, 'baselineB', small),
    b1: findCell(cells, 'baselineB', large),
  };
}

function transitionsTarget(costs: readonly Cost[]): Target {
  const p = costs.find((c) => c.variant === 'pagewalk');
  if (!p) return { verdict: 'N/A', text: 'transitions: needs pagewalk' };
  return {
    verdict: p.transitions <= 1000 ? 'PASS' : 'MISS',
    text: `transitions: ≤ 1,000 per million items, Step Functions ≤ $0.025 (${Math.round(p.transitions).toLocaleString('en-US')}, $${p.stepFunctions.toFixed(4)}, from the ${fmtK(p.basedOnSize)} drain)`,
  };
}

function costTarget(costs: readonly Cost[]): Target {
  const p = costs.find((c) => c.variant === 'pagewalk');
  const b = costs.find((c) => c.variant === 'baselineB');
  if (!p || !b) return { verdict: 'N/A', text: 'cost: needs pagewalk and baseline B' };
  const over = p.total / b.dynamoWrites - 1;
  return {
    verdict: over <= 0.05 ? 'PASS' : 'MISS',
    text: `cost: total within 5% of B's DynamoDB-only floor ($${p.total.toFixed(4)} vs $${b.dynamoWrites.toFixed(4)} per million items, +${(over * 100).toFixed(1)}%)`,
  };
}

/** Medians per (variant, size), ratios, cost per million items and target checks. */
export function summarise(
  settings: BenchSettings,
  results: readonly RunResult[],
  failures: readonly FailedRun[],
): Summary {
  const cells: Cell[] = [];
  for (const size of settings.sizes) {
    for (const variant of settings.variants) {
      const runs = results.filter((r) => r.variant === variant && r.size === size);
      if (runs.length > 0) cells.push(cellOf(variant, size, runs));
    }
  }
  const ratios = settings.sizes.map((size) => ratiosAt(cells, size)).filter((r): r is Ratios => !!r);
  const largest = Math.max(...cells.map((c) => c.size));
  const smallest = Math.min(...cells.map((c) => c.size));
  const costs = cells
    .filter((c) => c.size === largest)
    .map((c) => costOf(c, findCell(cells, c.variant, smallest)));
  return {
    settings,
    cells,
    ratios,
    costs,
    steadyStateTransitionsPerPage: steadyStateTransitions(cells),
    targets: [
      ratioTarget(ratios, (r) => r.throughputVsB, 1.25, 'throughput: pagewalk'),
      transitionsTarget(costs),
      costTarget(costs),
      memoryTarget(cells),
      growthTarget(cells),
      ratioTarget(ratios, (r) => r.throughputAwsVsB, 1.0, 'with the ASSUMED AWS latency: pagewalk'),
    ],
    failures: [...failures],
  };
}
