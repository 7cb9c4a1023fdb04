/**
 * Errors the state machine branches on. Each class hands `PagewalkError` the exact string the
 * ASL lists in `ErrorEquals`: Lambda reports `error.name` as the error type, so a subclass
 * without its name would surface as plain `Error` and miss its Catch. The name is spelled out
 * in each class rather than taken from the class: the deployed bundles are minified, which
 * renames classes.
 */

/** What an error may carry besides its message: the error it wraps. */
export interface ErrorCause {
  readonly cause?: unknown;
}

/**
 * The base of every pagewalk error: a stable `name` passed in as a literal by each subclass,
 * the message, and the `cause` it wraps (kept for the logs, never sent to the state machine).
 */
export class PagewalkError extends Error {
  constructor(name: string, message: string, options?: ErrorCause) {
    super(message, options);
    this.name = name;
  }
}

/**
 * Narrows an unknown throw to an `Error` once, instead of casting at each use: anything else
 * (a string, a plain object) is rethrown as it came, since nothing here knows what it means.
 */
export function assertIsError(error: unknown): asserts error is Error {
  if (!(error instanceof Error)) throw error;
}

/** Whether `error` is an `Error` whose name is `name` (an SDK exception, or one of ours). */
export function isErrorNamed(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

/** The execution input is invalid. Thrown before anything is written. */
export class InvalidInput extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('InvalidInput', message, options);
  }
}

/** The continuation token was rejected by the source; call the origin operation again. */
export class NextTokenCorrupted extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('NextTokenCorrupted', message, options);
  }
}

/** The source could not be reached or answered 5xx without a specific error name. Retried. */
export class SourceUnavailable extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('SourceUnavailable', message, options);
  }
}

/** A source call got no answer within the request timeout (the source, the page and the limit are named). Retried. */
export class SourceTimeout extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('SourceTimeout', message, options);
  }
}

/** The source answered a 4xx whose body is not the API's JSON (a proxy or load balancer page); permanent. */
export class UnexpectedResponse extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('UnexpectedResponse', message, options);
  }
}

/** DynamoDB left items unprocessed after every in-Lambda retry. Retried by the state machine. */
export class PageWriteIncomplete extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('PageWriteIncomplete', message, options);
  }
}

/** One item exceeds DynamoDB's 400 KB item limit; the run cannot store it. */
export class ItemTooLarge extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('ItemTooLarge', message, options);
  }
}

/** The source answered with a page that contradicts itself (for example HasNext=true without a token). */
export class InconsistentPage extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('InconsistentPage', message, options);
  }
}

/** The continuation token was rejected again after `maxRestarts` restarts from the origin call. */
export class RestartLimitExceeded extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('RestartLimitExceeded', message, options);
  }
}

/** Another run holds the collection's lease: one active run per collection. */
export class CollectionBusy extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('CollectionBusy', message, options);
  }
}

/** This run's lease on its collection expired and another run took it. */
export class LeaseLost extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('LeaseLost', message, options);
  }
}

/** The source returned a token it had returned before in the same pass: it would loop forever. */
export class PaginationLoopDetected extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('PaginationLoopDetected', message, options);
  }
}

/**
 * The API's authorization server refused the credentials (Login with Amazon `invalid_grant`,
 * `invalid_client`), or the API refused a freshly issued access token: retrying cannot help,
 * so the run fails at once. The message names the secret's ARN and the server's error code,
 * never a credential.
 */
export class AuthenticationFailed extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('AuthenticationFailed', message, options);
  }
}

/** The run record is not in a state that accepts this write (finished, or a newer page already recorded). */
export class RunStateConflict extends PagewalkError {
  constructor(message: string, options?: ErrorCause) {
    super('RunStateConflict', message, options);
  }
}

/**
 * The human message inside a Catch's `Cause`. For a Lambda task AWS wraps it as
 * `{"errorType", "errorMessage", "trace"}`; other tasks give plain text.
 */
export function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return cause === undefined ? '' : JSON.stringify(cause);
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'errorMessage' in parsed &&
      typeof parsed.errorMessage === 'string'
    ) {
      return parsed.errorMessage;
    }
  } catch {
    // plain text cause
  }
  return cause;
}

/**
 * Names sources give a throttled call. The state machine retries them (the ASL lists them);
 * an HTTP source keeps an API's own code when it is one of them; the metrics count them.
 */
export const THROTTLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'QuotaExceeded',
]);

/**
 * How the state machine treats each of pagewalk's own errors: `retried` with backoff,
 * `restarts` from the origin call (caught on the continuation call only), or `fails` the
 * run through "Record failure". A test holds the ASL to this table.
 */
export const ERROR_HANDLING = {
  InvalidInput: 'fails',
  NextTokenCorrupted: 'restarts',
  RestartLimitExceeded: 'fails',
  SourceUnavailable: 'retried',
  SourceTimeout: 'retried',
  UnexpectedResponse: 'fails',
  PageWriteIncomplete: 'retried',
  ItemTooLarge: 'fails',
  InconsistentPage: 'fails',
  RunStateConflict: 'fails',
  CollectionBusy: 'fails',
  LeaseLost: 'fails',
  PaginationLoopDetected: 'fails',
  AuthenticationFailed: 'fails',
} as const satisfies Record<string, 'retried' | 'fails' | 'restarts'>;
