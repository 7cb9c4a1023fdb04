/** The bench's command line: flags, defaults and their checks. */
import { parseArgs } from 'node:util';
import { type BenchSettings, VARIANTS, type VariantName } from './types';

/**
 * What pagewalkAws assumes AWS adds: per state transition and per Lambda invocation. These
 * are assumptions, not measurements (Standard workflows commonly show tens of milliseconds
 * per transition; a warm Lambda invoke adds about 10-30 ms).
 */
export const DEFAULT_ASSUMED_LATENCY = { transitionMs: 50, invokeMs: 20 } as const;

/**
 * Pages of the live-heap pass: pagewalk's first invocation (one page) and one of 50 (the
 * pass lifts the time budget; the default cap is 250), so every size of 10k and more has the
 * same units.
 */
export const DEFAULT_LIVE_PAGES = 51;

/** Sizes from here up get `runsLarge` repetitions instead of `runs`. */
export const LARGE_SIZE = 100_000;

/**
 * Wall-clock budget of the default run. A shared 2-CPU machine can be twice as slow as an
 * idle one; past this, further repetitions of a size are skipped (said in the output), so
 * `npm run bench` stays under 10 minutes.
 */
const DEFAULT_BUDGET_MINUTES = 9;

export const USAGE = `Usage: npm run bench -- [options]

  --sizes N,N,...       items per drain (default: 1000,10000,100000)
  --full                also 1,000,000 items (same as adding 1000000 to --sizes)
  --runs N              repetitions per variant and size (default: 3)
  --runs-large N        repetitions at 100,000 items and more (default: 2, or --runs when given)
  --variants LIST       which to run (default: baselineA,baselineB,pagewalk,pagewalkAws)
  --latency-ms N        sandbox Glue latency per call (default: 25)
  --page-size N         MaxResults per GetJobRuns call, 1..200 (default: 200)
  --pages-per-invocation N   pagewalk's pagesPerInvocation (default: the run option's default)
  --transition-latency-ms N  ASSUMED AWS latency per state transition, added by the local
                        engine for the pagewalkAws variant only (default: ${DEFAULT_ASSUMED_LATENCY.transitionMs})
  --invoke-latency-ms N ASSUMED AWS latency per Lambda invocation, likewise (default: ${DEFAULT_ASSUMED_LATENCY.invokeMs})
  --live-pages N         pages of the untimed live-heap pass (a forced GC after every SDK
                        call) after the first repetition's timed drain, every variant but
                        pagewalkAws; 0 for none (default: ${DEFAULT_LIVE_PAGES})
  --budget-minutes N    skip further repetitions (never a size's first) that would end later;
                        0 for none (default: ${DEFAULT_BUDGET_MINUTES} with the default sizes and runs, else 0)
  --out DIR             where latest.json and latest.svg go (default: bench/results)
  -h, --help            show this help`;

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; got ${value}`);
  return n;
}

function nonNegative(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0; got ${value}`);
  return n;
}

function nonNegativeInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be an integer ≥ 0; got ${value}`);
  return n;
}

function parseVariants(value: string | undefined): VariantName[] {
  const names = (value ?? VARIANTS.join(',')).split(',').map((v) => v.trim());
  for (const name of names) {
    if (!(VARIANTS as readonly string[]).includes(name)) {
      throw new Error(`--variants takes a list of ${VARIANTS.join(', ')}; got ${name}`);
    }
  }
  return names as VariantName[];
}

/** Reads the command line into settings, or 'help'; throws naming the flag and value at fault. */
export function parseSettings(argv: readonly string[]): BenchSettings | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: 'string' },
      full: { type: 'boolean' },
      runs: { type: 'string' },
      'runs-large': { type: 'string' },
      variants: { type: 'string' },
      'latency-ms': { type: 'string' },
      'page-size': { type: 'string' },
      'pages-per-invocation': { type: 'string' },
      'transition-latency-ms': { type: 'string' },
      'invoke-latency-ms': { type: 'string' },
      'budget-minutes': { type: 'string' },
      'live-pages': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';

  const sizes = (values.sizes ?? '1000,10000,100000')
    .split(',')
    .map((s) => positiveInt(s.trim(), 'sizes', 0));
  if (values.full && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  const runs = positiveInt(values.runs, 'runs', 3);
  const pageSize = positiveInt(values['page-size'], 'page-size', 200);
  if (pageSize > 200) throw new Error(`--page-size must be 1..200 (GetJobRuns MaxResults); got ${pageSize}`);
  // Whoever picks sizes or runs by hand gets them all; the budget guards the default run only.
  const chosenByHand = [values.sizes, values.full, values.runs, values['runs-large']].some(
    (v) => v !== undefined,
  );

  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    variants: parseVariants(values.variants),
    runs,
    runsLarge: positiveInt(values['runs-large'], 'runs-large', values.runs === undefined ? 2 : runs),
    latencyMs: Math.round(nonNegative(values['latency-ms'], 'latency-ms', 25)),
    pageSize,
    ...(values['pages-per-invocation'] === undefined
      ? {}
      : { pagesPerInvocation: positiveInt(values['pages-per-invocation'], 'pages-per-invocation', 1) }),
    livePages: nonNegativeInt(values['live-pages'], 'live-pages', DEFAULT_LIVE_PAGES),
    assumedLatency: {
      transitionMs: nonNegative(
        values['transition-latency-ms'],
        'transition-latency-ms',
        DEFAULT_ASSUMED_LATENCY.transitionMs,
      ),
      invokeMs: nonNegative(
        values['invoke-latency-ms'],
        'invoke-latency-ms',
        DEFAULT_ASSUMED_LATENCY.invokeMs,
      ),
    },
    budgetMinutes: nonNegative(
      values['budget-minutes'],
      'budget-minutes',
      chosenByHand ? 0 : DEFAULT_BUDGET_MINUTES,
    ),
    outDir: values.out ?? 'bench/results',
  };
}

/** Repetitions at a size. */
export function runsAt(settings: BenchSettings, size: number): number {
  return size >= LARGE_SIZE ? settings.runsLarge : settings.runs;
}
