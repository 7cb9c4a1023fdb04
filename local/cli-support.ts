/**
 * What the local commands (`npm start`, `npm run serve`) share: the flags that shape the
 * local services, their parsing, and how a command reports a usage error or a crash.
 */
import { DEFAULT_GLUE_JOBS } from './sandbox/glue';
import { DEFAULT_TABLE_NAME, type LocalStackOptions } from './stack';

/** A mistake on the command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The node:util parseArgs spec of the local-service flags. */
export const SERVICE_FLAGS = {
  table: { type: 'string' },
  'data-dir': { type: 'string' },
  'in-memory': { type: 'boolean' },
  'latency-ms': { type: 'string' },
  'throttle-rate': { type: 'string' },
  'sandbox-job': { type: 'string', multiple: true },
} as const;

/** Help lines of SERVICE_FLAGS; `dataDir` says what the data folder holds for this command. */
export function serviceUsage(dataDir: string): string {
  return `  --table NAME          DynamoDB table (default: ${DEFAULT_TABLE_NAME})
  --data-dir DIR        ${dataDir}
  --in-memory           keep the data in memory instead
  --latency-ms N        sandbox latency per call (default: 25)
  --throttle-rate R     share of sandbox Glue calls throttled, 0..1 (default: 0)
  --sandbox-job N=RUNS  serve one more Glue job with RUNS runs (repeatable), e.g. soak=20000`;
}

/** A number flag in [min, max], or `fallback` when absent. */
export function numberArg(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}; got ${value}`);
  }
  return n;
}

/** Repeatable KEY=VALUE flags as pairs. */
export function keyValues(pairs: readonly string[] | undefined, flag: string): Array<[string, string]> {
  return (pairs ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--${flag} must look like KEY=VALUE; got ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** The sandbox part of the local stack's options, from SERVICE_FLAGS' values. */
export function sandboxOptions(values: {
  'latency-ms'?: string;
  'throttle-rate'?: string;
  'sandbox-job'?: string[];
}): Pick<LocalStackOptions, 'glue' | 'marketplace'> {
  const jobs = { ...DEFAULT_GLUE_JOBS };
  for (const [job, runs] of keyValues(values['sandbox-job'], 'sandbox-job')) {
    jobs[job] = numberArg(runs, 'sandbox-job', 0, 0, 10_000_000);
  }
  const latencyMs = numberArg(values['latency-ms'], 'latency-ms', 25, 0, 60_000);
  return {
    glue: { jobs, latencyMs, throttleRate: numberArg(values['throttle-rate'], 'throttle-rate', 0, 0, 1) },
    marketplace: { latencyMs },
  };
}

/**
 * Runs a command's `main` and exits with its code: 2 with the usage text for a UsageError
 * (or a flag parseArgs refused), 1 with the message for anything else.
 */
export function runCommand(
  usage: string,
  main: () => Promise<number | undefined>,
  explain?: (error: unknown) => string | undefined,
): void {
  main().then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      if (error instanceof UsageError || parseError) {
        process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
        process.exit(2);
      }
      const message =
        explain?.(error) ?? (error instanceof Error ? (error.stack ?? error.message) : String(error));
      console.error(`pagewalk: ${message}`);
      process.exit(1);
    },
  );
}
