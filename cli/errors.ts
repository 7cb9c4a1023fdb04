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

/** A CliError saying what went wrong and what to do, or undefined to report the error as is. */
export function explainError(error: unknown, endpoint: string | undefined): CliError | undefined {
  const e = error as Error & { code?: string; address?: string; port?: number; $metadata?: unknown };
  const code = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  if (code && CONNECTION_CODES.has(code)) {
    const target = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : undefined;
    const sfnPort = endpoint ? new URL(endpoint).port : undefined;
    const what =
      endpoint && (!e.port || String(e.port) === sfnPort)
        ? `the Step Functions endpoint ${endpoint}`
        : `${target ?? 'an endpoint'}`;
    return new CliError(
      `cannot reach ${what} (${code}). Is the local endpoint running? Start it with npm run serve, or point --endpoint-url (AWS_ENDPOINT_URL_SFN) at one that is.`,
    );
  }
  if (e.name === 'ExecutionDoesNotExist') return new CliError(`no such execution: ${e.message}`);
  if (e.name === 'ExecutionAlreadyExists') {
    return new CliError(
      `${e.message}: execution names are unique; choose another --name, or continue that run with pagewalk resume <runId>`,
    );
  }
  return undefined;
}
