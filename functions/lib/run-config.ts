import { InvalidInput } from './errors';
import { getSource } from './sources/registry';
import { describe, integerInRange, isRecord, rejectUnknownKeys } from './sources/validate';

/** Options an execution may set; each has a default, and every one is always present in the state. */
export interface RunOptions {
  /** Items asked for per call, within the source's bounds. */
  readonly pageSize: number;
  /** Seconds the "Wait for more results" state waits after MoreResultsAvailable=false. */
  readonly pollIntervalSeconds: number;
  /** Continuation calls after MoreResultsAvailable=false before the run ends as caught up. */
  readonly maxPolls: number;
  /** Restarts from the origin call after a corrupted token before the run fails. */
  readonly maxRestarts: number;
}

/**
 * What every state carries about the run besides the cursor: small and constant.
 * Never holds items or credentials.
 */
export interface RunConfig {
  readonly runId: string;
  readonly source: string;
  readonly params: Record<string, unknown>;
  readonly options: RunOptions;
}

const INPUT_FIELDS = ['source', 'params', 'options'] as const;

/** Bounds and defaults of the options every source shares. */
export const OPTION_LIMITS = {
  pollIntervalSeconds: { min: 0, max: 86_400, default: 60 },
  maxPolls: { min: 0, max: 100_000, default: 10 },
  maxRestarts: { min: 0, max: 100, default: 3 },
} as const;

const OPTION_FIELDS = ['pageSize', ...Object.keys(OPTION_LIMITS)];

/**
 * Validates an execution's input, as typed in the console, into a run configuration.
 * Fails with `InvalidInput` naming the field and what is allowed; writes nothing.
 */
export function parseRunInput(input: unknown, runId: string): RunConfig {
  if (!isRecord(input)) {
    throw new InvalidInput(
      `the execution input must be a JSON object like {"source": "glue.getJobRuns", "params": {"JobName": "nightly-etl"}}; got ${describe(input)}`,
    );
  }
  rejectUnknownKeys(input, INPUT_FIELDS, '');
  const source = getSource(input.source);
  const params = source.parseParams(input.params) as Record<string, unknown>;

  const raw = input.options ?? {};
  if (!isRecord(raw)) {
    throw new InvalidInput(`options must be an object; got ${describe(raw)}`);
  }
  rejectUnknownKeys(raw, OPTION_FIELDS, 'options.');
  const { min, max } = source.pageSize;
  const option = (name: keyof typeof OPTION_LIMITS): number => {
    const limits = OPTION_LIMITS[name];
    return raw[name] === undefined
      ? limits.default
      : integerInRange(raw[name], `options.${name}`, limits.min, limits.max);
  };
  const pageSize =
    raw.pageSize === undefined
      ? source.pageSize.default
      : integerInRange(raw.pageSize, 'options.pageSize', min, max, ` for ${source.name}`);

  return {
    runId,
    source: source.name,
    params,
    options: {
      pageSize,
      pollIntervalSeconds: option('pollIntervalSeconds'),
      maxPolls: option('maxPolls'),
      maxRestarts: option('maxRestarts'),
    },
  };
}
