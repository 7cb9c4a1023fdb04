/**
 * The execution input a command line describes: a new run (`--source`, `--job`, `--param`,
 * option flags), a resume (`--resume`-style: a run id and option flags), or a JSON file.
 * Values pass through as given; "Start run" validates them and names what is wrong.
 */
import { readFileSync } from 'node:fs';
import { assertIsError } from '../functions/lib/errors';
import { MAX_INPUT_DEPTH, nestingDepth } from '../functions/lib/execution-input-limits';
import { optionSpec, RUN_OPTIONS, type RunOptionSpec } from '../functions/lib/run-options';
import { CliError } from './context';

/** commander's name of a flag's value: `poll-interval` → `pollInterval`. */
export const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Option flags (camel-cased by commander) → execution `options` fields, from the run-option table. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(
  (RUN_OPTIONS as readonly RunOptionSpec[]).map((spec) => [camel(spec.flag), spec.name]),
);

/** The help line of an option flag: its description, bounds and default, from the table. */
export function optionHelp(spec: RunOptionSpec): string {
  const bounds =
    spec.kind === 'integer'
      ? ` (${spec.min}-${spec.max}, default ${spec.default})`
      : spec.kind === 'limit'
        ? ` (${spec.min}-${spec.max}; none for no limit)`
        : spec.kind === 'time'
          ? ' (ISO-8601, e.g. 2030-01-01T00:00:00Z; none for no limit)'
          : spec.kind === 'choice'
            ? ` (${spec.choices?.join(' or ')}; default ${spec.choices?.[0]})`
            : " (default the source's maximum)";
  return `${spec.description.replace(/\.$/, '')}${bounds}`;
}

/** Limits that `none` removes (null), e.g. on resume. */
const NULLABLE = new Set(
  (RUN_OPTIONS as readonly RunOptionSpec[])
    .filter((s) => s.kind === 'limit' || s.kind === 'time')
    .map((s) => s.name),
);

export interface InputFlags {
  readonly source?: string;
  readonly job?: string;
  readonly param?: readonly string[];
  readonly input?: string;
  readonly [flag: string]: unknown;
}

/** The `options` object the flags describe, or undefined when none is given. */
export function optionsFrom(flags: InputFlags): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(OPTION_FLAGS)) {
    const value = flags[flag];
    if (typeof value !== 'string') continue;
    if (NULLABLE.has(field) && value === 'none') options[field] = null;
    else if (['time', 'choice'].includes(optionSpec(field).kind)) options[field] = value;
    else {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) {
        throw new CliError(`--${kebab(flag)} must be a number; got ${value}`, 2);
      }
      options[field] = n;
    }
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/**
 * `KEY=VALUE` pairs as params, every value a string as typed ("Start run" reads an integer's
 * digits, `true`/`false` and comma-separated lists by the param's declared type, so
 * `--param Prefix=2024` stays the string an S3 prefix is).
 */
export function paramsFrom(pairs: readonly string[] = []): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--param must look like KEY=VALUE; got ${pair}`, 2);
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return params;
}

/** The input of a new run: from `--input FILE` (`-` for stdin), or from the flags. */
export function newRunInput(
  flags: InputFlags,
  readFile = (path: string) => readFileSync(path, 'utf8'),
): unknown {
  if (flags.input !== undefined) {
    const conflicting = ['source', 'job', 'param', ...Object.keys(OPTION_FLAGS)].filter(
      (flag) => flags[flag] !== undefined,
    );
    if (conflicting.length > 0) {
      throw new CliError(`--input cannot be combined with --${conflicting.map(kebab).join(', --')}`, 2);
    }
    const text = readFile(flags.input === '-' ? '/dev/stdin' : flags.input);
    const depth = nestingDepth(text);
    if (depth > MAX_INPUT_DEPTH) {
      throw new CliError(
        `${flags.input} nests ${depth} levels deep; an execution input may nest at most ${MAX_INPUT_DEPTH}`,
        2,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      assertIsError(error);
      throw new CliError(`${flags.input} is not JSON: ${error.message}`, 2);
    }
  }
  const params = paramsFrom(flags.param);
  if (flags.job !== undefined) params.JobName = flags.job;
  const options = optionsFrom(flags);
  return {
    source: flags.source ?? 'glue.getJobRuns',
    params,
    ...(options ? { options } : {}),
  };
}

/** The input that resumes `runId`, with changed options if any flag gives them. */
export function resumeInput(runId: string, flags: InputFlags): Record<string, unknown> {
  const options = optionsFrom(flags);
  return { resume: runId, ...(options ? { options } : {}) };
}

const kebab = (flag: string) => flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
