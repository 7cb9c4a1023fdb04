import { readFileSync } from 'node:fs';
// ajv comes with asl-validator (a dev dependency); the schema itself needs nothing installed.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseStartInput } from '../../functions/lib/run-config';
import { RUN_OPTIONS } from '../../functions/lib/run-options';
import { executionInputSchema, optionTable, SCHEMA_ID, TABLE_END, TABLE_START } from '../../schema/generate';

const schema = JSON.parse(
  readFileSync(new URL('../../schema/execution-input.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const accepts = (input: unknown) => validate(input) === true;

/** Whether "Start run" accepts the input (the state machine's own check); only InvalidInput counts as a refusal. */
const startRunAccepts = (input: unknown) => {
  try {
    parseStartInput(input, 'schema-test');
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'InvalidInput') return false;
    throw error;
  }
};

/** The execution inputs the README shows in ```json blocks. */
function readmeInputs(): unknown[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return (
    [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((match) => JSON.parse(match[1] as string) as unknown)
      .filter(
        (value) => typeof value === 'object' && value !== null && ('source' in value || 'resume' in value),
      )
      // The all-jobs sync has its own state machine and input (test/sync/all-jobs-readme.test.ts).
      .filter((value) => (value as { source?: unknown }).source !== 'glue.allJobs')
  );
}

const future = new Date(Date.now() + 86_400_000).toISOString();

const GOOD: Array<[string, unknown]> = [
  ['a Glue run', { source: 'glue.getJobRuns', params: { JobName: 'nightly-etl' } }],
  [
    'every option at its bounds',
    {
      source: 'glue.getJobRuns',
      params: { JobName: 'j' },
      options: {
        pageSize: 200,
        pollIntervalSeconds: 86_400,
        maxPolls: 0,
        maxRestarts: 100,
        iterationsPerExecution: 1,
        maxPages: null,
        maxItems: 1,
        deadline: future,
      },
    },
  ],
  ['a marketplace run', { source: 'marketplace.orders', params: { MarketplaceId: 'ATVPDKIKX0DER' } }],
  ['a resume that lifts a limit', { resume: 'run-1', options: { maxPages: null } }],
  [
    "the machine's own continuation",
    {
      continue: { runId: 'run-1', segment: 2, cursor: { page: 3 } },
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: 'arn:aws:states:us-east-1:1:execution:pagewalk:run-1',
    },
  ],
];

/** Inputs both refuse, and what Start run's InvalidInput message names. */
const BAD: Array<[string, unknown, string]> = [
  ['no source', { params: { JobName: 'j' } }, 'source must be'],
  [
    'an unknown field',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, extra: 1 },
    'extra is not a known field',
  ],
  [
    'a Glue page size over 200',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { pageSize: 500 } },
    'options.pageSize',
  ],
  [
    'a marketplace page size over 100',
    { source: 'marketplace.orders', params: { MarketplaceId: 'ATVPDKIKX0DER' }, options: { pageSize: 150 } },
    'options.pageSize',
  ],
  ['a Glue run without JobName', { source: 'glue.getJobRuns', params: {} }, 'params.JobName'],
  [
    'a base URL smuggled into params',
    { source: 'marketplace.reports', params: { baseUrl: 'http://evil' } },
    'params.baseUrl',
  ],
  [
    'a fractional option',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { maxPolls: 1.5 } },
    'options.maxPolls',
  ],
  [
    'iterationsPerExecution over 2000',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { iterationsPerExecution: 5000 } },
    'options.iterationsPerExecution',
  ],
  [
    'an unknown option',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { pagesize: 10 } },
    'options.pagesize',
  ],
  [
    'a deadline that is not ISO-8601',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { deadline: 'Dec 25 2099' } },
    'options.deadline',
  ],
  [
    'a deadline that is no time',
    { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { deadline: 'tomorrow' } },
    'options.deadline',
  ],
  [
    'a resume that changes the source',
    { resume: 'r', source: 'glue.getJobRuns' },
    'source cannot be given with resume',
  ],
  ['an empty resume', { resume: '' }, 'resume must be'],
  ['not an object', ['glue.getJobRuns'], 'the execution input must be a JSON object'],
];

describe('schema/execution-input.schema.json', () => {
  it('is a valid draft 2020-12 schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it('accepts every execution input the README shows', () => {
    const examples = readmeInputs();
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) expect(accepts(example), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(GOOD)('accepts %s, as "Start run" does', (_, input) => {
    expect(accepts(input), JSON.stringify(validate.errors)).toBe(true);
    if (!('continue' in (input as object))) expect(startRunAccepts(input)).toBe(true);
  });

  it.each(BAD)('refuses %s, as "Start run" does with InvalidInput naming the field', (_, input, field) => {
    expect(accepts(input)).toBe(false);
    expect(() => parseStartInput(input, 'schema-test')).toThrow(
      expect.objectContaining({ name: 'InvalidInput', message: expect.stringContaining(field) }),
    );
  });

  it('states the option ranges and defaults the code enforces', () => {
    const options = schema.$defs.options.properties;
    for (const spec of RUN_OPTIONS) {
      if (spec.kind !== 'integer') continue;
      expect(options[spec.name], spec.name).toMatchObject({
        minimum: spec.min,
        maximum: spec.max,
        default: spec.default,
      });
    }
  });

  it('is what npm run generate writes from the option table and the sources', () => {
    expect(schema).toEqual(executionInputSchema());
    expect(schema.$id).toBe(SCHEMA_ID);
  });

  it.each([
    [
      'a Glue page size over 200',
      { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { pageSize: 500 } },
      '/options/pageSize',
    ],
    ['an unknown top-level field', { source: 'glue.getJobRuns', params: { JobName: 'j' }, extra: 1 }, ''],
    [
      'a fractional option',
      { source: 'glue.getJobRuns', params: { JobName: 'j' }, options: { maxPolls: 1.5 } },
      '/options/maxPolls',
    ],
    ['a resume that changes the source', { resume: 'r', source: 'glue.getJobRuns' }, '/source'],
    ['a deadline in words', { resume: 'r', options: { deadline: 'Dec 25 2099' } }, '/options/deadline'],
  ])('reports %s as one error at its field', (_, input, path) => {
    expect(accepts(input)).toBe(false);
    // `if` entries only say which branch (a source, a resume) the error was found in.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    expect(errors, JSON.stringify(validate.errors)).toHaveLength(1);
    expect(errors[0]?.instancePath).toBe(path);
  });
});

describe("README's option table", () => {
  it('is what npm run generate writes from the option table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(optionTable());
  });
});
