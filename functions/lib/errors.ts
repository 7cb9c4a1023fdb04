/**
 * Errors the state machine branches on. Each class sets `name` to the exact string the
 * ASL lists in `ErrorEquals`: Lambda reports `error.name` as the error type, so a
 * subclass that forgot to set it would surface as plain `Error` and miss its Catch. The name
 * is spelled out in each class rather than taken from the class: the deployed bundles are
 * minified, which renames classes.
 */

/** The execution input is invalid. Thrown before anything is written. */
export class InvalidInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

/** The continuation token was rejected by the source; call the origin operation again. */
export class NextTokenCorrupted extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NextTokenCorrupted';
  }
}

/** The source could not be reached or answered 5xx without a specific error name. Retried. */
export class SourceUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnavailable';
  }
}

/** A source call got no answer within the request timeout (the source, the page and the limit are named). Retried. */
export class SourceTimeout extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceTimeout';
  }
}

/** The source answered a 4xx whose body is not the API's JSON (a proxy or load balancer page); permanent. */
export class UnexpectedResponse extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedResponse';
  }
}

/** DynamoDB left items unprocessed after every in-Lambda retry. Retried by the state machine. */
export class PageWriteIncomplete extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageWriteIncomplete';
  }
}

/** One item exceeds DynamoDB's 400 KB item limit; the run cannot store it. */
export class ItemTooLarge extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ItemTooLarge';
  }
}

/** The source answered with a page that contradicts itself (for example HasNext=true without a token). */
export class InconsistentPage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentPage';
  }
}

/** The continuation token was rejected again after `maxRestarts` restarts from the origin call. */
export class RestartLimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestartLimitExceeded';
  }
}

/** Another run holds the collection's lease: one active run per collection. */
export class CollectionBusy extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectionBusy';
  }
}

/** This run's lease on its collection expired and another run took it. */
export class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLost';
  }
}

/** The source returned a token it had returned before in the same pass: it would loop forever. */
export class PaginationLoopDetected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaginationLoopDetected';
  }
}

/** The run record is not in a state that accepts this write (finished, or a newer page already recorded). */
export class RunStateConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStateConflict';
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
      typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return (parsed as { errorMessage: string }).errorMessage;
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
} as const satisfies Record<string, 'retried' | 'fails' | 'restarts'>;
