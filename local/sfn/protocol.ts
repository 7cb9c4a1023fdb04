/**
 * The Step Functions API's rules the local endpoint shares across operations, worded as AWS
 * words them: ARNs, execution names, statuses, page sizes and opaque page tokens.
 */
import { ApiError, validation } from './api-error';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:([^:]+)$/;
export const EXECUTION_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:([^:]+):([^:]+)$/;
export const STATUSES: readonly string[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'ABORTED',
  'TIMED_OUT',
  'PENDING_REDRIVE',
];
/** Characters AWS refuses in execution names: whitespace, brackets, wildcards and specials... */
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
/** ...and control characters (U+0000-U+001F, U+007F-U+009F). */
const isControl = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
};
export const isValidName = (name: string) =>
  name.length >= 1 && name.length <= 80 && !INVALID_NAME_CHARACTER.test(name) && ![...name].some(isControl);

export function missing(field: string): ApiError {
  return new ApiError(
    'ValidationException',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
}

export function invalidArn(arn: string, expected: string): ApiError {
  const type = /^arn:[^:]*:states:[^:]*:[^:]*:([^:]+):/.exec(arn)?.[1];
  return new ApiError(
    'InvalidArn',
    type && type !== expected
      ? `Invalid Arn: 'Resource type not valid in this context: ${type}'`
      : `Invalid Arn: '${arn}'`,
  );
}

export function pageSize(value: unknown): number {
  if (value === undefined || value === null || value === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_PAGE_SIZE) {
    throw validation('maxResults', `Member must have value between 0 and ${MAX_PAGE_SIZE}`);
  }
  return value as number;
}

/** Page tokens are opaque to clients: the position after the last item returned, and what it pages. */
export function token(kind: string, position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...position })).toString('base64url');
}

export function readToken<T>(value: unknown, kind: string): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8')) as { k?: string };
    if (parsed.k === kind) return parsed as T;
  } catch {
    // fall through to the error below
  }
  throw new ApiError('InvalidToken', `Invalid Token: '${String(value)}'`);
}
