import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import type { Context } from 'aws-lambda';

/** A Task state's local stand-in for its resource. */
export type TaskOverride = (input: unknown) => Promise<never>;

/** The Lambda context a local handler receives, as the Lambda runtime builds it. */
export type LocalLambdaContext = Context;

/** A Lambda handler as the local engine calls it. */
export type LocalHandler = (event: unknown, context?: Context) => Promise<unknown>;

/** How the Lambda service names a function that ran out of time. */
export const SANDBOX_TIMEDOUT = 'Sandbox.Timedout';

/** A task failure as Step Functions reports a Lambda error: the name, and AWS's JSON Cause. */
function lambdaFailure(errorType: string, errorMessage: string, trace: string[]): Error {
  const failure = new Error(JSON.stringify({ errorType, errorMessage, trace }));
  failure.name = errorType;
  return failure;
}

/**
 * Where the local engine announces each handler invocation, `{ functionName, awsRequestId,
 * phase: 'start' | 'end' }`, for a probe that watches a long run from outside (bench/memory-probe.mjs reads
 * the heap between page-fetch invocations). Nothing is published while nobody subscribes.
 */
export const INVOCATION_CHANNEL = 'pagewalk:local:invocation';
const invocations = channel(INVOCATION_CHANNEL);

export interface LambdaTaskOptions {
  /** The function's name, as the context reports it. */
  readonly functionName: string;
  /** The function timeout the stack deploys; the invocation fails with Sandbox.Timedout past it. */
  readonly timeoutMs: number;
}

/**
 * Wraps a handler the way the Lambda service and Step Functions treat it: the payload and
 * the result cross a JSON boundary, the handler gets a Lambda-like context, a thrown error
 * becomes a task failure whose name is `error.name` and whose cause is AWS's
 * `{"errorType","errorMessage","trace"}` JSON, and an invocation that outlives the function
 * timeout fails as `Sandbox.Timedout`, so the Retry, Catch and Fail states see locally what
 * they see on AWS. (On AWS the sandbox is then frozen; here the handler's promise is left to
 * settle unobserved, and its late writes meet the same conditional checks a retry does.)
 */
export function asLambdaTask(
  handler: LocalHandler,
  options: LambdaTaskOptions = { functionName: 'pagewalk-local', timeoutMs: 60_000 },
): (input: unknown) => Promise<never> {
  return (async (input: unknown) => {
    const event: unknown = JSON.parse(JSON.stringify(input ?? null));
    const deadline = Date.now() + options.timeoutMs;
    const awsRequestId = randomUUID();
    // Every field the Lambda runtime passes, so the handlers take the same `Context` locally as
    // on AWS; pagewalk reads functionName, awsRequestId and getRemainingTimeInMillis().
    const context: Context = {
      functionName: options.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName}`,
      memoryLimitInMB: '256',
      awsRequestId,
      logGroupName: `/aws/lambda/${options.functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      // The callback-era methods of the context; no pagewalk handler calls them.
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        const seconds = (options.timeoutMs / 1000).toFixed(2);
        reject(
          lambdaFailure(
            SANDBOX_TIMEDOUT,
            `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`,
            [],
          ),
        );
      }, options.timeoutMs);
    });
    const announce = (phase: 'start' | 'end') => {
      if (invocations.hasSubscribers) {
        invocations.publish({ functionName: options.functionName, awsRequestId, phase });
      }
    };
    announce('start');
    const invocation = handler(event, context);
    // The loser of the race must not surface as an unhandled rejection.
    invocation.catch(() => undefined);
    // When the handler itself is done (not when a timeout gave up on it): what it held is then free.
    invocation.then(
      () => announce('end'),
      () => announce('end'),
    );
    try {
      const result = await Promise.race([invocation, timedOut]);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (thrown) {
      if (expired) throw thrown;
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      throw lambdaFailure(error.name || 'Error', error.message, (error.stack ?? '').split('\n'));
    } finally {
      clearTimeout(timer);
    }
  }) as (input: unknown) => Promise<never>;
}

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly MaxAttempts?: number;
}

/**
 * `$$.State.RetryCount` for the local engine, which passes the context object through but
 * never fills in `State`. AWS counts the retries of the state being run; this follows each
 * Task call's outcome and applies the engine's own rule for whether a failure is retried (the
 * first retrier naming the error, `States.ALL` or `States.TaskFailed`, until its MaxAttempts),
 * so the Parameters of the next attempt read the count AWS would give.
 */
export class RetryCounter {
  private state: string | null = null;
  private retryCount = 0;
  private attempts: number[] = [];

  /** The object passed as `$$.State`; read while the engine applies a state's Parameters. */
  readonly contextState = (() => {
    const counter = this;
    return {
      get RetryCount() {
        return counter.retryCount;
      },
    };
  })();

  constructor(private readonly retriers: (stateName: string) => readonly Retrier[]) {}

  wrap(stateName: string, run: TaskOverride): TaskOverride {
    return (async (input: unknown) => {
      try {
        const output = await run(input);
        this.reset();
        return output;
      } catch (thrown) {
        this.failed(stateName, thrown instanceof Error ? thrown.name : 'Error');
        throw thrown;
      }
    }) as TaskOverride;
  }

  private reset(): void {
    this.state = null;
    this.retryCount = 0;
    this.attempts = [];
  }

  private failed(stateName: string, errorName: string): void {
    const retriers = this.retriers(stateName);
    if (this.state !== stateName) {
      this.reset();
      this.state = stateName;
      this.attempts = retriers.map(() => 0);
    }
    const index = retriers.findIndex((r) =>
      r.ErrorEquals.some(
        (name) =>
          name === errorName ||
          name === 'States.ALL' ||
          (name === 'States.TaskFailed' && errorName !== 'States.Timeout'),
      ),
    );
    const used = this.attempts[index] ?? 0;
    if (index < 0 || used >= (retriers[index]?.MaxAttempts ?? 3)) {
      this.reset();
      return;
    }
    this.attempts[index] = used + 1;
    this.retryCount += 1;
  }
}
