/**
 * Turns raw runs into medians, ratios, costs and target checks, and prints them. Pure
 * functions of the results, so the numbers can be recomputed from latest.json.
 */
import { LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS, PRICES } from './prices';
import {
  type BenchSettings,
  type FailedRun,
  type RunResult,
  VARIANT_LABELS,
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
   * Heap the loop needs above its runtime's baseline: data it keeps plus one page's work
   * (WorkMemory.neededBytes). For pagewalk the whole process, engine included.
   */
  readonly heapNeededBytes: number;
  /**
   * Heap one unit of work reaches above the live heap before it: a page of a baseline loop,
   * one page-fetch invocation of pagewalk (WorkMemory.unitGrowthP50Bytes).
   */
  readonly heapPerPageBytes: number;
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
  readonly transitions: number;
  readonly historyEvents: number;
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
  readonly heapVsB: number;
  readonly heapVsA: number;
  readonly rssVsB: number;
  readonly rssVsA: number;
}

/** Dollars per million items drained, by line item. */
export interface Cost {
  readonly variant: VariantName;
  /** The size whose medians the estimate scales up. */
  readonly basedOnSize: number;
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
  return {
    variant,
    size,
    runs: runs.length,
    pages: medianOf(runs, (r) => r.pages),
    wallMs: medianOf(runs, (r) => r.wallMs),
    itemsPerSecond: medianOf(runs, (r) => r.itemsPerSecond),
    heapNeededBytes: medianOf(runs, (r) => r.memory.work.neededBytes),
    heapPerPageBytes: medianOf(runs, (r) => r.memory.work.unitGrowthP50Bytes),
    rssPeakBytes: medianOf(runs, (r) => r.memory.rssPeakBytes),
    glueMsPerPage: perPage((r) => r.calls.glueMs),
    itemWriteMsPerPage: perPage((r) => r.calls.itemWriteMs),
    overheadMsPerPage: perPage((r) => r.wallMs - r.calls.glueOrItemWriteMs),
    runRecordMsPerPage: perPage((r) => r.calls.runRecordMs),
    otherMsPerPage: perPage((r) => inHandlersMs(r) - r.calls.anyCallMs),
    engineMsPerPage: perPage((r) => r.wallMs - inHandlersMs(r) - (r.handler?.engineFixedMs ?? 0)),
    engineFixedMs: medianOf(runs, (r) => r.handler?.engineFixedMs ?? 0),
    transitions: medianOf(runs, (r) => r.engine?.transitions ?? 0),
    historyEvents: medianOf(runs, (r) => r.engine?.historyEvents ?? 0),
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
  const billedSeconds = cell.variant === 'pagewalk' ? cell.billedMs / 1000 : Math.ceil(cell.wallMs) / 1000;
  const parts = {
    stepFunctions: cell.transitions * PRICES.stepFunctionsPerTransition * scale,
    lambdaRequests: cell.lambdaInvocations * PRICES.lambdaPerRequest * scale,
    lambdaDuration: billedSeconds * memoryGb * PRICES.lambdaPerGbSecond * scale,
    dynamoWrites: writeUnits * PRICES.dynamoPerWriteUnit * scale,
  };
  return {
    variant: cell.variant,
    basedOnSize: cell.size,
    ...parts,
    total: parts.stepFunctions + parts.lambdaRequests + parts.lambdaDuration + parts.dynamoWrites,
    secondsPerMillion: 1_000_000 / cell.itemsPerSecond,
    heapAtMillionBytes: extrapolate(smallest.size, smallest.heapNeededBytes, cell.size, cell.heapNeededBytes),
  };
}

/** The value at a million on the line through (x0, y0) and (x1, y1); y1 when there is one point. */
function extrapolate(x0: number, y0: number, x1: number, y1: number): number {
  if (x1 === x0) return y1;
  return y1 + ((y1 - y0) / (x1 - x0)) * (1_000_000 - x1);
}

const find = (cells: readonly Cell[], variant: VariantName, size: number) =>
  cells.find((c) => c.variant === variant && c.size === size);

function ratiosAt(cells: readonly Cell[], size: number): Ratios | undefined {
  const [a, b, p] = (['baselineA', 'baselineB', 'pagewalk'] as const).map((v) => find(cells, v, size));
  if (!a || !b || !p) return undefined;
  return {
    size,
    throughputVsB: p.itemsPerSecond / b.itemsPerSecond,
    throughputVsA: p.itemsPerSecond / a.itemsPerSecond,
    heapVsB: p.heapNeededBytes / b.heapNeededBytes,
    heapVsA: p.heapNeededBytes / a.heapNeededBytes,
    rssVsB: p.rssPeakBytes / b.rssPeakBytes,
    rssVsA: p.rssPeakBytes / a.rssPeakBytes,
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

const fmtK = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
const times = (x: number) => `${x.toFixed(2)}×`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function throughputTarget(ratios: readonly Ratios[]): Target {
  if (ratios.length === 0) return { verdict: 'N/A', text: 'throughput: needs pagewalk and baseline B' };
  return {
    verdict: ratios.every((r) => r.throughputVsB >= 0.9) ? 'PASS' : 'MISS',
    text: `throughput: pagewalk ≥ 0.9× baseline B at every size (${ratios.map((r) => `${fmtK(r.size)} ${times(r.throughputVsB)}`).join(', ')})`,
  };
}

function memoryTarget(cells: readonly Cell[]): Target {
  const sizes = [...new Set(cells.map((c) => c.size))].sort((x, y) => x - y);
  const [small, large] = [sizes[0] ?? 0, sizes[sizes.length - 1] ?? 0];
  const p0 = find(cells, 'pagewalk', small);
  const p1 = find(cells, 'pagewalk', large);
  const a0 = find(cells, 'baselineA', small);
  const a1 = find(cells, 'baselineA', large);
  if (!p0 || !p1 || !a0 || !a1 || small === large) {
    return { verdict: 'N/A', text: 'memory: needs pagewalk and baseline A at two sizes or more' };
  }
  const drift = p1.heapPerPageBytes / p0.heapPerPageBytes - 1;
  const growth = a1.heapNeededBytes / a0.heapNeededBytes;
  return {
    verdict: Math.abs(drift) <= 0.1 && growth > 1.1 ? 'PASS' : 'MISS',
    text: `memory: handler heap per invocation flat within 10% from ${fmtK(small)} to ${fmtK(large)} (${mib(p0.heapPerPageBytes)} → ${mib(p1.heapPerPageBytes)}, ${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%) while the heap baseline A needs grows (${mib(a0.heapNeededBytes)} → ${mib(a1.heapNeededBytes)}, ${times(growth)})`,
  };
}

function transitionsTarget(steady: number | undefined): Target {
  if (steady === undefined) return { verdict: 'N/A', text: 'transitions: needs pagewalk at two sizes' };
  return {
    verdict: Math.abs(steady - 2) < 0.01 ? 'PASS' : 'MISS',
    text: `transitions: 2 per steady-state page (measured ${steady.toFixed(2)}: the extra transitions per extra page between the smallest and largest size)`,
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
    .map((c) => costOf(c, find(cells, c.variant, smallest)));
  const steady = steadyStateTransitions(cells);
  return {
    settings,
    cells,
    ratios,
    costs,
    steadyStateTransitionsPerPage: steady,
    targets: [throughputTarget(ratios), memoryTarget(cells), transitionsTarget(steady)],
    failures: [...failures],
  };
}

/** Left-pads every column but the ones named, to the widest cell, joined by two spaces. */
function table(header: readonly string[], rows: readonly (readonly string[])[], leftAligned: number[] = []) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (leftAligned.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mbNum = (bytes: number) => fixed(bytes / 2 ** 20);
const dollars = (n: number) => (n > 0 && n < 0.0001 ? '<$0.0001' : `$${n.toFixed(n < 1 ? 4 : 2)}`);

function mainTable(summary: Summary): string {
  const rows = summary.cells.map((c) => [
    int(c.size),
    VARIANT_LABELS[c.variant],
    String(c.runs),
    int(c.itemsPerSecond),
    fixed(c.wallMs / 1000),
    mbNum(c.heapNeededBytes),
    mbNum(c.heapPerPageBytes),
    mbNum(c.rssPeakBytes),
    fixed(c.glueMsPerPage),
    fixed(c.itemWriteMsPerPage),
    fixed(c.overheadMsPerPage),
    c.rowsVerified ? 'ok' : 'WRONG',
  ]);
  const header = [
    'items',
    'variant',
    'runs',
    'items/s',
    'wall s',
    'heap need MB',
    'heap/pg MB',
    'RSS MB',
    'glue ms/pg',
    'write ms/pg',
    'ovh ms/pg',
    'rows',
  ];
  return table(header, rows, [1]);
}

function ratioTable(summary: Summary): string {
  const rows = summary.ratios.map((r) => [
    int(r.size),
    times(r.throughputVsB),
    times(r.throughputVsA),
    times(r.heapVsB),
    times(r.heapVsA),
    times(r.rssVsB),
    times(r.rssVsA),
  ]);
  return table(['items', 'items/s ÷ B', 'items/s ÷ A', 'heap ÷ B', 'heap ÷ A', 'RSS ÷ B', 'RSS ÷ A'], rows);
}

function overheadTable(summary: Summary): string {
  const rows = summary.cells.map((c) => [
    int(c.size),
    VARIANT_LABELS[c.variant],
    fixed(c.glueMsPerPage),
    fixed(c.itemWriteMsPerPage),
    fixed(c.runRecordMsPerPage),
    fixed(c.otherMsPerPage),
    c.variant === 'pagewalk' ? fixed(c.engineMsPerPage) : '-',
    c.variant === 'pagewalk' ? fixed(c.engineFixedMs / c.pages) : '-',
    fixed(c.overheadMsPerPage),
    c.variant === 'pagewalk' ? fixed(c.transitions / c.pages, 2) : '-',
    c.variant === 'pagewalk' ? fixed(c.historyEvents / c.pages, 2) : '-',
  ]);
  const header = [
    'items',
    'variant',
    'glue',
    'write',
    'run record',
    'other code',
    'engine',
    'engine fixed',
    'overhead',
    'transitions/pg',
    'history ev/pg',
  ];
  return table(header, rows, [1]);
}

/** Whether a million items fit one Lambda invocation: its time limit and its memory. */
function oneLambda(cost: Cost): string {
  const time = `${int(cost.secondsPerMillion)} s${cost.secondsPerMillion > LAMBDA_TIMEOUT_SECONDS ? ' (> 15 min)' : ''}`;
  const memoryMb = LAMBDA_MEMORY_MB[cost.variant];
  const heapMb = cost.heapAtMillionBytes / 2 ** 20;
  return `${time}, heap ~${int(heapMb)} MB${heapMb > memoryMb ? ` (> ${memoryMb} MB)` : ''}`;
}

function costTable(summary: Summary): string {
  const rows = summary.costs.map((c) => [
    VARIANT_LABELS[c.variant],
    dollars(c.stepFunctions),
    dollars(c.lambdaRequests),
    dollars(c.lambdaDuration),
    dollars(c.dynamoWrites),
    dollars(c.total),
    c.variant === 'pagewalk' ? '-' : oneLambda(c),
  ]);
  return table(
    ['variant', 'Step Functions', 'Lambda req', 'Lambda GB-s', 'DynamoDB WRU', 'total', '1M in one Lambda'],
    rows,
    [0, 6],
  );
}

const METHOD = `How this was measured
  - One child process per (variant, size, run): node --expose-gc --import tsx bench/child.ts. No two
    variants share a heap, an RSS high-water mark or JIT state. dynalite and the Glue sandbox run in the
    parent, shared by all; each child writes to a fresh table, which the parent counts (rows) and drops.
    Each child first drains a 400-run warm-up job, untimed. Repetitions rotate the variant order.
  - items/s = items / wall time of the drain; pagewalk's runs from StartExecution to the end of Record
    completion, engine included. Forced GCs of the memory sampling are timed and left out.
  - heap/page: about 25 units of work per drain (a page of B's loop, one page-fetch invocation of
    pagewalk; A's fetches and its write slices are separate, smaller units) start with a forced full GC;
    the V8 used-heap high-water mark in the unit (v8.GCProfiler before-GC readings plus a final reading)
    minus the heap after that GC; median.
    heap need: the largest such high-water mark minus the heap after a GC before the drain: what the loop keeps
    plus one page of work, the heap its Lambda needs (pagewalk's includes the local engine).
  - RSS: the child's VmHWM, reset (/proc/self/clear_refs) just before the drain; pagewalk's includes the
    engine. (getrusage maxrss is unusable here: Linux seeds it from the parent at fork.)
  - glue, write: in-flight time of GetJobRuns and of BatchWriteItem (union of intervals), from sends
    wrapped on the SDK client prototypes, so the handlers' module-scope clients are timed too. overhead =
    (wall − time with either in flight) / pages = run record (other DynamoDB calls, when neither was in
    flight) + other code (inside the handlers or loop, in no SDK call) + engine (outside every handler)
    + engine fixed (before the first handler and after the last, per run, ÷ pages).
  - transitions and history events per page: the local engine's counts (history events are its estimate
    of what AWS records) ÷ pages.`;

/** Prints the tables, costs, targets and method to stdout. */
export function printReport(summary: Summary): void {
  const { settings } = summary;
  const runsNote =
    settings.runs === settings.runsLarge
      ? `${settings.runs} runs`
      : `${settings.runs} runs (${settings.runsLarge} at 100k items and more)`;
  console.log(
    `\nMedians of ${runsNote}; Glue latency ${settings.latencyMs} ms per call; ${settings.pageSize} items per page\n`,
  );
  console.log(mainTable(summary));
  if (summary.ratios.length > 0) {
    console.log('\npagewalk ÷ baseline (items/s: > 1 is faster; heap and RSS: < 1 is smaller)');
    console.log(ratioTable(summary));
  }
  console.log(
    "\nWhere a page's time goes, ms per page (overhead = wall − Glue − write = run record + other code + engine + engine fixed)",
  );
  console.log(overheadTable(summary));
  if (summary.costs.length > 0) {
    const basis = summary.costs[0]?.basedOnSize ?? 0;
    console.log(
      `\nAWS cost per million items (from the ${int(basis)}-item medians; us-east-1 list prices, ASSUMED, see bench/prices.ts;`,
    );
    console.log(
      `Lambda at ${LAMBDA_MEMORY_MB.pagewalk} MB for pagewalk and B, ${LAMBDA_MEMORY_MB.baselineA} MB for A, billed at the locally measured durations)`,
    );
    console.log(costTable(summary));
  }
  console.log('\nTargets (reported, not asserted)');
  for (const target of summary.targets) console.log(`  ${target.verdict.padEnd(4)}  ${target.text}`);
  for (const failure of summary.failures) {
    console.log(
      `  FAILED  ${failure.variant} at ${int(failure.size)} items, run ${failure.run}: ${failure.error}`,
    );
  }
  console.log(`\n${METHOD}`);
}
