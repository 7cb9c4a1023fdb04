/**
 * The issue's targets, checked on a run's summary: throughput against baseline B, transitions
 * and cost per million items, the live heap per invocation and its growth over a drain. Each
 * says PASS, MISS, or N/A when the run lacks what it compares.
 */
import { type Cell, type Cost, findCell, fmtK, mib, type Ratios, type Target, times } from './summary';
import type { LiveMemory } from './types';

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
 * The heap held between invocations, flat from the smallest size to the largest: the data it
 * holds late in the drain (heap snapshots: objects, arrays, strings, closures, buffers) differs
 * by at most 10% of what an invocation needs at the smallest size (held + live peak). The rest of
 * the held heap's growth is the runtime's own (compiled code, feedback, hidden classes): the JIT
 * compiles more of the program as it runs, whatever the data, and is printed beside it.
 */
function heldTarget(cells: readonly Cell[]): Target {
  const { small, large, p0, p1, b0, b1 } = memoryCells(cells);
  const [c0, c1] = [p0?.heldComposition, p1?.heldComposition];
  if (!p0 || !p1 || !p0.live || !c0 || !c1 || small === large) {
    return {
      verdict: 'N/A',
      text: 'heap held between invocations: needs pagewalk at two sizes, with the live-heap pass and its snapshots',
    };
  }
  const growth = p1.heapHeldBytes - p0.heapHeldBytes;
  const dataGrowth = c1.dataBytes - c0.dataBytes;
  const runtimeGrowth = c1.codeBytes + c1.runtimeBytes - (c0.codeBytes + c0.runtimeBytes);
  const allowed = 0.1 * p0.heapNeededBytes;
  const bGrowth =
    b0 && b1 ? `; B's between pages ${signed((b1.heapHeldBytes - b0.heapHeldBytes) / 1024, 0)} KB` : '';
  return {
    verdict: Math.abs(dataGrowth) <= allowed ? 'PASS' : 'MISS',
    text:
      `heap held between invocations flat from ${fmtK(small)} to ${fmtK(large)}: ${mib(p0.heapHeldBytes)} → ${mib(p1.heapHeldBytes)} ` +
      `(${signed(growth / 1024, 0)} KB); late in the drain its data ${signed(c0.dataBytes / 1024, 0)} → ${signed(c1.dataBytes / 1024, 0)} KB ` +
      `(${signed(dataGrowth / 1024, 0)} KB, within 10% of an invocation's heap needed at ${fmtK(small)}, ${kib(allowed)}: ${Math.abs(dataGrowth) <= allowed ? 'yes' : 'no'}); ` +
      `the runtime's own (compiled code, hidden classes) ${signed(runtimeGrowth / 1024, 0)} KB${bGrowth}`,
  };
}

/**
 * A page costs about the larger of its Glue call and its item writes: pagewalk's time per page
 * within 10% of max(B's Glue ms, B's write ms) per page, at 10k items and more.
 */
function perPageTarget(ratios: readonly Ratios[]): Target {
  const compared = ratios.filter((r) => r.size >= TARGET_MIN_SIZE);
  if (compared.length === 0) {
    return { verdict: 'N/A', text: 'per page: needs pagewalk and baseline B at 10k items or more' };
  }
  return {
    verdict: compared.every((r) => r.pagewalkMsPerPage <= 1.1 * r.limitMsPerPage) ? 'PASS' : 'MISS',
    text: `per page: pagewalk's within 10% of max(Glue, writes) at 10k items and more (${compared
      .map(
        (r) =>
          `${fmtK(r.size)} ${r.pagewalkMsPerPage.toFixed(1)} ms vs ${r.limitMsPerPage.toFixed(1)} ms, ${signed((r.pagewalkMsPerPage / r.limitMsPerPage - 1) * 100, 0)}%; limit ${times(r.limitVsB)} B${r.cpuBoundMsPerPage === undefined ? '' : `; CPU ÷ cores ${r.cpuBoundMsPerPage.toFixed(1)} ms`}`,
      )
      .join(', ')})`,
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

/** Every target, in the order the report prints them. */
export function checkTargets(
  cells: readonly Cell[],
  ratios: readonly Ratios[],
  costs: readonly Cost[],
): Target[] {
  return [
    ratioTarget(ratios, (r) => r.throughputVsB, 1.6, 'throughput: pagewalk'),
    perPageTarget(ratios),
    transitionsTarget(costs),
    costTarget(costs),
    memoryTarget(cells),
    heldTarget(cells),
    ratioTarget(ratios, (r) => r.throughputAwsVsB, 1.3, 'with the ASSUMED AWS latency: pagewalk'),
  ];
}
