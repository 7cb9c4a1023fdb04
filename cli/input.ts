/**
 * The execution input a command line describes: a new run (`--source`, `--job`, `--param`,
 * option flags), a resume (`--resume`-style: a run id and option flags), or a JSON file.
 * Values pass through as given; "Start run" validates them and names what is wrong.
 */
import { readFileSync } from 'node:fs';
import { CliError } from './context';

/** Option flags (camel-cased by commander) → execution `options` fields. */
export const OPTION_FLAGS = {
  pageSize: 'pageSize',
  pollInterval: 'pollIntervalSeconds',
  maxPolls: 'maxPolls',
  maxRestarts: 'maxRestarts',
  iterationsPerExecution: 'iterationsPerExecution',
  pagesPerInvocation: 'pagesPerInvocation',
  invocationBudget: 'invocationBudgetSeconds',
  maxPages: 'maxPages',
  maxItems: 'maxItems',
  deadline: 'deadline',
} as const;

/** Limits that `none` removes (null), e.g. on resume. */
const NULLABLE = new Set(['maxPages', 'maxItems', 'deadline']);

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
    else if (field === 'deadline') options[field] = value;
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

/** `KEY=VALUE` pairs as params; all-digit values become numbers, as `npm start` reads them. */
export function paramsFrom(pairs: readonly string[] = []): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--param must look like KEY=VALUE; got ${pair}`, 2);
    const value = pair.slice(at + 1);
    params[pair.slice(0, at)] = /^-?\d+$/.test(value) ? Number(value) : value;
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
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CliError(`${flags.input} is not JSON: ${(error as Error).message}`, 2);
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
