/**
 * `npm run bench`: pagewalk against the classic in-Lambda loops, side by side in one run.
 *
 * The parent starts the Glue sandbox in a process of its own for the whole bench, and for
 * each (size, repetition, variant) a fresh dynalite in a process of its own and a child that
 * drains a sandbox job into it and reports its measurements. The parent counts the rows,
 * stops that dynalite, and at the end prints the medians and writes
 * bench/results/latest.{json,svg}.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertIsError } from '../functions/lib/errors';
import { countCollection } from '../local/inspect';
import {
  LOCAL_SPAPI_SECRET_ARN,
  LWA_ENDPOINT_VARIABLE,
  MARKETPLACE_ENDPOINT_VARIABLE,
  SECRETS_MANAGER_ENDPOINT_VARIABLE,
  SPAPI_ENDPOINT_VARIABLE,
  SPAPI_SECRET_ARN_VARIABLE,
  UNREACHABLE_ENDPOINT,
} from '../local/stack';
import { renderChart } from './chart';
import { type DynamoProcess, startDynamoProcess } from './dynamo-process';
import { type GlueProcess, startGlueProcess } from './glue-process';
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

/**
 * With BENCH_CPU_PROF=DIR, the node flags that write a process's CPU profiles to DIR/NAME/: one
 * file per thread (node names each CPU.date.time.pid.thread.seq). A fixed --cpu-prof-name would
 * have every thread write the same file, and tsx's loader thread, ending last, would overwrite
 * the main thread's profile with its own idle one.
 */
function profileFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`] : [];
}

const drainName = (job: ChildJob) => `${job.variant}-${job.size}-r${job.run}`;

/**
 * The endpoints a child's local stack adopts (it honours the endpoint variables): this drain's
 * dynalite and the bench's Glue sandbox. The drains call nothing else, so the services a local
 * stack would otherwise start inside the child (the marketplace, SP-API, LWA and Secrets
 * Manager sandboxes) are pointed at nothing, and a user's own variables are not adopted.
 */
function childEnv(dynamo: DynamoProcess, glue: GlueProcess): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_GLUE: glue.url,
    [MARKETPLACE_ENDPOINT_VARIABLE]: UNREACHABLE_ENDPOINT,
    [SPAPI_ENDPOINT_VARIABLE]: UNREACHABLE_ENDPOINT,
    [LWA_ENDPOINT_VARIABLE]: UNREACHABLE_ENDPOINT,
    [SECRETS_MANAGER_ENDPOINT_VARIABLE]: UNREACHABLE_ENDPOINT,
    [SPAPI_SECRET_ARN_VARIABLE]: LOCAL_SPAPI_SECRET_ARN,
  };
}

/** Starts the child and resolves with its result, or with the reason it produced none. */
function runChild(job: ChildJob, env: NodeJS.ProcessEnv): Promise<Omit<RunResult, 'itemsInTable'> | string> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(CHILD_PATH, [JSON.stringify(job)], {
      execArgv: ['--expose-gc', '--import', 'tsx', ...profileFlags(drainName(job))],
      env,
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

/** The resident sets beside the child's: its dynalite's after the drain, and the parent's own. */
interface ServiceMemory {
  readonly dynaliteRssBytes: number;
  readonly parentRssBytes: number;
}

/** The progress line after one child, so a person sees the bench working. */
function progressLine(job: ChildJob, outcome: RunResult | string, services?: ServiceMemory): string {
  const head = `${clock(performance.now()).padStart(6)}  ${job.variant.padEnd(11)} ${job.size.toLocaleString('en-US').padStart(9)} items  run ${job.run}`;
  if (typeof outcome === 'string') return `${head}  FAILED ${outcome}`;
  const { work, live } = outcome.memory;
  const unit = outcome.handler ? 'invocation' : job.variant === 'baselineA' ? 'unit' : 'page';
  const liveNote = live ? `, live peak ${mb(live.peakLiveBytes)}/${unit} (${live.pagesInPeakUnit} pg)` : '';
  const rows = outcome.itemsInTable === job.size ? '' : `  ROWS ${outcome.itemsInTable} ≠ ${job.size}`;
  const rate = Math.round(outcome.itemsPerSecond).toLocaleString('en-US').padStart(6);
  const beside = services
    ? ` (dynalite ${mb(services.dynaliteRssBytes)}, bench ${mb(services.parentRssBytes)})`
    : '';
  return `${head}  ${rate} items/s  ${seconds(outcome.wallMs).padStart(7)}  heap held ${mb(work.heldMaxBytes)}, retained ${kb(work.retainedP50Bytes)}/${unit}${liveNote}  RSS ${mb(outcome.memory.rssPeakBytes)}${beside}${rows}`;
}

/** What the parent collected over the whole bench. */
interface Collected {
  readonly results: RunResult[];
  readonly failures: FailedRun[];
  /** Repetitions left out to keep within --budget-minutes. */
  readonly skipped: string[];
}

/** The rows the child wrote under its job's key, counted in its dynalite. */
async function countRows(dynamo: DynamoProcess, job: ChildJob): Promise<number> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    return await countCollection(client, job.tableName, `glue.getJobRuns#${job.jobName}`);
  } finally {
    client.destroy();
  }
}

/**
 * Runs one child against a dynalite of its own, started before it (its start is not timed)
 * and stopped after the rows are counted, so no drain writes into a store another filled.
 */
async function measureOne(job: ChildJob, glue: GlueProcess, into: Collected): Promise<void> {
  const failed = (error: string) => {
    into.failures.push({ variant: job.variant, size: job.size, run: job.run, error });
    console.log(progressLine(job, error));
  };
  let dynamo: DynamoProcess;
  try {
    dynamo = await startDynamoProcess({ execArgv: profileFlags(`dynalite-${drainName(job)}`) });
  } catch (error) {
    assertIsError(error);
    return failed(error.message);
  }
  try {
    const outcome = await runChild(
      { ...job, servicePids: { dynamo: dynamo.pid, glue: glue.pid } },
      childEnv(dynamo, glue),
    );
    if (typeof outcome === 'string') return failed(outcome);
    const result: RunResult = { ...outcome, itemsInTable: await countRows(dynamo, job) };
    const services = { dynaliteRssBytes: await dynamo.rssBytes(), parentRssBytes: process.memoryUsage.rss() };
    into.results.push(result);
    console.log(progressLine(job, result, services));
  } catch (error) {
    assertIsError(error);
    failed(`counting its rows: ${error.message}`);
  } finally {
    await dynamo.close();
  }
}

/**
 * Every size, every repetition, every variant. A size's first repetition always runs; a
 * later one is skipped when, at the pace of the one before it, it would end past the budget.
 */
async function runAll(settings: BenchSettings, glue: GlueProcess): Promise<Collected> {
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
      for (const job of repetition(settings, size, run)) await measureOne(job, glue, collected);
      lastRepetitionMs = performance.now() - started;
    }
  }
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

function printHeader(settings: BenchSettings, glue: GlueProcess, env: ReturnType<typeof environment>): void {
  const large = `${settings.runsLarge} at ${LARGE_SIZE.toLocaleString('en-US')}+`;
  const budget = settings.budgetMinutes > 0 ? `; budget ${settings.budgetMinutes} min` : '';
  console.log(
    `bench: sizes ${settings.sizes.map((s) => s.toLocaleString('en-US')).join(', ')}; ${settings.runs} runs (${large})${budget}; Glue latency ${settings.latencyMs} ms; page size ${settings.pageSize}`,
  );
  console.log(
    `  dynalite: a fresh one per drain, in memory, in a process of its own; Glue sandbox ${glue.url} (a process of its own)`,
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
  const env = environment();
  printHeader(settings, glue, env);
  try {
    const { results, failures, skipped } = await runAll(settings, glue);
    const summary = summarise(settings, results, failures);
    mkdirSync(settings.outDir, { recursive: true });
    const jsonPath = join(settings.outDir, 'latest.json');
    const svgPath = join(settings.outDir, 'latest.svg');
    // performance.now() counts from process start, so this includes loading the bench itself.
    const totalWallMs = performance.now();
    // The bench's own process: it holds no service, so this stays flat whatever the sizes.
    const parentRssPeakBytes = process.resourceUsage().maxRSS * 1024;
    const record = {
      settings,
      environment: { ...env, loadAverage1mAtEnd: os.loadavg()[0] ?? 0, parentRssPeakBytes },
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
    console.log(
      `\nWrote ${jsonPath} and ${svgPath}. Total bench time ${clock(totalWallMs)}; the bench's own RSS peaked at ${mb(parentRssPeakBytes)}.`,
    );
    // Targets are reported, not asserted; a bench that measured nothing valid is an error.
    const wrongRows = summary.cells.filter((c) => !c.rowsVerified);
    return failures.length > 0 || wrongRows.length > 0 ? 1 : 0;
  } finally {
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
