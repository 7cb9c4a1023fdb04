/**
 * HTTP source definitions of a small paced API, in a folder of their own, for the pacing tests:
 * `test.paced` (a usage plan, a rate header, tokens that live 60 s), `test.unpaced` (the same
 * API without a plan) and `test.logStream` (answers the end of its items with the token it was
 * sent, like CloudWatch Logs GetLogEvents). Each test sets SOURCE_DEFINITIONS_DIR to the folder
 * before the first source is read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable the definitions read their endpoint from. */
export const PACED_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_PACED';

/** The usage plan of `test.paced`: three calls at once, then one every two seconds. */
export const PACED_PLAN = { rate: 0.5, burst: 3 } as const;
export const PACED_TOKEN_LIFETIME_SECONDS = 60;

const common = {
  endpoint: { baseUrl: 'https://paced.example.com', variable: PACED_ENDPOINT_VARIABLE },
  params: { stream: { type: 'string', required: true, pattern: '^[a-z0-9-]{1,40}$' } },
  pageSize: { min: 1, max: 100, default: 10 },
  origin: { method: 'GET', path: '/items', query: { stream: '{params.stream}', limit: '{pageSize}' } },
  continuation: { method: 'GET', path: '/items', query: { stream: '{params.stream}', token: '{nextToken}' } },
  response: { items: 'items', itemKey: 'id', nextToken: 'next' },
  errors: {
    codePath: 'errors.0.code',
    messagePath: 'errors.0.message',
    rules: [{ status: 400, code: 'InvalidInput', on: 'continuation', means: 'corruptedToken' }],
  },
};

/** Writes the three definitions to a new folder and returns it. */
export function writePacedDefinitions(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagewalk-paced-'));
  const write = (file: string, definition: Record<string, unknown>) =>
    writeFileSync(join(dir, file), JSON.stringify({ ...common, ...definition }, null, 2));
  write('test-paced.json', {
    name: 'test.paced',
    signal: 'tokenPresence',
    usagePlan: { ...PACED_PLAN, rateLimitHeader: 'x-amzn-RateLimit-Limit' },
    tokenLifetimeSeconds: PACED_TOKEN_LIFETIME_SECONDS,
  });
  write('test-unpaced.json', { name: 'test.unpaced', signal: 'tokenPresence' });
  write('test-log-stream.json', {
    name: 'test.logStream',
    signal: 'tokenPresence',
    repeatedTokenMeansCaughtUp: true,
  });
  return dir;
}
