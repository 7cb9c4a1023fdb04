import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scenario, startScenario } from '../support/scenario';

/**
 * A paginated API that misbehaves the way real ones do: `cycle` hands out tokens
 * A, B, A, B, … and `repeat` hands out A again and again. Each page has new items, so only
 * the tokens give the loop away.
 */
function startLoopingApi(): Promise<Server> {
  let served = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const { mode, token } = JSON.parse(body) as { mode: string; token?: string };
      served += 1;
      const next = mode === 'repeat' ? 'A' : token === 'A' ? 'B' : 'A';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [{ id: `item-${served}` }], next: served > 50 ? undefined : next }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let api: Server;
let scenario: Scenario;
beforeAll(async () => {
  api = await startLoopingApi();
  // Deployed definitions are configuration: this run ships one more, for the looping API.
  const dir = mkdtempSync(join(tmpdir(), 'pagewalk-sources-'));
  cpSync('sources', dir, { recursive: true });
  writeFileSync(
    join(dir, 'looping.json'),
    JSON.stringify({
      name: 'looping.items',
      signal: 'tokenPresence',
      endpoint: { baseUrl: 'https://looping.invalid', variable: 'PAGEWALK_ENDPOINT_URL_LOOPING' },
      params: { mode: { type: 'string', required: true, pattern: '^(cycle|repeat)$' } },
      pageSize: { min: 1, max: 10, default: 10 },
      origin: { method: 'POST', path: '/list', body: { mode: '{params.mode}' } },
      continuation: { method: 'POST', path: '/list', body: { mode: '{params.mode}', token: '{nextToken}' } },
      response: { items: 'items', itemKey: 'id', nextToken: 'next' },
    }),
  );
  process.env.SOURCE_DEFINITIONS_DIR = dir;
  process.env.PAGEWALK_ENDPOINT_URL_LOOPING = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  scenario = await startScenario();
});
afterAll(async () => {
  await scenario?.close();
  api?.close();
});

describe('when the API hands out a token it handed out before', () => {
  it('fails an A → B → A cycle with PaginationLoopDetected, naming the pages', async () => {
    const result = await scenario.execute({ source: 'looping.items', params: { mode: 'cycle' } });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PaginationLoopDetected');
    expect(result.cause).toMatch(/^page 3 returned a NextToken that page 1 already returned in this pass/);
    expect(await scenario.runRecord(result.name)).toMatchObject({ status: 'failed', pages: 2 });
  });

  it('fails a token repeated on consecutive pages with PaginationLoopDetected', async () => {
    const result = await scenario.execute({ source: 'looping.items', params: { mode: 'repeat' } });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PaginationLoopDetected');
    expect(result.cause).toMatch(/^page 2 returned a NextToken that page 1 already returned/);
  });
});
