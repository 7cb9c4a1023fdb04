/** Calls to the marketplace sandbox as its tests make them: a POST of JSON, and its SP-API error. */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  DEFAULT_MARKETPLACE_ID,
  type MarketplaceSandbox,
  startMarketplaceSandbox,
} from '../../local/sandbox/marketplace';

export interface Reply {
  status: number;
  headers: Headers;
  // Tests inspect arbitrary response fields; typing every shape would only restate the sandbox.
  // biome-ignore lint/suspicious/noExplicitAny: loosely typed JSON under test
  body: any;
}

/** POSTs a JSON body (or a raw string, sent as is) to an operation path. */
export async function post(
  sandbox: MarketplaceSandbox,
  path: string,
  body: unknown = {},
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The single SP-API error of a reply, asserting the status on the way. */
export function errorOf(reply: Reply, status: number): { code: string; message: string } {
  expect(reply.status).toBe(status);
  expect(reply.body.errors).toHaveLength(1);
  return reply.body.errors[0];
}

/** The two marketplaces the tests' sandboxes serve. */
export const US = DEFAULT_MARKETPLACE_ID;
export const CA = 'A2EUQ1WTGCTBG2';

/**
 * The sandbox the marketplace tests share within a file (250 orders, 95 reports, 150
 * customers, the US and CA marketplaces): started before its tests, its counters reset
 * before each, closed after them. Returns the running sandbox.
 */
export function sandboxForThisFile(): () => MarketplaceSandbox {
  let sandbox: MarketplaceSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startMarketplaceSandbox({
      orders: 250,
      reports: 95,
      customers: 150,
      marketplaceIds: [US, CA],
    });
  });
  afterAll(async () => sandbox?.close());
  beforeEach(() => sandbox?.resetStats());
  return () => {
    if (!sandbox) throw new Error('the sandbox has not started yet');
    return sandbox;
  };
}
