import { describe, expect, it } from 'vitest';
import { renderChart } from '../../bench/chart';
import { PRICES } from '../../bench/prices';
import { costOf, median, summarise } from '../../bench/report';
import { parseSettings } from '../../bench/settings';
import type { BenchSettings, RunResult, VariantName } from '../../bench/types';

const MB = 2 ** 20;

const settings: BenchSettings = {
  sizes: [1000, 100_000],
  variants: ['baselineA', 'baselineB', 'pagewalk'],
  runs: 1,
  runsLarge: 1,
  latencyMs: 25,
  pageSize: 200,
  budgetMinutes: 0,
  outDir: 'unused',
};

/** A run at `size` items, 200 per page, shaped like what a child reports. */
function result(variant: VariantName, size: number, overrides: Partial<RunResult> = {}): RunResult {
  const pages = size / 200;
  const wallMs = size; // 1,000 items/s
  const pagewalk = variant === 'pagewalk';
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
        unitGrowthP50Bytes: 8 * MB,
        unitGrowthMaxBytes: 9 * MB,
        neededBytes: variant === 'baselineA' ? (size / 1000) * 2 * MB : 9 * MB,
        forcedGcMs: 0,
      },
    },
    avgItemBytes: 740,
    runRecordBytes: pagewalk ? 600 : 0,
    itemsInTable: size,
    ...(pagewalk
      ? {
          handler: {
            fetchInvocations: pages,
            fetchTotalMs: wallMs * 0.97,
            fetchMeanMs: (wallMs * 0.97) / pages,
            billedMs: wallMs,
            otherInvocations: 2,
            otherTotalMs: 10,
            engineFixedMs: 5,
          },
          engine: {
            transitions: 2 * pages + 2,
            historyEvents: 7 * pages + 9,
            stateEntries: {},
            executions: 1,
          },
        }
      : {}),
    ...overrides,
  };
}

const allResults = (pagewalkSpeed = 1) =>
  settings.sizes.flatMap((size) => [
    result('baselineA', size),
    result('baselineB', size),
    result('pagewalk', size, {
      wallMs: size / pagewalkSpeed,
      itemsPerSecond: 1000 * pagewalkSpeed,
    }),
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

    expect(cost.stepFunctions).toBeCloseTo(1002 * PRICES.stepFunctionsPerTransition * scale, 10);
    expect(cost.lambdaRequests).toBeCloseTo(502 * PRICES.lambdaPerRequest * scale, 10);
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
    // A's heap grows 2 MB per 1,000 items in the fixture: 2 GB at a million.
    expect((a?.heapAtMillionBytes ?? 0) / MB).toBeCloseTo(2000);
  });
});

describe('the targets', () => {
  it('pass when pagewalk keeps pace with B, its handler memory stays flat while A grows, and a page costs 2 transitions', () => {
    const summary = summarise(settings, allResults(), []);
    expect(summary.steadyStateTransitionsPerPage).toBe(2);
    expect(summary.targets.map((t) => t.verdict)).toEqual(['PASS', 'PASS', 'PASS']);
  });

  it('report a miss when pagewalk is below 0.9× baseline B at any size', () => {
    const summary = summarise(settings, allResults(0.85), []);
    expect(summary.targets[0]?.verdict).toBe('MISS');
    expect(summary.targets[0]?.text).toContain('0.85×');
  });

  it('are not applicable when the run lacks what they compare', () => {
    const summary = summarise(
      { ...settings, sizes: [1000], variants: ['pagewalk'] },
      [result('pagewalk', 1000)],
      [],
    );
    expect(summary.targets.map((t) => t.verdict)).toEqual(['N/A', 'N/A', 'N/A']);
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
    // Throughput, heap needed, heap per page and RSS for each of the three variants.
    expect(svg.match(/<polyline /g)).toHaveLength(12);
    for (const tick of ['>1k<', '>10k<', '>100k<']) expect(svg).toContain(tick);
  });
});

describe('the command line', () => {
  it('defaults to 1k, 10k and 100k items, 3 runs (2 at 100k) and a 9-minute budget', () => {
    expect(parseSettings([])).toMatchObject({
      sizes: [1000, 10_000, 100_000],
      runs: 3,
      runsLarge: 2,
      budgetMinutes: 9,
      latencyMs: 25,
      pageSize: 200,
    });
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
  });
});
