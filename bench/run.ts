/**
 * `npm run bench`: pagewalk against the classic in-Lambda loops, side by side in one run.
 *
 * The parent hosts the shared services (dynalite and the Glue sandbox) and starts one child
 * process per (size, repetition, variant); each child drains a sandbox job into a fresh
 * table of its own and reports its measurements. The parent counts the rows, drops the
 * table, and at the end prints the medians and writes bench/results/latest.{json,svg}.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { assertIsError } from '../functions/lib/errors';
import { countCollection } from '../local/inspect';
import { type LocalStack, startLocalStack } from '../local/stack';
import { renderChart } from './chart';
import { startGlueProcess } from './glue-process';
import { printReport } from './print';
import { summarise } from './report';
import { LARGE_SIZE, parseSettings, runsAt, USAGE } from './settings';
import type { BenchSettings, ChildJob, FailedRun, RunResult, VariantName } from './types';

const CHILD_PATH = fileURLToPath(new URL('./child.ts', import.meta.url));
const WARMUP_JOB = 'bench-warmup';
/** Two pages: enough to warm the code paths, the JIT and the sockets of every variant. */
const WARMUP_RUNS = 400;
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;
/** A repetition may take this much longer than the last one at its size before the budget says no. */
const ESTIMATE_MARGIN = 1.15;

const jobNameOf = (size: number) => `bench-${size}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const clock = (ms: number) =>
  `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}s`;

/**
 * Each repetition starts with a different variant, so drift over the run (a warmer
 * dynalite, a busier machine) does not always favour the same one.
 */
function rotated(variants: readonly VariantName[], run: number): VariantName[] {
  const shift = (run - 1) % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

/** One repetition at one size: a child per variant. */
function repetition(settings: BenchSettings, size: number, run: number): ChildJob[] {
  return rotated(settings.variants, run).map((variant) => ({
    variant,
    size,
    run,
    jobName: jobNameOf(size),
    warmupJobName: WARMUP_JOB,
    tableName: `bench-${variant}-${size}-r${run}`,
    pageSize: settings.pageSize,
    ...(settings.pagesPerInvocation === undefined ? {} : { pagesPerInvocation: settings.pagesPerInvocation }),
    ...(variant === 'pagewalkAws' ? { latency: settings.assumedLatency } : {}),
    // Once per (variant, size): it is slow and its figure barely varies. pagewalkAws runs the
    // same handlers as pagewalk; the engine's sleeps between them hold no heap.
    livePages: run === 1 && variant !== 'pagewalkAws' ? settings.livePages : 0,
  }));
}

/** The line of a stack trace that says what went wrong (the first one that is not a frame). */
function firstErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  return lines.find((line) => line !== '' && !line.startsWith('at ')) ?? '(no output)';
}

/** Starts the child and resolves with its result, or with the reason it produced none. */
function runChild(job: ChildJob): Promise<Omit<RunResult, 'itemsInTable'> | string> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(CHILD_PATH, [JSON.stringify(job)], {
      execArgv: [
        '--expose-gc',
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      env: process.env,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: Omit<RunResult, 'itemsInTable'> | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('message', (message) => {
      result = (message as { result: Omit<RunResult, 'itemsInTable'> }).result;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result && code === 0) resolve(result);
      else resolve(`exited with ${signal ?? `code ${code}`}: ${firstErrorLine(stderr)}`);
    });
  });
}

/** The progress line after one child, so a person sees the bench working. */
function progressLine(job: ChildJob, outcome: RunResult | string): string {
  const head = `${clock(performance.now()).padStart(6)}  ${job.variant.padEnd(11)} ${job.size.toLocaleString('en-US').padStart(9)} items  run ${job.run}`;
  if (typeof outcome === 'string') return `${head}  FAILED ${outcome}`;
  const { work, live } = outcome.memory;
  const unit = outcome.handler ? 'invocation' : job.variant === 'baselineA' ? 'unit' : 'page';
  const liveNote = live ? `, live peak ${mb(live.peakLiveBytes)}/${unit} (${live.pagesInPeakUnit} pg)` : '';
  const rows = outcome.itemsInTable === job.size ? '' : `  ROWS ${outcome.itemsInTable} ≠ ${job.size}`;
  const rate = Math.round(outcome.itemsPerSecond).toLocaleString('en-US').padStart(6);
  return `${head}  ${rate} items/s  ${seconds(outcome.wallMs).padStart(7)}  heap held ${mb(work.heldMaxBytes)}, retained ${kb(work.retainedP50Bytes)}/${unit}${liveNote}  RSS ${mb(outcome.memory.rssPeakBytes)}${rows}`;
}

/** What the parent collected over the whole bench. */
interface Collected {
  readonly results: RunResult[];
  readonly failures: FailedRun[];
  /** Repetitions left out to keep within --budget-minutes. */
  readonly skipped: string[];
}

/** Runs one child, checks its rows and drops its table. */
async function measureOne(job: ChildJob, stack: LocalStack, dynamo: DynamoDBClient, into: Collected) {
  const outcome = await runChild(job);
  if (typeof outcome === 'string') {
    into.failures.push({ variant: job.variant, size: job.size, run: job.run, error: outcome });
    console.log(progressLine(job, outcome));
  } else {
    const itemsInTable = await countCollection(
      stack.documentClient,
      job.tableName,
      `glue.getJobRuns#${job.jobName}`,
    );
    const result: RunResult = { ...outcome, itemsInTable };
    into.results.push(result);
    console.log(progressLine(job, result));
  }
  // A fresh table per child keeps runs independent; dropping it keeps dynalite's memory flat.
  await dynamo.send(new DeleteTableCommand({ TableName: job.tableName })).catch(() => undefined);
}

/**
 * Every size, every repetition, every variant. A size's first repetition always runs; a
 * later one is skipped when, at the pace of the one before it, it would end past the budget.
 */
async function runAll(settings: BenchSettings, stack: LocalStack): Promise<Collected> {
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamoEndpoint });
  const collected: Collected = { results: [], failures: [], skipped: [] };
  const budgetMs = settings.budgetMinutes * 60_000;
  for (const size of settings.sizes) {
    const runs = runsAt(settings, size);
    let lastRepetitionMs = 0;
    for (let run = 1; run <= runs; run++) {
      if (run > 1 && budgetMs > 0 && performance.now() + lastRepetitionMs * ESTIMATE_MARGIN > budgetMs) {
        const note = `${size.toLocaleString('en-US')} items: ran ${run - 1} of ${runs} repetitions; the next would end past the ${settings.budgetMinutes}-minute budget (--budget-minutes)`;
        collected.skipped.push(note);
        console.log(`        skipped: ${note}`);
        break;
      }
      const started = performance.now();
      for (const job of repetition(settings, size, run)) await measureOne(job, stack, dynamo, collected);
      lastRepetitionMs = performance.now() - started;
    }
  }
  dynamo.destroy();
  return collected;
}

/** The machine the numbers came from; a busy one (load above its CPUs) makes them noisier. */
function environment() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage1m: os.loadavg()[0] ?? 0,
  };
}

function printHeader(settings: BenchSettings, stack: LocalStack, env: ReturnType<typeof environment>): void {
  const large = `${settings.runsLarge} at ${LARGE_SIZE.toLocaleString('en-US')}+`;
  const budget = settings.budgetMinutes > 0 ? `; budget ${settings.budgetMinutes} min` : '';
  console.log(
    `bench: sizes ${settings.sizes.map((s) => s.toLocaleString('en-US')).join(', ')}; ${settings.runs} runs (${large})${budget}; Glue latency ${settings.latencyMs} ms; page size ${settings.pageSize}`,
  );
  console.log(
    `  dynalite ${stack.dynamoEndpoint} (in memory, this process), Glue sandbox ${stack.glueEndpoint} (a process of its own)`,
  );
  const busy = env.loadAverage1m > env.cpus / 2 ? ' (other work is running: expect noisier numbers)' : '';
  console.log(`  ${env.cpus} CPUs, load average ${env.loadAverage1m.toFixed(2)}${busy}\n`);
}

async function main(): Promise<number> {
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (error) {
    assertIsError(error);
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (settings === 'help') {
    console.log(USAGE);
    return 0;
  }
  // Before any SDK client exists; the children inherit it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const jobs: Record<string, number> = { [WARMUP_JOB]: WARMUP_RUNS };
  for (const size of settings.sizes) jobs[jobNameOf(size)] = size;
  const glue = await startGlueProcess(jobs, settings.latencyMs);
  const stack = await startLocalStack({
    tableName: 'bench-unused',
    glueEndpoint: glue.url,
    honourEndpointVariables: false,
  }).catch(async (error: unknown) => {
    await glue.close();
    throw error;
  });
  const env = environment();
  printHeader(settings, stack, env);
  try {
    const { results, failures, skipped } = await runAll(settings, stack);
    const summary = summarise(settings, results, failures);
    mkdirSync(settings.outDir, { recursive: true });
    const jsonPath = join(settings.outDir, 'latest.json');
    const svgPath = join(settings.outDir, 'latest.svg');
    // performance.now() counts from process start, so this includes loading the bench itself.
    const totalWallMs = performance.now();
    const record = {
      settings,
      environment: { ...env, loadAverage1mAtEnd: os.loadavg()[0] ?? 0 },
      totalWallMs,
      skipped,
      summary,
      results,
      failures,
    };
    writeFileSync(jsonPath, `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(svgPath, renderChart(summary));
    printReport(summary);
    for (const note of skipped) console.log(`  skipped  ${note}`);
    console.log(`\nWrote ${jsonPath} and ${svgPath}. Total bench time ${clock(totalWallMs)}.`);
    // Targets are reported, not asserted; a bench that measured nothing valid is an error.
    const wrongRows = summary.cells.filter((c) => !c.rowsVerified);
    return failures.length > 0 || wrongRows.length > 0 ? 1 : 0;
  } finally {
    await stack.close();
    await glue.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
