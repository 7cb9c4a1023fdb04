import { NextTokenCorrupted, SourceUnavailable } from '../errors';

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
 * The mapping every AWS SDK source shares: token errors become `NextTokenCorrupted`
 * (only on a continuation call: the origin call carries no token), connection failures
 * and nameless 5xx become `SourceUnavailable`, everything else passes through untouched.
 */
export function mapAwsSdkError(
  error: unknown,
  isContinuation: boolean,
  extraTokenErrors: string[] = [],
): unknown {
  const e = asSdkError(error);
  const name = e.name ?? '';
  if (isContinuation && (TOKEN_ERROR_NAMES.has(name) || extraTokenErrors.includes(name))) {
    return new NextTokenCorrupted(
      `The source rejected the continuation token (${name}: ${e.message ?? ''})`,
      {
        cause: error,
      },
    );
  }
  if (NETWORK_ERROR_CODES.has(e.code ?? '') || NETWORK_ERROR_CODES.has(name) || name === 'TimeoutError') {
    return new SourceUnavailable(`The source could not be reached (${e.code ?? name}: ${e.message ?? ''})`, {
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  if (
    status !== undefined &&
    status >= 500 &&
    (name === '' || name === 'Error' || name.startsWith('Unknown'))
  ) {
    return new SourceUnavailable(`The source answered HTTP ${status}`, { cause: error });
  }
  return error;
}
