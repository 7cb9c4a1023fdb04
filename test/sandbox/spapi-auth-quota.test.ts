import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startSpApiSandbox } from '../../local/sandbox/spapi';
import {
  EXPIRED_ACCESS_TOKEN,
  INVALID_ACCESS_TOKEN,
  UNDECODABLE_TOKEN_MESSAGE,
} from '../../local/sandbox/spapi-errors';
import { errorOf, get, ORDERS, REPORTS, spApiForThisFile, US } from '../support/spapi-client';

const sandbox = spApiForThisFile();
const ONE_ORDER = { createdAfter: '2025-12-05T00:00:00Z', marketplaceIds: US, maxResultsPerPage: '1' };

/** A GET with headers fetch will not send (Host), answered with its status. */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('SP-API sandbox access tokens', () => {
  it('answers 403 Unauthorized for a missing, an invalid and an expired x-amz-access-token', async () => {
    const denied = { code: 'Unauthorized', message: 'Access to requested resource is denied.' };
    const missing = await get(sandbox(), ORDERS, ONE_ORDER, null);
    expect(errorOf(missing, 403)).toEqual({ ...denied, details: '' });
    expect(missing.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
    expect(missing.headers.get('x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);

    const valid = sandbox().authority.issueAccessToken();
    const edited = `${valid.slice(0, -2)}${valid.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(errorOf(await get(sandbox(), ORDERS, ONE_ORDER, edited), 403)).toEqual({
      ...denied,
      details: INVALID_ACCESS_TOKEN,
    });

    sandbox().authority.expireAccessTokens();
    expect(errorOf(await get(sandbox(), ORDERS, ONE_ORDER, valid), 403)).toEqual({
      ...denied,
      details: EXPIRED_ACCESS_TOKEN,
    });
    expect((await get(sandbox(), ORDERS, ONE_ORDER)).status).toBe(200);
    // Logged as what it was worth, never as the token.
    expect(sandbox().stats.requests.map((r) => r.accessToken)).toEqual([
      'missing',
      'invalid',
      'expired',
      'valid',
    ]);
    expect(JSON.stringify(sandbox().stats)).not.toContain(valid.slice(5, 40));
  });

  it('checks the token before the route, and answers unknown routes 404', async () => {
    expect(errorOf(await get(sandbox(), '/orders/v9/nothing', {}, null), 403).code).toBe('Unauthorized');
    expect(errorOf(await get(sandbox(), '/orders/v9/nothing'), 404).code).toBe('NotFound');
  });

  it('refuses a foreign Host or Origin (DNS rebinding)', async () => {
    const headers = { 'x-amz-access-token': sandbox().authority.issueAccessToken() };
    const url = `${sandbox().url}${ORDERS}?${new URLSearchParams(ONE_ORDER)}`;
    expect(await rawGet(url, { ...headers, host: 'pagewalk.example' })).toBe(403);
    expect(await rawGet(url, { ...headers, origin: 'http://pagewalk.example' })).toBe(403);
    expect(await rawGet(url, { ...headers, host: `localhost:${sandbox().port}` })).toBe(200);
  });
});

describe('SP-API sandbox quotas', () => {
  it("allows an operation's burst, then answers 429 QuotaExceeded until its rate refills the bucket", async () => {
    const real = await startSpApiSandbox({ ordersPerMarketplace: 300 });
    try {
      for (let call = 0; call < 20; call++) {
        const ok = await get(real, ORDERS, ONE_ORDER);
        expect(ok.status).toBe(200);
        expect(ok.headers.get('x-amzn-RateLimit-Limit')).toBe('0.0056');
      }
      const throttled = await get(real, ORDERS, ONE_ORDER);
      expect(errorOf(throttled, 429)).toEqual({
        code: 'QuotaExceeded',
        message: 'You exceeded your quota for the requested resource.',
        details: '',
      });
      expect(throttled.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
      expect(throttled.headers.get('x-amzn-RequestId')).toMatch(/^[0-9a-f-]{36}$/);
      // Another operation has its own bucket.
      expect((await get(real, REPORTS, { reportTypes: 'GET_AFN_INVENTORY_DATA' })).status).toBe(200);

      real.clock.advance(170_000); // one token takes 1 / 0.0056 s ≈ 178.6 s
      expect((await get(real, ORDERS, ONE_ORDER)).status).toBe(429);
      real.clock.advance(9_000);
      expect((await get(real, ORDERS, ONE_ORDER)).status).toBe(200);
      expect(real.stats.throttled).toBe(2);
    } finally {
      await real.close();
    }
  });

  it('scales every rate, not the bursts, and says the scaled rate in x-amzn-RateLimit-Limit', async () => {
    const fast = await startSpApiSandbox({ ordersPerMarketplace: 300, quotaScale: 100 });
    try {
      const reply = await get(fast, ORDERS, ONE_ORDER);
      expect(reply.headers.get('x-amzn-RateLimit-Limit')).toBe('0.56');
      expect(
        (await get(fast, REPORTS, { reportTypes: 'GET_AFN_INVENTORY_DATA' })).headers.get(
          'x-amzn-RateLimit-Limit',
        ),
      ).toBe('2.22');
      fast.drainQuota();
      expect((await get(fast, ORDERS, ONE_ORDER)).status).toBe(429);
      fast.clock.advance(1786); // 1 / 0.56 s: a 3-minute interval at scale 100
      expect((await get(fast, ORDERS, ONE_ORDER)).status).toBe(200);
    } finally {
      await fast.close();
    }
  });
});

describe('SP-API sandbox faults', () => {
  it('throttles, fails and corrupts tokens on demand, then recovers', async () => {
    sandbox().throttleNext(1);
    expect(errorOf(await get(sandbox(), ORDERS, ONE_ORDER), 429).code).toBe('QuotaExceeded');
    sandbox().failNext(1);
    expect(errorOf(await get(sandbox(), ORDERS, ONE_ORDER), 500).code).toBe('InternalFailure');
    sandbox().failNext(1, 503);
    expect(errorOf(await get(sandbox(), ORDERS, ONE_ORDER), 503).code).toBe('ServiceUnavailable');

    const first = await get(sandbox(), ORDERS, ONE_ORDER);
    sandbox().corruptNextTokens(1);
    // The origin call is untouched by the switch; only continuations are.
    expect((await get(sandbox(), ORDERS, ONE_ORDER)).status).toBe(200);
    const next = { ...ONE_ORDER, paginationToken: first.body.pagination.nextToken };
    expect(errorOf(await get(sandbox(), ORDERS, next), 400).message).toBe(UNDECODABLE_TOKEN_MESSAGE);
    expect((await get(sandbox(), ORDERS, next)).status).toBe(200);
  });
});
