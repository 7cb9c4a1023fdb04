/**
 * Turns raw runs into medians, ratios, costs and target checks. Pure functions of the
 * results, so the numbers can be recomputed from latest.json; print.ts prints them.
 */
import { LAMBDA_MEMORY_MB, PRICES } from './prices';
import { type Cell, type Cost, cpuBound, findCell, type Ratios, type Summary } from './summary';
import { checkTargets } from './targets';
import { type BenchSettings, type FailedRun, isPagewalk, type RunResult, type VariantName } from './types';

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
    heldComposition: runs.find((r) => r.memory.work.heldComposition)?.memory.work.heldComposition,
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
    cpuMsPerPage: runs.every((r) => r.cpu)
      ? {
          drain: perPage((r) => r.cpu?.drainMs ?? 0),
          dynamo: perPage((r) => r.cpu?.dynamoMs ?? 0),
          glue: perPage((r) => r.cpu?.glueMs ?? 0),
          cores: medianOf(runs, (r) => r.cpu?.cores ?? 0),
        }
      : undefined,
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
    limitVsB: b.wallMs / b.pages / Math.max(b.glueMsPerPage, b.itemWriteMsPerPage),
    limitMsPerPage: Math.max(b.glueMsPerPage, b.itemWriteMsPerPage),
    pagewalkMsPerPage: p.wallMs / p.pages,
    cpuBoundMsPerPage: p.cpuMsPerPage && cpuBound(p.cpuMsPerPage),
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
    targets: checkTargets(cells, ratios, costs),
    failures: [...failures],
  };
}
