import {
  NextTokenCorrupted,
  PagewalkError,
  SourceTimeout,
  SourceUnavailable,
  THROTTLE_ERROR_NAMES,
  UnexpectedResponse,
} from '../errors';

/** Names real AWS services use for a bad or expired pagination token. */
export const TOKEN_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InvalidNextTokenException',
  'ExpiredNextTokenException',
  'InvalidPaginationToken',
  'InvalidPaginationTokenException',
  'InvalidToken',
  'InvalidNextToken',
]);

/** Error codes of a connection that failed before any answer came back. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function asSdkError(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/**
 * Whether a call ran past its client's request timeout: smithy's NodeHttpHandler (with
 * `throwOnRequestTimeout`) rejects with a `TimeoutError`, and fetch's `AbortSignal.timeout`
 * with a DOMException of the same name.
 */
export function isRequestTimeout(error: unknown): boolean {
  return asSdkError(error).name === 'TimeoutError';
}

/** An API's own names for its errors, as a definition declares them (`errors` of kind aws). */
export interface AwsErrorNames {
  /** A bad or expired token: `NextTokenCorrupted`, on a continuation call only. */
  readonly corruptedToken?: readonly string[];
  /** A throttle: retried by the state machine, under a name its Retry lists. */
  readonly throttled?: readonly string[];
  /** A passing failure: retried as `SourceUnavailable`. */
  readonly transient?: readonly string[];
}

/** A throttle whose own name the state machine's Retry does not list (S3's SlowDown). */
class Throttled extends PagewalkError {
  constructor(message: string, cause: unknown) {
    super('ThrottlingException', message, { cause });
  }
}

/**
 * The mapping every AWS SDK source shares: token errors (the common names and the API's own)
 * become `NextTokenCorrupted` (only on a continuation call: the origin call carries no token,
 * so there the same name is the API's own complaint), the API's throttle names an error the
 * state machine retries, its transient ones and connection failures and nameless 5xx
 * `SourceUnavailable`, a request timeout `SourceTimeout`. A body that is not the API's JSON (a
 * load balancer's HTML 502, which the SDK reports as a `SyntaxError` carrying the status) is
 * `SourceUnavailable` for a 5xx and a permanent `UnexpectedResponse` naming the status for a
 * 4xx. Everything else passes through untouched, so the API's own name and message reach the
 * execution.
 */
export function mapAwsSdkError(error: unknown, isContinuation: boolean, names: AwsErrorNames = {}): unknown {
  const e = asSdkError(error);
  const name = e.name ?? '';
  const said = `${name}: ${e.message ?? ''}`;
  if (isContinuation && (TOKEN_ERROR_NAMES.has(name) || names.corruptedToken?.includes(name))) {
    return new NextTokenCorrupted(`The source rejected the continuation token (${said})`, { cause: error });
  }
  if (names.throttled?.includes(name) && !THROTTLE_ERROR_NAMES.has(name)) {
    return new Throttled(`The source throttled the call (${said})`, error);
  }
  if (names.transient?.includes(name)) {
    return new SourceUnavailable(`The source failed for now (${said})`, { cause: error });
  }
  if (isRequestTimeout(error)) {
    return new SourceTimeout(`The source gave no answer within the request timeout (${e.message ?? ''})`, {
      cause: error,
    });
  }
  if (NETWORK_ERROR_CODES.has(e.code ?? '') || NETWORK_ERROR_CODES.has(name)) {
    return new SourceUnavailable(`The source could not be reached (${e.code ?? name}: ${e.message ?? ''})`, {
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  if (name === 'SyntaxError' && status !== undefined) {
    if (status >= 500) {
      return new SourceUnavailable(`The source answered HTTP ${status} with a body that is not JSON`, {
        cause: error,
      });
    }
    if (status >= 400) {
      return new UnexpectedResponse(
        `The source answered HTTP ${status} with a body that is not JSON (a proxy or load balancer page?); not retried`,
        { cause: error },
      );
    }
  }
  if (
    status !== undefined &&
    status >= 500 &&
    (name === '' || name === 'Error' || name.startsWith('Unknown'))
  ) {
    return new SourceUnavailable(`The source answered HTTP ${status}`, { cause: error });
  }
  return error;
}
