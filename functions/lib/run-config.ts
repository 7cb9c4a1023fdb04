import { InvalidInput } from './errors';
import { getSource } from './sources/registry';
import { describe, integerInRange, isRecord, rejectUnknownKeys } from './sources/validate';

/** Options an execution may set; each has a default. */
export interface RunOptions {
  /** Items asked for per call, within the source's bounds. */
  readonly pageSize: number;
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
const OPTION_FIELDS = ['pageSize'] as const;

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

  const rawOptions = input.options ?? {};
  if (!isRecord(rawOptions)) {
    throw new InvalidInput(`options must be an object; got ${describe(rawOptions)}`);
  }
  rejectUnknownKeys(rawOptions, OPTION_FIELDS, 'options.');
  const { min, max } = source.pageSize;
  const pageSize =
    rawOptions.pageSize === undefined
      ? source.pageSize.default
      : integerInRange(rawOptions.pageSize, 'options.pageSize', min, max, ` for ${source.name}`);

  return { runId, source: source.name, params, options: { pageSize } };
}
