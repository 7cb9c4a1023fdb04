import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKETPLACE_ENDPOINT_VARIABLE } from '../../local/stack';
import { type Scenario, startScenario } from '../support/scenario';

/** A loopback server that records every request and answers with `answer`. */
async function server(
  answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const http: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const { status, headers, body } = answer(req);
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    received,
    close: () => {
      http.closeAllConnections();
      return new Promise((done) => http.close(() => done()));
    },
  };
}

let scenario: Scenario;
let elsewhere: Awaited<ReturnType<typeof server>>;
let redirecting: Awaited<ReturnType<typeof server>>;

beforeAll(async () => {
  scenario = await startScenario();
  elsewhere = await server(() => ({ status: 200, body: JSON.stringify({ Orders: [] }) }));
  redirecting = await server(() => ({
    status: 307,
    headers: { location: `${elsewhere.url}/orders/ListOrders?leak=1` },
  }));
  // The deploy-time endpoint variable, as a deployer would move it: now at an API that redirects.
  process.env[MARKETPLACE_ENDPOINT_VARIABLE] = redirecting.url;
});
afterAll(async () => {
  if (scenario) process.env[MARKETPLACE_ENDPOINT_VARIABLE] = scenario.stack.marketplaceEndpoint;
  await Promise.all([scenario?.close(), elsewhere?.close(), redirecting?.close()]);
});

describe('when an HTTP source answers with a redirect', () => {
  it('fails the run at once with an error naming the status and the target origin, and never calls the other origin', async () => {
    const result = await scenario.execute({
      source: 'marketplace.orders',
      params: { MarketplaceId: 'ATVPDKIKX0DER' },
    });

    expect(result.status).toBe('FAILED');
    const record = await scenario.runRecord(result.name);
    expect(record).toMatchObject({
      status: 'failed',
      lastError: {
        error: 'RedirectRefused',
        message: expect.stringContaining(
          `marketplace.orders answered HTTP 307 redirecting to ${elsewhere.url}; redirects are never followed`,
        ),
      },
    });
    // Permanent: asked once, not retried.
    expect(redirecting.received).toEqual(['POST /orders/ListOrders']);
    expect(elsewhere.received).toEqual([]);
  });
});
