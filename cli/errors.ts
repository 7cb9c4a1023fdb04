/**
 * What a person should read when a call fails for a reason they can fix: the endpoint
 * is not running, an execution or a name does not exist. Anything else is reported by the
 * program as the SDK's name and message.
 */
import { CliError } from './context';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The field `key` of a thrown value, whatever was thrown. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A CliError saying what went wrong and what to do, or undefined to report the error as is. */
export function explainError(error: unknown, endpoint: string | undefined): CliError | undefined {
  // Node's connection errors carry code, address and port, on the error or (from fetch) its cause.
  const code = text(field(error, 'code')) ?? text(field(field(error, 'cause'), 'code'));
  if (code && CONNECTION_CODES.has(code)) {
    const address = text(field(error, 'address'));
    const port = field(error, 'port');
    const target = address ? `${address}${port ? `:${String(port)}` : ''}` : undefined;
    const sfnPort = endpoint ? new URL(endpoint).port : undefined;
    const what =
      endpoint && (!port || String(port) === sfnPort)
        ? `the Step Functions endpoint ${endpoint}`
        : `${target ?? 'an endpoint'}`;
    return new CliError(
      `cannot reach ${what} (${code}). Is the local endpoint running? Start it with npm run serve, or point --endpoint-url (AWS_ENDPOINT_URL_SFN) at one that is.`,
    );
  }
  if (!(error instanceof Error)) return undefined;
  const e = error;
  if (e.name === 'ExecutionDoesNotExist') return new CliError(`no such execution: ${e.message}`);
  if (e.name === 'ExecutionAlreadyExists') {
    return new CliError(
      `${e.message}: execution names are unique; choose another --name, or continue that run with pagewalk resume <runId>`,
    );
  }
  return undefined;
}
