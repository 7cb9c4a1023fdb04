/**
 * What the local commands (`npm start`, `npm run serve`) share: the commander flags that
 * shape the local services, their parsing, and how a command reports a usage error, a busy
 * data folder or a crash (one line each, never a stack trace).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CliError } from '../cli/context';
import { collect } from '../cli/options';
import { PagewalkError } from '../functions/lib/errors';
import { DataFolderBusy } from '../local/data-lock';
import { DEFAULT_DATA_DIR } from '../local/runtime';
import { DEFAULT_GLUE_JOBS } from '../local/sandbox/glue';
import { USAGE_PLANS } from '../local/sandbox/spapi-quota';
import { DEFAULT_TABLE_NAME, type LocalStack, type LocalStackOptions } from '../local/stack';

/** The service flags' values, as commander names them. */
export interface ServiceFlags {
  readonly table?: string;
  readonly dataDir?: string;
  readonly inMemory?: boolean;
  readonly latencyMs?: number;
  readonly throttleRate?: number;
  readonly sandboxJob?: string[];
  readonly sandboxJobs?: string;
  readonly sandboxQuotaScale?: number;
}

/**
 * The local SP-API's quotas run this many times Amazon's (bursts stay): searchOrders' one call
 * per 3 minutes becomes one per 1.8 s, so the README's searchOrders drain (28 pages: its burst
 * of 20, then 8 paced calls) waits about 14 s instead of 24 minutes, and still shows the pacing.
 */
export const DEFAULT_LOCAL_QUOTA_SCALE = 100;

/** A commander parser for a number in [min, max]. */
export function numberIn(min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a number from ${min} to ${max}`);
    }
    return n;
  };
}

/** A command whose usage errors print one line and the help hint, exit code 2. */
export function localCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .exitOverride();
}

/** Adds the local-service flags: table, data folder, sandbox latency, throttling, jobs and SP-API quotas. */
export function addServiceFlags(command: Command): Command {
  return command
    .option('--table <name>', `DynamoDB table (default: ${DEFAULT_TABLE_NAME})`)
    .option(
      '--data-dir <dir>',
      `the data folder: dynalite's data, the executions, the sandbox token secret (default: ${DEFAULT_DATA_DIR})`,
    )
    .option('--in-memory', 'keep everything in memory instead (nothing is shared or kept)')
    .option('--latency-ms <n>', 'sandbox latency per call (default: 25)', numberIn(0, 60_000))
    .option('--throttle-rate <r>', 'share of sandbox Glue calls throttled, 0..1 (default: 0)', numberIn(0, 1))
    .option(
      '--sandbox-job <name=runs>',
      'serve one more Glue job with this many runs (repeatable), e.g. soak=20000',
      collect,
    )
    .option(
      '--sandbox-jobs <jobs>x<runs>',
      'serve that many more Glue jobs (job-00001, ...) with that many runs each, e.g. 10000x3 for an account of ten thousand jobs',
    )
    .option(
      '--sandbox-quota-scale <n>',
      `run the local SP-API's quotas n times faster than Amazon's, bursts unchanged (default: ${DEFAULT_LOCAL_QUOTA_SCALE}; 1 is Amazon's own)`,
      numberIn(0.001, 1_000_000),
    );
}

/** The data folder the flags name; undefined for `--in-memory`. */
export function dataDirOf(flags: ServiceFlags): string | undefined {
  return flags.inMemory ? undefined : (flags.dataDir ?? DEFAULT_DATA_DIR);
}

/** Repeatable KEY=VALUE flags as pairs. */
export function keyValues(pairs: readonly string[] | undefined, flag: string): Array<[string, string]> {
  return (pairs ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--${flag} must look like KEY=VALUE; got ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** A mistake on the command line found after parsing: one line, exit code 2. */
export class UsageError extends PagewalkError {
  constructor(message: string) {
    super('UsageError', message);
  }
}

/** The sandbox part of the local stack's options, from the service flags. */
export function sandboxOptions(
  flags: ServiceFlags,
): Pick<LocalStackOptions, 'glue' | 'marketplace' | 'spapi'> {
  const jobs = { ...DEFAULT_GLUE_JOBS };
  for (const [job, runs] of keyValues(flags.sandboxJob, 'sandbox-job')) {
    const n = Number(runs);
    if (!Number.isInteger(n) || n < 0 || n > 10_000_000) {
      throw new UsageError(
        `--sandbox-job ${job}= needs a whole number of runs from 0 to 10000000; got ${runs}`,
      );
    }
    jobs[job] = n;
  }
  Object.assign(jobs, generatedJobs(flags.sandboxJobs));
  const latencyMs = flags.latencyMs ?? 25;
  return {
    glue: { jobs, latencyMs, throttleRate: flags.throttleRate ?? 0 },
    marketplace: { latencyMs },
    spapi: { latencyMs, quotaScale: flags.sandboxQuotaScale ?? DEFAULT_LOCAL_QUOTA_SCALE },
  };
}

/** Most jobs `--sandbox-jobs` generates: ten times Glue's default quota of jobs per account. */
export const MAX_GENERATED_JOBS = 100_000;

/**
 * The jobs `--sandbox-jobs <jobs>x<runs>` asks for: `job-00001` ... named so that their order
 * is their number, each with `runs` runs (generated on demand, so ten thousand jobs cost
 * nothing until they are read).
 */
export function generatedJobs(spec: string | undefined): Record<string, number> {
  if (spec === undefined) return {};
  const match = /^(\d+)x(\d+)$/.exec(spec.trim());
  const count = Number(match?.[1]);
  const runs = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_GENERATED_JOBS || runs > 10_000_000) {
    throw new UsageError(
      `--sandbox-jobs must be <jobs>x<runs> with 1 to ${MAX_GENERATED_JOBS} jobs and 0 to 10000000 runs each, e.g. 10000x3; got ${spec}`,
    );
  }
  const width = String(count).length;
  const jobs: Record<string, number> = {};
  for (let i = 1; i <= count; i++) jobs[`job-${String(i).padStart(width, '0')}`] = runs;
  return jobs;
}

/** The lines `npm start` and `npm run serve` print about the SP-API, LWA and Secrets Manager endpoints. */
export function sellingPartnerLines(stack: LocalStack): string[] {
  const where = (sandbox: unknown, url: string, variable: string) =>
    sandbox ? `sandbox ${url}` : `${url} (${variable})`;
  const pace = stack.spapi
    ? `, quota scale ${stack.spapi.quotaScale}: searchOrders ${USAGE_PLANS.searchOrders.burst} calls, then one per ${(1 / (USAGE_PLANS.searchOrders.rate * stack.spapi.quotaScale)).toFixed(1)} s`
    : '';
  return [
    `  SP-API ${where(stack.spapi, stack.spapiEndpoint, 'PAGEWALK_ENDPOINT_URL_SPAPI')}${pace}`,
    `  LWA ${where(stack.lwa, stack.lwaEndpoint, 'PAGEWALK_ENDPOINT_URL_LWA')}   Secrets Manager ${where(stack.secretsManager, stack.secretsManagerEndpoint, 'AWS_ENDPOINT_URL_SECRETS_MANAGER')}, secret ${stack.spapiSecretArn}`,
  ];
}

/** The one line that says what holds a data folder and what to do. */
export function busyMessage(error: DataFolderBusy, what: string): string {
  return `${error.message}. ${what} Or stop pid ${error.holder.pid}, or pick another folder with --data-dir (or --in-memory).`;
}

/**
 * Parses `argv` with `program` and runs `main` with its options; exits with main's code
 * (when it returns one), 2 for usage errors, 1 with one line for anything else.
 */
export function runCommand(
  program: Command,
  argv: readonly string[],
  main: (options: Record<string, unknown>) => Promise<number | undefined>,
): void {
  const fail = (code: number, message?: string) => {
    if (message) process.stderr.write(`${message}\n`);
    process.exit(code);
  };
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    // commander has printed its message (or the help).
    if (error instanceof CommanderError) fail(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  main(program.opts()).then(
    (code) => {
      if (code !== undefined) process.stdout.write('', () => process.exit(code));
    },
    (error: unknown) => {
      if (error instanceof UsageError) fail(2, `${error.message}\n(add --help for usage)`);
      if (error instanceof CliError) fail(error.exitCode, `pagewalk: ${error.message}`);
      if (error instanceof DataFolderBusy) fail(1, `pagewalk: ${busyMessage(error, '')}`);
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE')
        fail(1, 'pagewalk: the port is in use (another npm run serve?); choose one with --port');
      fail(1, `pagewalk: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}`);
    },
  );
}
