/**
 * SP-API's error answers, in its words: `{"errors":[{"code","message","details"}]}`. Messages
 * are Amazon's where Amazon's are known (quoted from the published models and from answers
 * sellers have posted); `details` says which parameter and why, as Amazon's sometimes do.
 */
import { ProtocolError } from '../aws-json';

/** An SP-API error: `name` is the wire's `code`, `status` the HTTP status. */
export class SpApiError extends ProtocolError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly details = '',
  ) {
    super(code, message, status);
  }
}

/** What Amazon answers for a token that is garbled, truncated, or not URL-encoded exactly once. */
export const UNDECODABLE_TOKEN_MESSAGE =
  'We could not decode your NextToken. Possible reasons include: a transmission error, improper quoting or a truncation problem.';

/** 400 InvalidInput. */
export const invalidInput = (message: string, details = ''): SpApiError =>
  new SpApiError('InvalidInput', message, 400, details);

/** 400 InvalidInput for a continuation token that does not decode. */
export const undecodableToken = (): SpApiError => invalidInput(UNDECODABLE_TOKEN_MESSAGE);

/** The `details` of a 403 for an access token past its lifetime. */
export const EXPIRED_ACCESS_TOKEN = 'The access token you provided has expired.';
/** The `details` of a 403 for an access token that was never issued (or was edited). */
export const INVALID_ACCESS_TOKEN = 'The access token you provided is revoked, malformed or invalid.';

/** 403 Unauthorized: no, an invalid or an expired `x-amz-access-token`. */
export const unauthorized = (details: string): SpApiError =>
  new SpApiError('Unauthorized', 'Access to requested resource is denied.', 403, details);

/** 429 QuotaExceeded: the operation's token bucket is empty. */
export const quotaExceeded = (): SpApiError =>
  new SpApiError('QuotaExceeded', 'You exceeded your quota for the requested resource.', 429);

/** 500 InternalFailure, an injected fault. */
export const internalFailure = (): SpApiError =>
  new SpApiError('InternalFailure', 'We encountered an internal error. Please try again.', 500);

/** 503 ServiceUnavailable, an injected fault. */
export const serviceUnavailable = (): SpApiError =>
  new SpApiError('ServiceUnavailable', 'Service temporarily unavailable. Please try again.', 503);

/** The body of an SP-API error answer. */
export function errorBody(error: SpApiError): {
  errors: Array<{ code: string; message: string; details: string }>;
} {
  return { errors: [{ code: error.name, message: error.message, details: error.details }] };
}
