/** Prints a summary: the tables, the cost, the targets and how it was measured. */
import { LAMBDA_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS } from './prices';
import type { Cost, CpuPerPage, Summary } from './summary';
import { cpuBound, times } from './summary';
import { isPagewalk, VARIANT_LABELS } from './types';

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
    times(r.limitVsB),
    `${r.pagewalkMsPerPage.toFixed(1)} / ${r.limitMsPerPage.toFixed(1)}`,
    times(r.throughputVsA),
    r.throughputAwsVsB === undefined ? '-' : times(r.throughputAwsVsB),
    times(r.liveVsB),
    times(r.liveVsA),
    times(r.rssVsB),
    times(r.rssVsA),
  ]);
  return table(
    [
      'items',
      'items/s ÷ B',
      'limit ÷ B',
      'ms/page: pagewalk / max(Glue, writes)',
      'items/s ÷ A',
      'ASSUMED-AWS ÷ B',
      'live ÷ B',
      'live ÷ A',
      'RSS ÷ B',
      'RSS ÷ A',
    ],
    rows,
  );
}

// `|| 0` turns a rounded -0 into 0.
const kbNum = (bytes: number) => String(Math.round(bytes / 1024) || 0);

/** Heap per unit of work: held, retained, live peak (the pass) and the high-water mark with garbage. */
function memoryTable(summary: Summary): string {
  const rows = summary.cells.map((c) => [
    int(c.size),
    VARIANT_LABELS[c.variant],
    isPagewalk(c.variant) ? 'invocation' : c.variant === 'baselineA' ? 'fetch/slice' : 'page',
    mbNum(c.heapHeldBytes),
    c.heldComposition ? kbNum(c.heldComposition.dataBytes) : '-',
    c.heldComposition ? kbNum(c.heldComposition.codeBytes + c.heldComposition.runtimeBytes) : '-',
    kbNum(c.retainedPerUnitBytes),
    kbNum(c.retainedPerPageBytes),
    c.live ? `${mbNum(c.live.peakLiveBytes)} (${c.live.pagesInPeakUnit} pg)` : '-',
    c.live ? mbNum(c.live.peakLiveP50Bytes) : '-',
    c.live ? String(c.live.maxPagesPerUnit) : '-',
    mbNum(c.highWaterPerUnitBytes),
  ]);
  return table(
    [
      'items',
      'variant',
      'unit',
      'held MB',
      'late: data +KB',
      'code, runtime +KB',
      'retained KB/unit',
      'KB/page',
      'live peak MB/unit',
      'median',
      'pages/unit',
      'hi-water MB/unit (with garbage)',
    ],
    rows,
    [1, 2],
  );
}

/** pagewalk's live heap by page of an invocation: whether it grows with the pages read. */
function liveByPage(summary: Summary): string[] {
  return summary.cells
    .filter((c) => c.variant === 'pagewalk' && c.live)
    .map((c) => {
      const pages = (c.live?.liveByPageBytes ?? []).map((bytes, i) => `${i + 1}: ${mbNum(bytes)}`);
      return `  ${int(c.size)} items: ${pages.join(', ')}`;
    });
}

/** The wall time by what was in flight, in % of the wall time: where the pipelining overlaps. */
function overlapTable(summary: Summary): string {
  const pct = (ms: number, wall: number) => `${fixed((100 * ms) / wall)}%`;
  const rows = summary.cells.map((c) => [
    int(c.size),
    VARIANT_LABELS[c.variant],
    fixed(c.wallMs / 1000),
    pct(c.overlap.glueOnly, c.wallMs),
    pct(c.overlap.writeOnly, c.wallMs),
    pct(c.overlap.both, c.wallMs),
    pct(c.overlap.neither, c.wallMs),
    isPagewalk(c.variant) ? fixed(c.pages / Math.max(1, c.fetchInvocations)) : '-',
  ]);
  return table(
    ['items', 'variant', 'wall s', 'Glue only', 'writes only', 'both at once', 'neither', 'pages/invocation'],
    rows,
    [1],
  );
}

function overheadTable(summary: Summary): string {
  const rows = summary.cells.map((c) => [
    int(c.size),
    VARIANT_LABELS[c.variant],
    fixed(c.glueMsPerPage),
    fixed(c.itemWriteMsPerPage),
    fixed(c.runRecordMsPerPage),
    fixed(c.otherMsPerPage),
    isPagewalk(c.variant) ? fixed(c.engineMsPerPage) : '-',
    isPagewalk(c.variant) ? fixed(c.engineFixedMs / c.pages) : '-',
    fixed(c.overheadMsPerPage),
    isPagewalk(c.variant) ? fixed(c.transitions / c.pages, 2) : '-',
    isPagewalk(c.variant) ? fixed(c.historyEvents / c.pages, 2) : '-',
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

/**
 * CPU per page of the three processes over the drain, and what they ask of the cores they
 * share: busy = their CPU ÷ (wall × cores).
 */
function cpuTable(summary: Summary): string | undefined {
  const measured = summary.cells.filter((c) => c.cpuMsPerPage);
  if (measured.length === 0) return undefined;
  const rows = measured.map((c) => {
    const cpu = c.cpuMsPerPage as CpuPerPage;
    const sum = cpu.drain + cpu.dynamo + cpu.glue;
    const wallPerPage = c.wallMs / c.pages;
    return [
      int(c.size),
      VARIANT_LABELS[c.variant],
      fixed(cpu.drain),
      fixed(cpu.dynamo),
      fixed(cpu.glue),
      fixed(sum),
      fixed(cpuBound(cpu)),
      fixed(wallPerPage),
      `${fixed((100 * sum) / (wallPerPage * cpu.cores), 0)}%`,
    ];
  });
  return table(
    ['items', 'variant', 'drain', 'dynalite', 'Glue', 'sum', '÷ cores', 'wall', 'cores busy'],
    rows,
    [1],
  );
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
    int(c.transitions),
    dollars(c.stepFunctions),
    dollars(c.lambdaRequests),
    dollars(c.lambdaDuration),
    dollars(c.dynamoWrites),
    dollars(c.total),
    isPagewalk(c.variant) ? '-' : oneLambda(c),
  ]);
  return table(
    [
      'variant',
      'transitions',
      'Step Functions',
      'Lambda req',
      'Lambda GB-s',
      'DynamoDB WRU',
      'total',
      '1M in one Lambda',
    ],
    rows,
    [0, 7],
  );
}

const METHOD = `How this was measured
  - One child process per (variant, size, run): node --expose-gc --import tsx bench/child.ts. No two
    variants share a heap, an RSS high-water mark or JIT state. Each child writes into a fresh, empty
    dynalite (in memory) in a process of its own, started before it (untimed) and stopped after the parent
    has counted the rows; the Glue sandbox is one process of its own for the whole bench (as on AWS, each
    a service apart from the code that calls it).
    Each child first drains a 400-run warm-up job, untimed. Repetitions rotate the variant order.
  - items/s = items / wall time of the drain; pagewalk's runs from StartExecution to the end of Record
    completion, engine included. Forced GCs of the memory sampling are timed and left out.
  - Memory, per unit of work: a page of B's loop, one page-fetch invocation of pagewalk (up to
    pagesPerInvocation pages), A's fetches and write slices (separate, smaller units). V8's used heap
    counts garbage until a GC, so every figure but the last is read after a forced full GC.
    held: in the timed drain, about 25 units start and end with a forced GC (between units nothing is
    in flight, so their time is left out of the wall time exactly); the largest heap after an end GC
    minus the heap after a GC before the drain: what the loop keeps (A: every run so far; pagewalk:
    also what the local engine keeps of the running execution). "late": B's and pagewalk's first
    repetition take a heap snapshot just before the drain and at the first sampled unit past 90% of its
    pages (time left out) and split the difference by V8 node type: data (objects, arrays, strings,
    closures, buffers) and the runtime's own (code: machine code, bytecode, feedback, deopt data;
    hidden classes and internal objects). retained: heap after the end GC − after the start GC,
    median per unit, and summed ÷ the pages read.
    live peak: an untimed pass after the first repetition's drain reads the job's first --live-pages
    pages again with a forced GC after every SDK call in a unit as it answers (its output and all
    else in flight still reachable: where a page arrives or leaves); the largest heap so read minus
    the heap at the unit's start; max and median over units. pagewalkAws has none (same handlers).
    "live heap by page": the same, at the k-th page of an invocation, max over invocations.
    hi-water (with garbage): the used-heap high-water in a unit (v8.GCProfiler before-GC readings) −
    the heap at its start, median. It follows the allocation until V8's next scavenge (the young
    generation's size), not the memory in use: a unit of 25 pages reaches that ceiling, one of 4 not.
    heap needed = held + live peak: what the loop's Lambda needs.
    The memory target: pagewalk's live peak over the same first pages of an invocation at the smallest
    and largest size (flat within 10%), and a whole invocation's ≤ 3× B's per page. The held-heap
    target: the data pagewalk holds late in the drain (snapshots) differs from the smallest size to the
    largest by at most 10% of what an invocation needs at the smallest (held + live peak); the growth of
    the runtime's own part (the JIT compiling more of the program) is printed beside it.
  - limit ÷ B: B's ms per page ÷ max(B's Glue ms, B's write ms) per page, from B's own run, where neither
    waits for the other: what pagewalk ÷ B would be if each page cost only the larger of the two.
  - RSS: the child's VmHWM, reset (/proc/self/clear_refs) just before the drain; pagewalk's includes the
    engine. (getrusage maxrss is unusable here: Linux seeds it from the parent at fork.) The first run of
    B and of pagewalk at each size also takes the two heap snapshots (held heap's composition), whose
    native memory (about 100 MB) stays in its RSS: with 3 runs the median leaves it out, with one it is in.
  - glue, write: in-flight time of GetJobRuns and of BatchWriteItem (union of intervals), from sends
    wrapped on the SDK client prototypes, so the handlers' module-scope clients are timed too. overhead =
    (wall − time with either in flight) / pages = run record (other DynamoDB calls, when neither was in
    flight) + other code (inside the handlers or loop, in no SDK call) + engine (outside every handler)
    + engine fixed (before the first handler and after the last, per run, ÷ pages).
  - CPU per page: the drain's own process (process.cpuUsage, the measurement's forced GCs and snapshots
    left out) and its dynalite and the Glue sandbox (/proc/<pid>/stat), from the drain's start to its end,
    ÷ pages. Their sum ÷ the cores is the least a page can cost here however its calls overlap: the
    three share this machine's cores, which AWS's services do not. B uses them one at a time.
  - transitions and history events per page: the local engine's counts (history events are its estimate
    of what AWS records) ÷ pages; per million items: the largest drain's count scaled up, fixed costs included.
  - wall time by what was in flight: Glue only = (either in flight) − (writes in flight), writes only likewise,
    both = Glue + writes − either, neither = wall − either. B runs them in sequence; pagewalk overlaps them.
  - pagewalk + ASSUMED AWS latency: the same drain, with the local engine sleeping the assumed latency per
    state transition and per Lambda invocation (local/engine/latency.ts). Assumptions, never measurements; the
    baselines run in one Lambda invocation and get none.`;

/** Prints the tables, costs, targets and method to stdout. */
export function printReport(summary: Summary): void {
  const { settings } = summary;
  const runsNote =
    settings.runs === settings.runsLarge
      ? `${settings.runs} runs`
      : `${settings.runs} runs (${settings.runsLarge} at 100k items and more)`;
  const ppi = settings.pagesPerInvocation ?? 'default';
  console.log(
    `\nMedians of ${runsNote}; Glue latency ${settings.latencyMs} ms per call; ${settings.pageSize} items per page; pagesPerInvocation ${ppi}`,
  );
  if (settings.variants.includes('pagewalkAws')) {
    const { transitionMs, invokeMs } = settings.assumedLatency;
    console.log(
      `${VARIANT_LABELS.pagewalkAws}: the local engine adds ${transitionMs} ms per state transition and ${invokeMs} ms per Lambda invocation. ASSUMPTIONS, not measurements.`,
    );
  }
  console.log('');
  console.log(mainTable(summary));
  if (summary.ratios.length > 0) {
    console.log(
      "\npagewalk ÷ baseline (items/s: > 1 is faster; limit: B's ms per page ÷ max(B's Glue, B's writes), the most a page that overlaps them can gain; live: an invocation's live peak ÷ a page's; RSS: < 1 is smaller)",
    );
    console.log(ratioTable(summary));
  }
  console.log('\nHeap per unit of work (held and retained: timed drain; live: the untimed live-heap pass)');
  console.log(memoryTable(summary));
  const byPage = liveByPage(summary);
  if (byPage.length > 0) {
    console.log('\npagewalk live heap by page of an invocation, MB above its start (max over invocations)');
    for (const line of byPage) console.log(line);
  }
  console.log(
    "\nWhere a page's time goes, ms per page (overhead = wall − Glue − write = run record + other code + engine + engine fixed)",
  );
  console.log(overheadTable(summary));
  console.log('\nWall time by what was in flight (GetJobRuns, BatchWriteItem of the items)');
  console.log(overlapTable(summary));
  const cpu = cpuTable(summary);
  if (cpu) {
    console.log(
      "\nCPU ms per page over the drain: the drain's process (Lambda code; pagewalk's local engine too), its dynalite, the Glue sandbox; ÷ the cores they share",
    );
    console.log(cpu);
  }
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
