/** Calls to the local SP-API as its tests make them: a GET with a query and an access token. */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type SpApiSandbox, type SpApiSandboxOptions, startSpApiSandbox } from '../../local/sandbox/spapi';

export interface SpApiReply {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary response fields; typing every shape would only restate the sandbox.
  // biome-ignore lint/suspicious/noExplicitAny: loosely typed JSON under test
  body: any;
}

export const ORDERS = '/orders/2026-01-01/orders';
export const ORDERS_V0 = '/orders/v0/orders';
export const REPORTS = '/reports/2021-06-30/reports';
export const FINANCES = '/finances/v0/financialEvents';

export const US = 'ATVPDKIKX0DER';
export const CA = 'A2EUQ1WTGCTBG2';

/**
 * GETs `path` with `query`: pairs are URL-encoded once, as a correct client does; a string is
 * sent exactly as written. `token` is the access token; `null` sends none.
 */
export async function get(
  sandbox: SpApiSandbox,
  path: string,
  query: Record<string, string> | string = {},
  token: string | null = sandbox.authority.issueAccessToken(),
): Promise<SpApiReply> {
  const search = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const response = await fetch(`${sandbox.url}${path}${search ? `?${search}` : ''}`, {
    headers: token === null ? {} : { 'x-amz-access-token': token },
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The single SP-API error of a reply, asserting the status on the way. */
export function errorOf(
  reply: SpApiReply,
  status: number,
): { code: string; message: string; details: string } {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body.errors).toHaveLength(1);
  return reply.body.errors[0];
}

/**
 * The SP-API sandbox a test file shares (300 orders per marketplace, 60 reports, 150
 * financial events, quotas so fast nothing is throttled unless a test asks): started before
 * its tests, its counters reset before each, closed after them.
 */
export function spApiForThisFile(options: SpApiSandboxOptions = {}): () => SpApiSandbox {
  let sandbox: SpApiSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSpApiSandbox({
      ordersPerMarketplace: 300,
      reports: 60,
      financialEvents: 150,
      quotaScale: 1_000_000,
      ...options,
    });
  });
  afterAll(async () => sandbox?.close());
  beforeEach(() => sandbox?.resetStats());
  return () => {
    if (!sandbox) throw new Error('the sandbox has not started yet');
    return sandbox;
  };
}
