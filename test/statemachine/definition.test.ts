import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ERROR_HANDLING, THROTTLE_ERROR_NAMES } from '../../functions/lib/errors';
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

/** Error names that come from AWS services or Step Functions itself, not from pagewalk's code. */
const AWS_ERROR_NAME =
  /^(States|Lambda|StepFunctions|Sandbox)\.|^(TimeoutError|ThrottlingException|TooManyRequestsException|RequestThrottled|QuotaExceeded|ProvisionedThroughputExceededException|RequestLimitExceeded|InternalServiceException|InternalServerError|OperationTimeoutException|ServiceUnavailableException|ServiceUnavailable)$/;

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
const retriedNames = (state: State) => new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));

describe('the state machine definition', () => {
  it('is valid Amazon States Language according to asl-validator, once its partition is filled in as on deploy', () => {
    const result = validate(JSON.parse(text.replaceAll(`\${Partition}`, 'aws')));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('avoids the constructs the local engine gets wrong', () => {
    expect(text).not.toMatch(/"IsPresent":\s*false|"IsNull":\s*false/);
    expect(text).not.toMatch(/"ResultPath":\s*"\$"/);
    expect(text).not.toContain('QueryLanguage');
  });

  it('uses only the placeholders the CDK substitutes: the three functions and the partition', () => {
    const placeholders = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'FetchPageFunctionArn',
      'FinishRunFunctionArn',
      'Partition',
      'StartRunFunctionArn',
    ]);
  });

  it('names only errors that exist in the code or come from AWS, and the other way round', () => {
    const named = new Set(
      tasks.flatMap(([, s]) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)),
    );
    const custom = [...named].filter((name) => !AWS_ERROR_NAME.test(name));
    expect(custom.filter((name) => !(name in ERROR_HANDLING))).toEqual([]);

    for (const [name, handling] of Object.entries(ERROR_HANDLING)) {
      for (const state of ['Fetch first page', 'Fetch next page']) {
        const retried = retriedNames(definition.States[state] as State).has(name);
        expect({ name, state, retried }).toEqual({ name, state, retried: handling === 'retried' });
      }
    }
  });

  it('catches NextTokenCorrupted on the continuation call only, and restarts from the origin call', () => {
    const catching = tasks.filter(([, s]) =>
      (s.Catch ?? []).some((c) => c.ErrorEquals.includes('NextTokenCorrupted')),
    );
    expect(catching.map(([name]) => name)).toEqual(['Fetch next page']);
    expect(definition.States['Fetch next page']?.Catch?.[0]).toMatchObject({
      ErrorEquals: ['NextTokenCorrupted'],
      Next: 'Restart from first page',
    });
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

  it('retries throttling on both page fetches and sends anything else to Record failure', () => {
    for (const name of ['Fetch first page', 'Fetch next page']) {
      const state = definition.States[name] as State;
      for (const throttle of [
        'ThrottlingException',
        'TooManyRequestsException',
        'RequestThrottled',
        'QuotaExceeded',
      ]) {
        expect(retriedNames(state).has(throttle)).toBe(true);
      }
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
