import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { initialCursor } from '../../functions/lib/cursor';
import { ERROR_HANDLING, THROTTLE_ERROR_NAMES } from '../../functions/lib/errors';
import { partitionAware } from '../../infra/definition-file';
import { DEFINITION_PATH } from '../../local/engine';

type Retrier = { ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number };
type State = {
  Type: string;
  Parameters?: Record<string, unknown>;
  ErrorPath?: string;
  CausePath?: string;
  Resource?: string;
  Retry?: Retrier[];
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string }>;
};
type Definition = { StartAt: string; States: Record<string, State> };

const text = readFileSync(DEFINITION_PATH, 'utf8');
const definition = JSON.parse(text) as Definition;
const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
const lambdaTasks = tasks.filter(([, state]) => /^\$\{\w+FunctionArn\}$/.test(state.Resource ?? ''));

/**
 * What AWS reports when a function crashes or times out, or the Lambda service fails (the
 * Step Functions developer guide's recommended retry list, plus Sandbox.Timedout of current
 * runtimes): every Lambda Task retries these.
 */
const LAMBDA_FAILURES = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
];
const THROTTLES = [
  ...THROTTLE_ERROR_NAMES,
  'Lambda.TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
];
/** Transient errors AWS services report (not throttles, not Lambda's own). */
const AWS_TRANSIENT = [
  'InternalServiceException',
  'InternalServerError',
  'OperationTimeoutException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'TimeoutError',
];
/** Error names that come from AWS services or Step Functions itself, not from pagewalk's code. */
const isAwsErrorName = (name: string) =>
  /^(States|Lambda|StepFunctions|Sandbox)\./.test(name) || [...THROTTLES, ...AWS_TRANSIENT].includes(name);
const backoff = (IntervalSeconds: number, MaxAttempts: number, MaxDelaySeconds: number) => ({
  IntervalSeconds,
  BackoffRate: 2,
  MaxAttempts,
  MaxDelaySeconds,
  JitterStrategy: 'FULL',
});
/** One retry policy per class of Lambda Task. */
const RETRY_POLICIES = {
  /** The page fetches: the source's throttles and transient errors too. */
  fetch: [
    { ErrorEquals: [...THROTTLES, 'PageWriteIncomplete'], ...backoff(2, 8, 60) },
    {
      ErrorEquals: [
        ...LAMBDA_FAILURES,
        'InternalServiceException',
        'InternalServerError',
        'OperationTimeoutException',
        'ServiceUnavailableException',
        'ServiceUnavailable',
        'SourceUnavailable',
        'SourceTimeout',
        'TimeoutError',
        'States.Timeout',
      ],
      ...backoff(2, 5, 30),
    },
  ],
  /** Start run and the two recording states: DynamoDB and Step Functions calls only. */
  bookkeeping: [
    { ErrorEquals: THROTTLES, ...backoff(1, 6, 20) },
    {
      ErrorEquals: [...LAMBDA_FAILURES, 'InternalServerError', 'TimeoutError', 'States.Timeout'],
      ...backoff(1, 5, 20),
    },
  ],
};
const TASK_CLASSES: Record<string, keyof typeof RETRY_POLICIES> = {
  'Start run': 'bookkeeping',
  'Fetch first page': 'fetch',
  'Fetch next page': 'fetch',
  'Restart from first page': 'fetch',
  'Record completion': 'bookkeeping',
  'Record failure': 'bookkeeping',
};
const fetchStates = Object.keys(TASK_CLASSES).filter((name) => TASK_CLASSES[name] === 'fetch');
const retriedNames = (state: State) => new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));

describe('the state machine definition', () => {
  it('is valid Amazon States Language according to asl-validator, as committed', () => {
    const result = validate(JSON.parse(text));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('has every other state machine file valid as committed too, and deployable to any partition', () => {
    const file = new URL('../../statemachine/all-jobs.asl.json', import.meta.url);
    const allJobs = readFileSync(file, 'utf8');
    const result = validate(JSON.parse(allJobs));
    expect(result.errorsText()).toBe('');
    expect(partitionAware(allJobs)).toContain(`"arn:\${Partition}:states:::states:startExecution.sync:2"`);
    expect(partitionAware(allJobs)).not.toContain('"arn:aws:states:::');
  });

  it('avoids the constructs the local engine gets wrong', () => {
    expect(text).not.toMatch(/"IsPresent":\s*false|"IsNull":\s*false/);
    expect(text).not.toMatch(/"ResultPath":\s*"\$"/);
    expect(text).not.toContain('QueryLanguage');
  });

  it('uses only the placeholders the CDK substitutes: the three functions', () => {
    const placeholders = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'FetchPageFunctionArn',
      'FinishRunFunctionArn',
      'StartRunFunctionArn',
    ]);
  });

  it('names only errors that exist in the code or come from AWS, and the other way round', () => {
    const named = new Set(
      tasks.flatMap(([, s]) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)),
    );
    const custom = [...named].filter((name) => !isAwsErrorName(name));
    expect(custom.filter((name) => !(name in ERROR_HANDLING))).toEqual([]);

    for (const [name, handling] of Object.entries(ERROR_HANDLING)) {
      for (const state of fetchStates) {
        const retried = retriedNames(definition.States[state] as State).has(name);
        expect({ name, state, retried }).toEqual({ name, state, retried: handling === 'retried' });
      }
    }
  });

  it('catches NextTokenCorrupted on the Tasks that send a token (first and next page), not on a restart, and restarts from the origin call', () => {
    const catching = tasks.filter(([, s]) =>
      (s.Catch ?? []).some((c) => c.ErrorEquals.includes('NextTokenCorrupted')),
    );
    expect(catching.map(([name]) => name)).toEqual(['Fetch first page', 'Fetch next page']);
    for (const name of ['Fetch first page', 'Fetch next page']) {
      expect(definition.States[name]?.Catch?.[0]).toMatchObject({
        ErrorEquals: ['NextTokenCorrupted'],
        ResultPath: '$.cursor.tokenError',
        Next: 'Restart from first page',
      });
    }
    const restart = definition.States['Restart from first page'] as State & {
      Parameters?: Record<string, unknown>;
    };
    expect(restart.Parameters).toMatchObject({ call: 'restart' });
    expect(restart.Next).toBe('More pages?');
    const restarting = Object.entries(ERROR_HANDLING).filter(([, handling]) => handling === 'restarts');
    expect(restarting.map(([name]) => name)).toEqual(['NextTokenCorrupted']);
  });

  it('waits for more results with the interval from the input, then asks again with the same token', () => {
    expect(definition.States['Wait for more results']).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.run.options.pollIntervalSeconds',
      Next: 'Fetch next page',
    });
  });

  it("gives every Lambda Task exactly its class's retry policy", () => {
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(Object.keys(TASK_CLASSES).sort());
    for (const [name, state] of lambdaTasks) {
      const policy = RETRY_POLICIES[TASK_CLASSES[name] as keyof typeof RETRY_POLICIES];
      expect({ name, retry: state.Retry }).toEqual({ name, retry: policy });
    }
  });

  it('passes $$.State.RetryCount into every Lambda Task, and the segment start time into the fetches', () => {
    for (const [name, state] of lambdaTasks) {
      if (name === 'Record completion' || name === 'Record failure') continue;
      expect({ name, retryCount: state.Parameters?.['retryCount.$'] }).toEqual({
        name,
        retryCount: '$$.State.RetryCount',
      });
    }
    for (const [name, state] of lambdaTasks.filter(([n]) => TASK_CLASSES[n] === 'fetch')) {
      expect({ name, start: state.Parameters?.['executionStartTime.$'] }).toEqual({
        name,
        start: '$$.Execution.StartTime',
      });
    }
  });

  it('fails the execution with the original error when a recording state exhausts its retries', () => {
    const failure = definition.States['Record failure'] as State;
    const completion = definition.States['Record completion'] as State;
    // The failure's own error stays in $.error; the recording error goes beside it.
    expect(failure.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordingError', Next: 'Ending not recorded' },
    ]);
    expect(completion.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Ending not recorded' },
    ]);
    expect(definition.States['Ending not recorded']).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('continues as new on the one boolean the handler computes', () => {
    const choices = (definition.States['More pages?'] as State & { Choices: Array<Record<string, unknown>> })
      .Choices;
    const toContinue = choices.filter((c) => c.Next === 'Continue as new execution');
    expect(toContinue).toEqual([
      { Variable: '$.cursor.continueAsNew', BooleanEquals: true, Next: 'Continue as new execution' },
    ]);
  });

  it('retries every retried error with exponential backoff and full jitter', () => {
    for (const [, state] of tasks) {
      for (const retrier of state.Retry ?? []) {
        expect(retrier.JitterStrategy).toBe('FULL');
        expect(retrier.BackoffRate).toBeGreaterThan(1);
      }
    }
  });

  it('retries every throttle name the code knows on all three page fetches and sends anything else to Record failure', () => {
    expect(fetchStates).toEqual(['Fetch first page', 'Fetch next page', 'Restart from first page']);
    for (const name of fetchStates) {
      const state = definition.States[name] as State;
      expect({ name, missing: [...THROTTLE_ERROR_NAMES].filter((t) => !retriedNames(state).has(t)) }).toEqual(
        {
          name,
          missing: [],
        },
      );
      expect(state.Catch?.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'Record failure' });
    }
  });

  it('reaches every state from StartAt', () => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const state = definition.States[name] as State;
      const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)];
      for (const n of [...next, ...(state.Catch ?? []).map((c) => c.Next)]) if (n) visit(n);
    };
    visit(definition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });
});

/**
 * "More pages?" and the Pass states after it, on the local engine, with every state it can
 * go to replaced by a Pass that reports where it went and the ending it was handed.
 */
const choiceMachine = (() => {
  const reached = (to: string) => ({ Type: 'Pass', Parameters: { to, 'ending.$': '$.ending' }, End: true });
  const stop = (to: string) => ({ Type: 'Pass', Result: { to }, End: true });
  const states = definition.States;
  const fragment = {
    StartAt: 'More pages?',
    States: {
      'More pages?': states['More pages?'],
      'No more pages': states['No more pages'],
      'Caught up': states['Caught up'],
      'Stopped at a limit': states['Stopped at a limit'],
      'Record completion': reached('Record completion'),
      'Wait for more results': stop('Wait for more results'),
      'Wait for quota': stop('Wait for quota'),
      'Wait for quota to restart': stop('Wait for quota to restart'),
      'Fetch first page': stop('Fetch first page'),
      'Fetch next page': stop('Fetch next page'),
      'Continue as new execution': stop('Continue as new execution'),
    },
  };
  return new StateMachine(fragment as unknown as StateMachineDefinition);
})();

async function whereTheChoiceGoes(cursor: Record<string, unknown>): Promise<{ to: string; ending?: string }> {
  // The cursor as JSON, as the state machine carries it.
  const input = JSON.parse(
    JSON.stringify({
      run: { options: { maxPolls: 2 } },
      // A run that has read a page, unless the case says otherwise.
      cursor: { ...initialCursor('tokenPresence'), page: 1, fetches: 1, ...cursor },
    }),
  );
  const output = (await choiceMachine.run(input).result) as { to: string; ending?: string };
  return output.ending === undefined ? { to: output.to } : output;
}

describe('the "More pages?" Choice', () => {
  const done = (ending: string) => ({ to: 'Record completion', ending });
  it.each([
    ['HasNext=false', { nextToken: 'tok', hasNext: false, limit: 'maxItems' }, done('succeeded')],
    ['no token', { nextToken: null }, done('succeeded')],
    ['no token, a limit reached too', { nextToken: null, limit: 'maxPages' }, done('succeeded')],
    ['a limit reached', { nextToken: 'tok', limit: 'maxPages' }, done('stoppedAtLimit')],
    [
      'MoreResultsAvailable=false, polls left',
      { nextToken: 'tok', moreResultsAvailable: false, polls: 1 },
      { to: 'Wait for more results' },
    ],
    [
      'MoreResultsAvailable=false, no polls left',
      { nextToken: 'tok', moreResultsAvailable: false, polls: 2 },
      done('caughtUp'),
    ],
    [
      'MoreResultsAvailable=false, no polls left, a limit reached',
      { nextToken: 'tok', moreResultsAvailable: false, polls: 2, limit: 'deadline' },
      done('stoppedAtLimit'),
    ],
    [
      'MoreResultsAvailable=false, polls left, a limit reached',
      { nextToken: 'tok', moreResultsAvailable: false, polls: 1, limit: 'deadline' },
      done('stoppedAtLimit'),
    ],
    ['continueAsNew', { nextToken: 'tok', continueAsNew: true }, { to: 'Continue as new execution' }],
    [
      'continueAsNew while polling',
      { nextToken: 'tok', moreResultsAvailable: false, polls: 1, continueAsNew: true },
      { to: 'Continue as new execution' },
    ],
    [
      'continueAsNew while the quota is used up',
      { nextToken: 'tok', waitSeconds: 170, continueAsNew: true },
      { to: 'Continue as new execution' },
    ],
    ['the quota used up', { nextToken: 'tok', page: 3, waitSeconds: 170 }, { to: 'Wait for quota' }],
    [
      'the quota used up while polling',
      { nextToken: 'tok', page: 3, moreResultsAvailable: false, polls: 1, waitSeconds: 170 },
      { to: 'Wait for quota' },
    ],
    [
      'a restart the quota held back',
      { nextToken: null, page: 0, fetches: 4, restarts: 1, waitSeconds: 12 },
      { to: 'Wait for quota to restart' },
    ],
    [
      'a resumed restart that has not read its first page',
      { nextToken: null, page: 0, fetches: 4, restarts: 1 },
      { to: 'Fetch first page' },
    ],
    ['the quota used up, no token', { nextToken: null, page: 3, waitSeconds: 170 }, done('succeeded')],
    ['a token and nothing else', { nextToken: 'tok', page: 3 }, { to: 'Fetch next page' }],
  ])('after %s goes on as the run should, naming the ending in one place', async (_, cursor, expected) => {
    expect(await whereTheChoiceGoes(cursor)).toEqual(expected);
  });

  it('names each ending in exactly one Pass state, all of which lead to Record completion', () => {
    const passes = Object.entries(definition.States).filter(
      ([, state]) => state.Type === 'Pass' && state.Next === 'Record completion',
    );
    expect(passes.map(([, state]) => (state as { Result?: unknown }).Result).sort()).toEqual([
      'caughtUp',
      'stoppedAtLimit',
      'succeeded',
    ]);
    expect(definition.States['Record completion']?.Parameters).toMatchObject({
      outcome: 'succeeded',
      'ending.$': '$.ending',
    });
  });
});
