import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LwaSandbox, startLwaSandbox } from '../../local/sandbox/lwa';
import { createLwaAuthority } from '../../local/sandbox/lwa-authority';
import { LWA_CREDENTIALS_FILE, sandboxLwaCredentials } from '../../local/sandbox/lwa-credentials';
import { type SpApiSandbox, startSpApiSandbox } from '../../local/sandbox/spapi';
import { EXPIRED_ACCESS_TOKEN } from '../../local/sandbox/spapi-errors';
import { errorOf, get, ORDERS, US } from '../support/spapi-client';

let lwa: LwaSandbox;
let spapi: SpApiSandbox;
const dir = mkdtempSync(join(tmpdir(), 'pagewalk-lwa-'));
beforeAll(async () => {
  lwa = await startLwaSandbox({ authority: createLwaAuthority({ credentials: sandboxLwaCredentials(dir) }) });
  spapi = await startSpApiSandbox({
    authority: lwa.authority,
    ordersPerMarketplace: 300,
    quotaScale: 1_000_000,
  });
});
afterAll(async () => {
  await Promise.all([lwa.close(), spapi.close()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: loosely typed JSON under test
  body: any;
}

/** POSTs form fields to the token endpoint, as an LWA client does. */
async function exchange(
  fields: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
): Promise<Reply> {
  const response = await fetch(`${lwa.url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: contentType.startsWith('application/json') ? JSON.stringify(fields) : new URLSearchParams(fields),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const grant = () => ({ grant_type: 'refresh_token', ...lwa.authority.credentials });
const ONE_ORDER = { createdAfter: '2025-12-05T00:00:00Z', marketplaceIds: US, maxResultsPerPage: '1' };

describe('the Login with Amazon sandbox', () => {
  it('exchanges a refresh token for an hour-long bearer access token that the SP-API sandbox accepts', async () => {
    const reply = await exchange(grant());

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(reply.body).toEqual({
      access_token: expect.stringMatching(/^Atza\|/),
      refresh_token: lwa.authority.credentials.refresh_token,
      token_type: 'bearer',
      expires_in: 3600,
    });
    expect((await get(spapi, ORDERS, ONE_ORDER, reply.body.access_token)).status).toBe(200);
    expect(lwa.stats.requests.at(-1)).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      grantType: 'refresh_token',
      outcome: 'ok',
    });
  });

  it("answers bad credentials in LWA's own error bodies", async () => {
    const { client_id, client_secret } = lwa.authority.credentials;
    expect(await exchange({ ...grant(), client_secret: `${client_secret}x` })).toMatchObject({
      status: 401,
      body: { error_description: 'Client authentication failed', error: 'invalid_client' },
    });
    expect((await exchange({ ...grant(), client_id: '' })).status).toBe(401);
    expect(await exchange({ ...grant(), refresh_token: 'Atzr|nope' })).toMatchObject({
      status: 400,
      body: {
        error_description: 'The request has an invalid grant parameter : refresh_token',
        error: 'invalid_grant',
      },
    });
    expect(await exchange({ grant_type: 'refresh_token', client_id, client_secret })).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'The request is missing a required parameter : refresh_token',
      },
    });
    expect((await exchange({ ...grant(), grant_type: 'client_credentials' })).body.error).toBe(
      'unsupported_grant_type',
    );
    // Key order is LWA's too: error_description first.
    expect(Object.keys((await exchange({ ...grant(), client_secret: 'x' })).body)).toEqual([
      'error_description',
      'error',
    ]);
    expect(JSON.stringify(lwa.stats)).not.toContain(client_secret);
  });

  it('issues tokens that expire, and refuses the refresh token once the seller revokes it', async () => {
    const own = await startLwaSandbox({ authority: createLwaAuthority() });
    const theirs = await startSpApiSandbox({
      authority: own.authority,
      ordersPerMarketplace: 300,
      quotaScale: 1_000_000,
    });
    try {
      own.authority.setAccessTokenLifetime(60);
      const fields = { grant_type: 'refresh_token', ...own.authority.credentials };
      const response = await fetch(`${own.url}/auth/o2/token`, {
        method: 'POST',
        body: new URLSearchParams(fields),
      });
      const body = (await response.json()) as { access_token: string; expires_in: number };
      expect(body.expires_in).toBe(60);
      own.authority.clock.advance(60_000);
      expect(errorOf(await get(theirs, ORDERS, ONE_ORDER, body.access_token), 403).details).toBe(
        EXPIRED_ACCESS_TOKEN,
      );

      own.authority.revokeRefreshToken();
      const refused = await fetch(`${own.url}/auth/o2/token`, {
        method: 'POST',
        body: new URLSearchParams(fields),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await Promise.all([own.close(), theirs.close()]);
    }
  });

  it('accepts a JSON body too, as LWA does, and fails on demand with server_error', async () => {
    expect((await exchange(grant(), 'application/json')).status).toBe(200);
    lwa.failNext(1);
    expect(await exchange(grant())).toMatchObject({ status: 500, body: { error: 'server_error' } });
  });
});

describe('the sandbox LWA credentials', () => {
  it('are kept per data folder, readable by its owner only, in Amazon formats', () => {
    const credentials = sandboxLwaCredentials(dir);
    expect(sandboxLwaCredentials(dir)).toEqual(credentials);
    expect(statSync(join(dir, LWA_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(sandboxLwaCredentials(undefined)).not.toEqual(credentials);
    expect(credentials).toEqual({
      client_id: expect.stringMatching(/^amzn1\.application-oa2-client\.[0-9a-f]{32}$/),
      client_secret: expect.stringMatching(/^amzn1\.oa2-cs\.v1\.[0-9a-f]{64}$/),
      refresh_token: expect.stringMatching(/^Atzr\|[A-Za-z0-9_-]+$/),
    });
  });
});
