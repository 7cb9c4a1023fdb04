import { createHash } from 'node:crypto';
import { InvalidInput } from './errors';
import { describeSource } from './sources/catalog';
import type { SourceDescription } from './sources/source';
import { type IfBusy, parseIfBusy, parseSyncMode, type SyncMode } from './sync/options';
import { describe, integerInRange, isRecord, rejectUnknownKeys } from './validate';

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
  /**
   * Page-fetch invocations (loop iterations) before the run continues as a new execution, so
   * the history stays far below 25,000 events.
   */
  readonly iterationsPerExecution: number;
  /** Most pages one page-fetch invocation reads before it hands the cursor back; 1 shows every page as a state. */
  readonly pagesPerInvocation: number;
  /** Seconds one page-fetch invocation may spend reading pages (it also stops a few pages before its timeout). */
  readonly invocationBudgetSeconds: number;
  /** Stop (resumable) after this many pages since the run was started or resumed; null for no limit. */
  readonly maxPages: number | null;
  /** Stop (resumable) after writing this many items since the run was started or resumed; null for no limit. */
  readonly maxItems: number | null;
  /** Stop (resumable) at the first page after this ISO-8601 time; null for no limit. */
  readonly deadline: string | null;
  /** `full` reads every page; `incremental` stops where the last successful sync left off. */
  readonly sync: SyncMode;
  /** `skip` ends a start refused by a busy collection as `skipped` instead of failing it. */
  readonly ifBusy: IfBusy;
}

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

/** Bounds and defaults of the numeric options every source shares. */
export const OPTION_LIMITS = {
  pollIntervalSeconds: { min: 0, max: 86_400, default: 60 },
  maxPolls: { min: 0, max: 100_000, default: 10 },
  maxRestarts: { min: 0, max: 100, default: 3 },
  // About 7 history events per iteration (more with retries and waits): 2,000 keeps a
  // segment well under Step Functions' 25,000-event limit.
  iterationsPerExecution: { min: 1, max: 2_000, default: 1_000 },
  // 25 pages of 200 items cost two state transitions: 400 per million items instead of 10,000.
  pagesPerInvocation: { min: 1, max: 1_000, default: 25 },
  // A few seconds: a Task stays short (fast retries, a live console) and far inside the
  // deployed 60 s function timeout; the invocation also stops a few pages before its timeout.
  invocationBudgetSeconds: { min: 1, max: 900, default: 5 },
} as const;

const LIMIT_BOUNDS = { maxPages: 1_000_000_000, maxItems: 1_000_000_000_000 } as const;

/** Every option name, in the order error messages list them. */
export const OPTION_FIELDS = [
  'pageSize',
  ...Object.keys(OPTION_LIMITS),
  'maxPages',
  'maxItems',
  'deadline',
  'sync',
  'ifBusy',
];

/**
 * Validates `options` from an execution input against `source`, on top of `base` (the
 * defaults for a new run, the stored options for a resumed one).
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
  const numeric = (name: keyof typeof OPTION_LIMITS): number => {
    const limits = OPTION_LIMITS[name];
    if (given[name] === undefined) return base?.[name] ?? limits.default;
    return integerInRange(given[name], `options.${name}`, limits.min, limits.max);
  };
  const limit = (name: keyof typeof LIMIT_BOUNDS): number | null => {
    if (given[name] === undefined) return base?.[name] ?? null;
    if (given[name] === null) return null;
    return integerInRange(given[name], `options.${name}`, 1, LIMIT_BOUNDS[name], ' (or null for no limit)');
  };
  let deadline = base?.deadline ?? null;
  if (given.deadline !== undefined) {
    const at = typeof given.deadline === 'string' ? Date.parse(given.deadline) : Number.NaN;
    if (given.deadline === null) deadline = null;
    else if (Number.isNaN(at) || at <= now.getTime()) {
      throw new InvalidInput(
        `options.deadline must be a future ISO-8601 time such as "${new Date(now.getTime() + 3_600_000).toISOString()}" (or null); got ${describe(given.deadline)}`,
      );
    } else deadline = new Date(at).toISOString();
  }
  const { min, max } = source.pageSize;
  return {
    pageSize:
      given.pageSize === undefined
        ? (base?.pageSize ?? source.pageSize.default)
        : integerInRange(given.pageSize, 'options.pageSize', min, max, ` for ${source.name}`),
    pollIntervalSeconds: numeric('pollIntervalSeconds'),
    maxPolls: numeric('maxPolls'),
    maxRestarts: numeric('maxRestarts'),
    iterationsPerExecution: numeric('iterationsPerExecution'),
    pagesPerInvocation: numeric('pagesPerInvocation'),
    invocationBudgetSeconds: numeric('invocationBudgetSeconds'),
    maxPages: limit('maxPages'),
    maxItems: limit('maxItems'),
    deadline,
    sync: parseSyncMode(given.sync, source.name, base?.sync),
    ifBusy: parseIfBusy(given.ifBusy, base?.ifBusy),
  };
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
  let parsed: unknown = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(parsed)) return undefined;
  if (isRecord(parsed.continue) && typeof parsed.continue.runId === 'string') return parsed.continue.runId;
  if (typeof parsed.resume === 'string' && parsed.resume !== '') return parsed.resume;
  return parsed.source !== undefined ? executionName : undefined;
}
