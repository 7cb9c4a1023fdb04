/**
 * The one table of run options: name, command-line flag, description, bounds and default.
 * "Start run" validates against it (run-config.ts), the CLI builds its flags from it
 * (cli/options.ts), and `npm run generate` writes the JSON schema and the README's option
 * table from it (schema/generate.ts). Add an option here and every one of them follows.
 */

/**
 * How an option's value is read:
 * - `pageSize`: an integer within the source's own bounds (default: the source's);
 * - `integer`: an integer in [min, max] with a default;
 * - `limit`: an integer in [min, max], or null for no limit (the default);
 * - `time`: a future ISO-8601 time, or null for no limit (the default);
 * - `choice`: one of `choices`, the first being the default.
 */
export type RunOptionKind = 'pageSize' | 'integer' | 'limit' | 'time' | 'choice';

export interface RunOptionSpec {
  /** The field in the execution input's `options`. */
  readonly name: string;
  /** The command-line flag, without `--`. */
  readonly flag: string;
  /** The flag's value placeholder in help text. */
  readonly value: string;
  /** One sentence, for the CLI help, the schema and the README. */
  readonly description: string;
  readonly kind: RunOptionKind;
  /** Bounds of `integer` and `limit` options (pageSize takes the source's). */
  readonly min?: number;
  readonly max?: number;
  /** The default of an `integer` option. */
  readonly default?: number;
  /** The values of a `choice` option; the first is its default. */
  readonly choices?: readonly string[];
}

export const RUN_OPTIONS = [
  {
    name: 'pageSize',
    flag: 'page-size',
    value: '<n>',
    description: "Items asked for per call, within the source's bounds.",
    kind: 'pageSize',
  },
  {
    name: 'pollIntervalSeconds',
    flag: 'poll-interval',
    value: '<seconds>',
    description: "Seconds the 'Wait for more results' state waits after MoreResultsAvailable=false.",
    kind: 'integer',
    min: 0,
    max: 86_400,
    default: 60,
  },
  {
    name: 'maxPolls',
    flag: 'max-polls',
    value: '<n>',
    description: 'Polls after MoreResultsAvailable=false before the run ends as caught up.',
    kind: 'integer',
    min: 0,
    max: 100_000,
    default: 10,
  },
  {
    name: 'maxRestarts',
    flag: 'max-restarts',
    value: '<n>',
    description:
      'Restarts from the origin call after NextTokenCorrupted, since the run was started or resumed, before it fails with RestartLimitExceeded.',
    kind: 'integer',
    min: 0,
    max: 100,
    default: 3,
  },
  {
    // About 7 history events per iteration (more with retries and waits): 2,000 keeps a
    // segment well under Step Functions' 25,000-event limit.
    name: 'iterationsPerExecution',
    flag: 'iterations-per-execution',
    value: '<n>',
    description:
      'At most this many page-fetch invocations per execution before it continues as a new one (it continues sooner on its history or age budget).',
    kind: 'integer',
    min: 1,
    max: 2_000,
    default: 1_000,
  },
  {
    // A cap, not a target: an invocation reads while its time budget (invocationBudgetSeconds)
    // allows, so fast pages share an invocation and its two state transitions (at ~40 ms a page,
    // about 120 pages in 5 s), and slow ones stop at the budget (at ~150 ms on AWS, about 30).
    name: 'pagesPerInvocation',
    flag: 'pages-per-invocation',
    value: '<n>',
    description:
      "Most pages one 'Fetch first page' or 'Fetch next page' invocation reads within its time budget (a restart reads one); 1 shows every page as a state.",
    kind: 'integer',
    min: 1,
    max: 1_000,
    default: 250,
  },
  {
    // A few seconds: a Task stays short (fast retries, a live console) and far inside the
    // deployed 60 s function timeout; the invocation also stops a few pages before its timeout.
    name: 'invocationBudgetSeconds',
    flag: 'invocation-budget',
    value: '<seconds>',
    description:
      "Seconds one invocation may spend reading pages; it also stops a few page times before the function's timeout.",
    kind: 'integer',
    min: 1,
    max: 900,
    default: 5,
  },
  {
    name: 'maxPages',
    flag: 'max-pages',
    value: '<n|none>',
    description: 'Stop (resumable) after this many pages since the run was started or resumed.',
    kind: 'limit',
    min: 1,
    max: 1_000_000_000,
  },
  {
    name: 'maxItems',
    flag: 'max-items',
    value: '<n|none>',
    description: 'Stop (resumable) after writing this many items since the run was started or resumed.',
    kind: 'limit',
    min: 1,
    max: 1_000_000_000_000,
  },
  {
    name: 'deadline',
    flag: 'deadline',
    value: '<iso|none>',
    description: 'Stop (resumable) at the first page after this time; it must be in the future.',
    kind: 'time',
  },
  {
    name: 'sync',
    flag: 'sync',
    value: '<full|incremental>',
    description:
      'full reads every page; incremental (glue.getJobRuns) reads from the newest run down to what the last successful sync of the collection left final, then stops.',
    kind: 'choice',
    choices: ['full', 'incremental'],
  },
  {
    name: 'ifBusy',
    flag: 'if-busy',
    value: '<fail|skip>',
    description:
      'What a new run does when another run holds its collection: fail (CollectionBusy), or skip (it succeeds as skipped and writes nothing; schedules set this).',
    kind: 'choice',
    choices: ['fail', 'skip'],
  },
] as const satisfies readonly RunOptionSpec[];

/** Every option name, in table order (the order error messages list them). */
export const OPTION_FIELDS: readonly string[] = RUN_OPTIONS.map((o) => o.name);

/** The names of the integer options (those with a fixed default). */
export type IntegerOptionName = Extract<(typeof RUN_OPTIONS)[number], { kind: 'integer' }>['name'];

type OptionValue<S> = S extends { kind: 'pageSize' | 'integer' }
  ? number
  : S extends { kind: 'limit' }
    ? number | null
    : S extends { kind: 'choice'; choices: readonly (infer C)[] }
      ? C
      : string | null;

/** The options of a run, every one present (null for a limit that is off), typed from the table. */
export type RunOptions = {
  readonly [S in (typeof RUN_OPTIONS)[number] as S['name']]: OptionValue<S>;
};

/** The spec of option `name`. */
export function optionSpec(name: string): RunOptionSpec {
  const spec = (RUN_OPTIONS as readonly RunOptionSpec[]).find((o) => o.name === name);
  if (!spec) throw new Error(`no run option named ${name}`);
  return spec;
}

/**
 * ISO-8601 date-times as JSON Schema's `date-time` means them (RFC 3339): a date, `T`, a
 * time and a zone. `Date.parse` alone would also take "Dec 25 2099".
 */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
