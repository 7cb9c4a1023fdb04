import { optionalIntegerEnv } from './env';

/**
 * The timeout each function is deployed with, in seconds, keyed by the placeholder the ASL
 * uses for its ARN. The stack deploys these (fetch-page's is the default of its
 * `fetchPageTimeout` prop) and the local engine enforces the same ones, so an overrun is
 * `Sandbox.Timedout` in both places. Each stays below its Task's `TimeoutSeconds`, so the
 * function's own timeout fires first, as on AWS.
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  StartRunFunctionArn: 10,
  FetchPageFunctionArn: 60,
  FinishRunFunctionArn: 10,
  ReconcileFunctionArn: 10,
} as const;

/** How long an SDK client may spend opening a connection. */
export const SDK_CONNECTION_TIMEOUT_MS = 2_000;

/**
 * How long one call to DynamoDB, Step Functions or Secrets Manager may take: half the
 * bookkeeping functions' 10 s, so a stalled socket fails the call (and is retried) instead
 * of outliving the function.
 */
export const SDK_REQUEST_TIMEOUT_MS = 5_000;

/**
 * How long one source call (e.g. Glue GetJobRuns) may take when fetch-page runs for
 * `fetchPageTimeoutSeconds`: a third of it, at most 20 s, at least 1 s, leaving room for the
 * page's writes and the checkpoint.
 */
export function sourceRequestTimeoutMs(fetchPageTimeoutSeconds: number): number {
  return Math.max(1_000, Math.min(20_000, Math.floor((fetchPageTimeoutSeconds * 1000) / 3)));
}

/**
 * The source call timeout in this container: `SOURCE_REQUEST_TIMEOUT_MS` (the stack sets it
 * from fetch-page's timeout), else what the default fetch-page timeout gives.
 */
export const SOURCE_REQUEST_TIMEOUT_MS =
  optionalIntegerEnv('SOURCE_REQUEST_TIMEOUT_MS', 100, 900_000) ??
  sourceRequestTimeoutMs(FUNCTION_TIMEOUT_SECONDS.FetchPageFunctionArn);

/**
 * SDK client settings with hard timeouts. Without them a v3 client waits on a stalled socket
 * for minutes (its `requestTimeout` only warns unless `throwOnRequestTimeout` is set), longer
 * than any function runs. A breach throws `TimeoutError`.
 */
export function clientTimeouts(requestTimeoutMs = SDK_REQUEST_TIMEOUT_MS) {
  return {
    requestHandler: {
      connectionTimeout: SDK_CONNECTION_TIMEOUT_MS,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
