import { createHash } from 'node:crypto';
import { InvalidInput } from './errors';
import {
  type IntegerOptionName,
  ISO_DATE_TIME,
  OPTION_FIELDS,
  RUN_OPTIONS,
  type RunOptionSpec,
  type RunOptions,
} from './run-options';
import { describeSource } from './sources/catalog';
import type { SourceDescription } from './sources/source';
import { checkSyncSupported } from './sync/options';
import { describe, executionInputObject, integerInRange, isRecord, rejectUnknownKeys } from './validate';

/** Options an execution may set (see the table in run-options.ts); every one is always present in the state. */
export type { RunOptions } from './run-options';

/**
 * What every state carries about the run besides the cursor: small and constant within
 * an execution. Never holds items or credentials.
 */
export interface RunConfig {
  readonly runId: string;
  readonly source: string;
  readonly params: Record<string, unknown>;
  /** The source plus its scope; one active run per collection. */
  readonly collection: string;
  readonly options: RunOptions;
  /** This execution's place in the run: 1 for the first, +1 per continue-as-new or resume. */
  readonly segment: number;
  /** The deterministic name of the execution this one continues as, so a retried start is idempotent. */
  readonly nextExecutionName: string;
  /** Counters when the run was started or last resumed: limits and restarts count from here. */
  readonly since: RunSince;
}

/**
 * A run's counters when it was started or last resumed. `restarts` is absent in records
 * written before restarts counted from a resume; read it as 0.
 */
export interface RunSince {
  readonly fetches: number;
  readonly written: number;
  readonly restarts?: number;
}

/** Bounds and defaults of the integer options, by name (from the table in run-options.ts). */
export const OPTION_LIMITS = Object.fromEntries(
  (RUN_OPTIONS as readonly RunOptionSpec[])
    .filter((spec) => spec.kind === 'integer')
    .map((spec) => [spec.name, { min: spec.min ?? 0, max: spec.max ?? 0, default: spec.default ?? 0 }]),
) as Record<IntegerOptionName, { readonly min: number; readonly max: number; readonly default: number }>;

/**
 * Validates `options` from an execution input against `source`, on top of `base` (the
 * defaults for a new run, the stored options for a resumed one). Every option and its
 * bounds come from the table in run-options.ts.
 */
export function parseOptions(
  raw: unknown,
  source: SourceDescription,
  base?: RunOptions,
  now = new Date(),
): RunOptions {
  const given = raw ?? {};
  if (!isRecord(given)) throw new InvalidInput(`options must be an object; got ${describe(given)}`);
  rejectUnknownKeys(given, OPTION_FIELDS, 'options.');
  const parsed: Record<string, unknown> = {};
  for (const spec of RUN_OPTIONS as readonly RunOptionSpec[]) {
    const value = given[spec.name];
    const stored = base?.[spec.name as keyof RunOptions];
    parsed[spec.name] =
      value === undefined ? (stored ?? defaultOf(spec, source)) : parseOption(spec, value, source, now);
  }
  return parsed as unknown as RunOptions;
}

function defaultOf(spec: RunOptionSpec, source: SourceDescription): number | string | null {
  if (spec.kind === 'pageSize') return source.pageSize.default;
  if (spec.kind === 'choice') return spec.choices?.[0] ?? null;
  return spec.default ?? null;
}

function parseOption(
  spec: RunOptionSpec,
  value: unknown,
  source: SourceDescription,
  now: Date,
): number | string | null {
  const field = `options.${spec.name}`;
  switch (spec.kind) {
    case 'pageSize':
      return integerInRange(value, field, source.pageSize.min, source.pageSize.max, ` for ${source.name}`);
    case 'integer':
      return integerInRange(value, field, spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER);
    case 'limit':
      if (value === null) return null;
      return integerInRange(
        value,
        field,
        spec.min ?? 1,
        spec.max ?? Number.MAX_SAFE_INTEGER,
        ' (or null for no limit)',
      );
    case 'choice': {
      const choices = spec.choices ?? [];
      if (typeof value !== 'string' || !choices.includes(value)) {
        throw new InvalidInput(`${field} must be one of: ${choices.join(', ')}; got ${describe(value)}`);
      }
      if (spec.name === 'sync') checkSyncSupported(value, source.name);
      return value;
    }
    case 'time': {
      if (value === null) return null;
      const at = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at) || at <= now.getTime()) {
        throw new InvalidInput(
          `${field} must be a future ISO-8601 time such as "${new Date(now.getTime() + 3_600_000).toISOString()}" (or null); got ${describe(value)}`,
        );
      }
      return new Date(at).toISOString();
    }
  }
}

/**
 * The name of segment `segment` of a run: the run id (shortened with a hash when long, since
 * execution names stop at 80 characters) and the segment number.
 */
export function segmentExecutionName(runId: string, segment: number): string {
  const prefix =
    runId.length <= 64
      ? runId
      : `${runId.slice(0, 55)}-${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
  return `${prefix}-s${segment}`;
}

/** The configuration of a run that starts fresh as segment 1. */
export interface NewRunRequest {
  readonly kind: 'new';
  readonly config: RunConfig;
}

/** A request to continue a stopped or failed run from its checkpoint. */
export interface ResumeRequest {
  readonly kind: 'resume';
  readonly runId: string;
  readonly options: unknown;
}

/** The state machine's own request to go on as the next segment. */
export interface ContinueRequest {
  readonly kind: 'continue';
  readonly runId: string;
  readonly segment: number;
  /** The cursor as typed; `Start run` checks it field by field against the run's checkpoint. */
  readonly cursor: Record<string, unknown>;
  /** `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`: the execution that started this one, if any. */
  readonly startedBy?: string;
}

export type StartRequest = NewRunRequest | ResumeRequest | ContinueRequest;

const INPUT_FIELDS = ['source', 'params', 'options', 'resume', 'continue'];
/** Step Functions adds this when one execution starts another; it links them in the console. */
const STARTED_BY = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';

/**
 * Validates an execution's input, as typed in the console, into what the run should do:
 * start fresh (`source`, `params`, `options`), resume (`resume`: run id, optional `options`),
 * or continue as the next segment (`continue`, written by the state machine itself).
 * Fails with `InvalidInput` naming the field and what is allowed; writes nothing.
 */
export function parseStartInput(input: unknown, executionName: string): StartRequest {
  if (!isRecord(input)) {
    throw new InvalidInput(
      `the execution input must be a JSON object like {"source": "glue.getJobRuns", "params": {"JobName": "nightly-etl"}}; got ${describe(input)}`,
    );
  }
  const { [STARTED_BY]: startedBy, ...fields } = input;
  rejectUnknownKeys(fields, INPUT_FIELDS, '');
  if (startedBy !== undefined && typeof startedBy !== 'string') {
    throw new InvalidInput(`${STARTED_BY} must be an execution ARN (a string); got ${describe(startedBy)}`);
  }

  if (fields.continue !== undefined) {
    const c = fields.continue;
    if (!isRecord(c) || typeof c.runId !== 'string' || !Number.isInteger(c.segment) || !isRecord(c.cursor)) {
      throw new InvalidInput(
        'continue must be {"runId", "segment", "cursor"} as the state machine writes it',
      );
    }
    return {
      kind: 'continue',
      runId: c.runId,
      segment: c.segment as number,
      cursor: c.cursor,
      ...(startedBy === undefined ? {} : { startedBy }),
    };
  }
  if (fields.resume !== undefined) {
    if (typeof fields.resume !== 'string' || fields.resume === '') {
      throw new InvalidInput(
        `resume must be the run id to resume (a string); got ${describe(fields.resume)}`,
      );
    }
    for (const key of ['source', 'params']) {
      if (fields[key] !== undefined) {
        throw new InvalidInput(
          `${key} cannot be given with resume: a resumed run keeps its source and params`,
        );
      }
    }
    return { kind: 'resume', runId: fields.resume, options: fields.options };
  }

  const source = describeSource(fields.source);
  const params = source.parseParams(fields.params) as Record<string, unknown>;
  return {
    kind: 'new',
    config: {
      runId: executionName,
      source: source.name,
      params,
      collection: source.collection(params),
      options: parseOptions(fields.options, source),
      segment: 1,
      nextExecutionName: segmentExecutionName(executionName, 2),
      since: { fetches: 0, written: 0, restarts: 0 },
    },
  };
}

/**
 * The run an execution worked on, from its input as Step Functions reports it (a JSON
 * string, or already parsed): `continue.runId`, `resume`, or, for a new run, the
 * execution's own name. Undefined when the input names no run.
 */
export function runIdOfExecution(input: unknown, executionName: string): string | undefined {
  const parsed = executionInputObject(input);
  if (!parsed) return undefined;
  if (isRecord(parsed.continue) && typeof parsed.continue.runId === 'string') return parsed.continue.runId;
  if (typeof parsed.resume === 'string' && parsed.resume !== '') return parsed.resume;
  return parsed.source !== undefined ? executionName : undefined;
}
