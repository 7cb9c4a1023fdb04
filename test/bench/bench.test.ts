import { describe, expect, it } from 'vitest';
import { renderChart } from '../../bench/chart';
import { composition } from '../../bench/heap-composition';
import { PRICES } from '../../bench/prices';
import { costOf, median, summarise } from '../../bench/report';
import { parseSettings } from '../../bench/settings';
import type { BenchSettings, RunResult, VariantName } from '../../bench/types';

const MB = 2 ** 20;

const settings: BenchSettings = {
  sizes: [1000, 100_000],
  variants: ['baselineA', 'baselineB', 'pagewalk', 'pagewalkAws'],
  runs: 1,
  runsLarge: 1,
  latencyMs: 25,
  pageSize: 200,
  assumedLatency: { transitionMs: 50, invokeMs: 20 },
  budgetMinutes: 0,
  livePages: 51,
  outDir: 'unused',
};

/** A live-heap pass whose invocations read `pagesPerUnit` pages and hold `perPageMb[k]` at their k+1-th. */
function livePass(perPageMb: readonly number[], pagesPerUnit = perPageMb.length) {
  const liveByPageBytes = perPageMb.map((mb) => mb * MB);
  const peak = Math.max(...liveByPageBytes);
  return {
    pages: 51,
    units: 3,
    probes: 500,
    peakLiveBytes: peak,
    peakLiveP50Bytes: peak,
    pagesInPeakUnit: pagesPerUnit,
    maxPagesPerUnit: pagesPerUnit,
    liveByPageBytes,
  };
}

/** pagewalk's pass at a size: 1k reads 4 pages an invocation, larger sizes 25. */
const pagewalkLive = (size: number) =>
  size === 1000 ? livePass([0.6, 0.9, 1.0, 1.0]) : livePass([0.6, 0.9, 1.0, 1.0, ...Array(21).fill(1.2)]);

/** A run at `size` items, 200 per page, shaped like what a child reports. */
function result(variant: VariantName, size: number, overrides: Partial<RunResult> = {}): RunResult {
  const pages = size / 200;
  const wallMs = size; // 1,000 items/s
  const pagewalk = variant === 'pagewalk' || variant === 'pagewalkAws';
  // The first page alone, then 25 pages an invocation.
  const invocations = 1 + Math.ceil((pages - 1) / 25);
  return {
    variant,
    size,
    run: 1,
    items: size,
    pages,
    wallMs,
    itemsPerSecond: size / (wallMs / 1000),
    calls: {
      glueMs: wallMs * 0.3,
      itemWriteMs: wallMs * 0.6,
      glueOrItemWriteMs: wallMs * 0.9,
      runRecordMs: pagewalk ? wallMs * 0.05 : 0,
      anyCallMs: pagewalk ? wallMs * 0.95 : wallMs * 0.9,
      glueCalls: pages,
      itemWriteCalls: pages * 8,
      otherDynamoCalls: pagewalk ? pages + 2 : 0,
      runRecordWrites: pagewalk ? pages + 2 : 0,
    },
    memory: {
      heapBeforeBytes: 20 * MB,
      heapPeakBytes: 40 * MB,
      rssBeforeBytes: 140 * MB,
      rssPeakBytes: 150 * MB,
      work: {
        units: pages,
        sampledUnits: pages,
        sampledPages: pages,
        retainedP50Bytes: 0,
        retainedMaxBytes: 100 * 1024,
        retainedPerPageBytes: 0,
        heldMaxBytes: variant === 'baselineA' ? (size / 1000) * 2 * MB : 0.5 * MB,
        ...(variant === 'baselineA' || variant === 'pagewalkAws'
          ? {}
          : { heldComposition: { dataBytes: 0.1 * MB, codeBytes: 0.2 * MB, runtimeBytes: 0.05 * MB } }),
        highWaterP50Bytes: 8 * MB,
        forcedGcMs: 0,
        forcedGcCpuMs: 0,
      },
      ...(variant === 'pagewalkAws'
        ? {}
        : { live: variant === 'pagewalk' ? pagewalkLive(size) : livePass([0.8], 1) }),
    },
    avgItemBytes: 740,
    runRecordBytes: pagewalk ? 600 : 0,
    itemsInTable: size,
    ...(pagewalk
      ? {
          handler: {
            fetchInvocations: invocations,
            fetchTotalMs: wallMs * 0.97,
            fetchMeanMs: (wallMs * 0.97) / invocations,
            billedMs: wallMs,
            otherInvocations: 2,
            otherTotalMs: 10,
            engineFixedMs: 5,
          },
          engine: {
            transitions: 2 * invocations + 3,
            historyEvents: 7 * invocations + 9,
            stateEntries: {},
            executions: 1,
          },
        }
      : {}),
    ...overrides,
  };
}

const atSpeed = (variant: VariantName, size: number, speed: number) =>
  result(variant, size, { wallMs: size / speed, itemsPerSecond: 1000 * speed });
const allResults = (pagewalkSpeed = 1.7, awsSpeed = 1.4) =>
  settings.sizes.flatMap((size) => [
    result('baselineA', size),
    result('baselineB', size),
    atSpeed('pagewalk', size, pagewalkSpeed),
    atSpeed('pagewalkAws', size, awsSpeed),
  ]);

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('the cost per million items', () => {
  it('prices transitions, requests, billed GB-seconds and write units from the public price constants', () => {
    const summary = summarise(settings, allResults(), []);
    const pagewalk = summary.cells.find((c) => c.variant === 'pagewalk' && c.size === 100_000);
    if (!pagewalk) throw new Error('no pagewalk cell');
    const cost = costOf(pagewalk);
    const scale = 1_000_000 / 100_000;

    // 500 pages: the first alone, then 20 invocations of 25; two transitions each, and 3 per run.
    expect(cost.transitions).toBe(45 * scale);
    expect(cost.stepFunctions).toBeCloseTo(45 * PRICES.stepFunctionsPerTransition * scale, 10);
    expect(cost.lambdaRequests).toBeCloseTo(23 * PRICES.lambdaPerRequest * scale, 10);
    // 100 s billed at 256 MB.
    expect(cost.lambdaDuration).toBeCloseTo(100 * 0.25 * PRICES.lambdaPerGbSecond * scale, 10);
    // 740-byte items and a 600-byte run record: one write unit each.
    expect(cost.dynamoWrites).toBeCloseTo((100_000 + 502) * PRICES.dynamoPerWriteUnit * scale, 10);
  });

  it('bills an in-Lambda loop for its whole wall time at the memory it is assumed to need', () => {
    const summary = summarise(settings, allResults(), []);
    const a = summary.costs.find((c) => c.variant === 'baselineA');
    expect(a?.stepFunctions).toBe(0);
    expect(a?.lambdaDuration).toBeCloseTo(100 * 1 * PRICES.lambdaPerGbSecond * 10, 10);
    expect(a?.secondsPerMillion).toBeCloseTo(1000);
    // A holds 2 MB per 1,000 items in the fixture: 2 GB at a million, plus a page's live peak.
    expect((a?.heapAtMillionBytes ?? 0) / MB).toBeCloseTo(2000.8);
  });
});

describe('the targets', () => {
  it('pass when pagewalk is 1.6× B and 1.3× with the assumed latency, a page costs about max(Glue, writes), under 1,000 transitions per million items, near the DynamoDB floor, with flat memory', () => {
    const summary = summarise(settings, allResults(), []);
    expect(summary.targets.map((t) => t.verdict)).toEqual([
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
    ]);
    expect(summary.targets[2]?.text).toContain('(450,');
  });

  it('report a miss when pagewalk is below 1.6× baseline B at 10k items or more', () => {
    const summary = summarise(settings, allResults(1.5), []);
    expect(summary.targets[0]?.verdict).toBe('MISS');
    expect(summary.targets[0]?.text).toContain('100k 1.50×');
  });

  it("report a per-page miss when pagewalk's page costs more than 10% over the larger of B's Glue call and writes", () => {
    // B: 200 ms a page, Glue 60 ms and writes 120 ms of it; pagewalk at 1.4× B: 142.9 ms a page.
    const summary = summarise(settings, allResults(1.4), []);
    expect(summary.targets[1]?.verdict).toBe('MISS');
    expect(summary.targets[1]?.text).toContain('100k 142.9 ms vs 120.0 ms, +19%; limit 1.67× B');
    expect(summary.ratios.find((r) => r.size === 100_000)?.limitVsB).toBeCloseTo(200 / 120);
  });

  it('report a miss when pagewalk with the assumed AWS latency falls below 1.3× baseline B', () => {
    const summary = summarise(settings, allResults(1.7, 1.2), []);
    expect(summary.targets[6]?.verdict).toBe('MISS');
    expect(summary.targets[6]?.text).toContain('ASSUMED');
  });

  it('judge memory flatness on the same pages of an invocation at every size, not on a whole 25-page invocation against a 4-page one', () => {
    // The fixture's 25-page invocations peak at 1.2 MB, but hold 1.0 MB in their first 4 pages, as at 1k.
    const memory = summarise(settings, allResults(), []).targets[4];
    expect(memory?.verdict).toBe('PASS');
    expect(memory?.text).toContain('over the same 4 pages (1.0 MB → 1.0 MB, +0.0%: yes)');
    expect(memory?.text).toContain(
      "a whole invocation's (25 pages) 1.2 MB ≤ 3× B's live heap per page (1.50×: yes)",
    );
  });

  it('report a memory miss when the first pages of an invocation hold more at the largest size than at the smallest', () => {
    const grown = livePass([0.6, 0.9, 1.0, 1.2, ...Array(21).fill(1.2)]);
    const results = allResults().map((r) =>
      r.variant === 'pagewalk' && r.size === 100_000 ? { ...r, memory: { ...r.memory, live: grown } } : r,
    );
    const memory = summarise(settings, results, []).targets[4];
    expect(memory?.verdict).toBe('MISS');
    expect(memory?.text).toContain('+20.0%: no');
  });

  const held = (heldMb: number, dataMb: number, codeMb: number) => (r: RunResult) =>
    r.variant === 'pagewalk' && r.size === 100_000
      ? {
          ...r,
          memory: {
            ...r.memory,
            work: {
              ...r.memory.work,
              heldMaxBytes: heldMb * MB,
              heldComposition: { dataBytes: dataMb * MB, codeBytes: codeMb * MB, runtimeBytes: 0.05 * MB },
            },
          },
        }
      : r;

  it('report a held-heap miss when the data held late in the drain grows by more than 10% of what an invocation needs', () => {
    // At 1k an invocation needs 0.5 MB held + 1.0 MB live: 154 KB may be added.
    const target = summarise(settings, allResults().map(held(0.8, 0.4, 0.2)), []).targets[5];
    expect(target?.verdict).toBe('MISS');
    expect(target?.text).toContain(
      '0.5 MB → 0.8 MB (+307 KB); late in the drain its data +102 → +410 KB (+307 KB',
    );
    expect(target?.text).toContain(': no)');
  });

  it("pass the held-heap check when what grew is the runtime's own (compiled code), and say so", () => {
    const target = summarise(settings, allResults().map(held(0.8, 0.1, 0.5)), []).targets[5];
    expect(target?.verdict).toBe('PASS');
    expect(target?.text).toContain(
      "(+0 KB, within 10% of an invocation's heap needed at 1k, 154 KB: yes); the runtime's own (compiled code, hidden classes) +307 KB",
    );
  });

  it('report a memory miss when an invocation holds more than three of B pages', () => {
    const results = allResults().map((r) =>
      r.variant === 'baselineB' && r.size === 100_000
        ? { ...r, memory: { ...r.memory, live: livePass([0.3], 1) } }
        : r,
    );
    const memory = summarise(settings, results, []).targets[4];
    expect(memory?.verdict).toBe('MISS');
    expect(memory?.text).toContain('(4.00×: no)');
  });

  it('are not applicable when the run lacks what they compare', () => {
    const summary = summarise(
      { ...settings, sizes: [1000], variants: ['pagewalk'] },
      [result('pagewalk', 1000)],
      [],
    );
    // Transitions need pagewalk alone; every other target compares with a baseline or a second size.
    expect(summary.targets.map((t) => t.verdict)).toEqual(['N/A', 'N/A', 'MISS', 'N/A', 'N/A', 'N/A', 'N/A']);
  });

  it('flag a size whose table did not hold exactly the items drained', () => {
    const results = allResults().map((r) =>
      r.variant === 'baselineB' ? { ...r, itemsInTable: r.size - 1 } : r,
    );
    const summary = summarise(settings, results, []);
    expect(summary.cells.filter((c) => !c.rowsVerified).map((c) => c.variant)).toEqual([
      'baselineB',
      'baselineB',
    ]);
  });
});

describe('the chart', () => {
  it('draws a line per variant in both panels, on a log-scale size axis', () => {
    const svg = renderChart(summarise(settings, allResults(), []));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Throughput, heap needed and RSS for each of the four variants; live peak for the three with a pass.
    expect(svg.match(/<polyline /g)).toHaveLength(15);
    for (const tick of ['>1k<', '>10k<', '>100k<']) expect(svg).toContain(tick);
  });
});

describe('the command line', () => {
  it('defaults to 1k, 10k and 100k items, 3 runs (2 at 100k), a 9-minute budget and a 51-page live-heap pass', () => {
    expect(parseSettings([])).toMatchObject({
      livePages: 51,
      sizes: [1000, 10_000, 100_000],
      runs: 3,
      runsLarge: 2,
      budgetMinutes: 9,
      latencyMs: 25,
      pageSize: 200,
      assumedLatency: { transitionMs: 50, invokeMs: 20 },
    });
    expect(parseSettings([])).not.toHaveProperty('pagesPerInvocation');
  });

  it('takes the assumed AWS latency and pagewalk pages per invocation from the command line', () => {
    expect(
      parseSettings([
        '--transition-latency-ms',
        '80',
        '--invoke-latency-ms',
        '0',
        '--pages-per-invocation',
        '1',
      ]),
    ).toMatchObject({ assumedLatency: { transitionMs: 80, invokeMs: 0 }, pagesPerInvocation: 1 });
    expect(() => parseSettings(['--transition-latency-ms=-1'])).toThrow(
      '--transition-latency-ms must be a number ≥ 0; got -1',
    );
  });

  it('adds a million items with --full and then runs every repetition asked for', () => {
    expect(parseSettings(['--full'])).toMatchObject({
      sizes: [1000, 10_000, 100_000, 1_000_000],
      budgetMinutes: 0,
    });
    expect(parseSettings(['--runs', '5'])).toMatchObject({ runs: 5, runsLarge: 5, budgetMinutes: 0 });
  });

  it('names the flag and the value it refuses', () => {
    expect(() => parseSettings(['--runs', '0'])).toThrow('--runs must be a positive integer; got 0');
    expect(() => parseSettings(['--page-size', '1000'])).toThrow('--page-size must be 1..200');
    expect(() => parseSettings(['--variants', 'pagewalk,loop'])).toThrow('got loop');
    expect(() => parseSettings(['--live-pages=-1'])).toThrow('--live-pages must be an integer ≥ 0; got -1');
  });
});

describe('the heap composition', () => {
  it('sums self sizes by V8 node type: code apart, hidden classes and internal objects apart, the rest as data', () => {
    const types = [
      'hidden',
      'array',
      'string',
      'object',
      'code',
      'closure',
      'object shape',
      'synthetic',
      'native',
    ];
    // type, name, id, self_size, edge_count
    const node = (type: string, size: number) => [types.indexOf(type), 0, 1, size, 0];
    const snapshot = {
      snapshot: {
        meta: {
          node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
          node_types: [types] as [string[]],
        },
      },
      nodes: [
        ...node('object', 100),
        ...node('string', 20),
        ...node('closure', 3),
        ...node('native', 7),
        ...node('code', 500),
        ...node('hidden', 40),
        ...node('object shape', 60),
        ...node('synthetic', 0),
      ],
    };
    expect(composition(snapshot)).toEqual({ dataBytes: 130, codeBytes: 500, runtimeBytes: 100 });
  });
});
