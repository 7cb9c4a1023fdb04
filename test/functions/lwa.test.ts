/**
 * The Login with Amazon client: the refresh-token exchange against a mocked fetch, the secret
 * from a mocked Secrets Manager, the cache on a clock the test moves.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createLwaSession, type LwaSettings } from '../../functions/lib/sources/lwa';

const secrets = mockClient(SecretsManagerClient);

const CREDENTIALS = {
  client_id: 'amzn1.application-oa2-client.c1d2e3f4CLIENTID',
  client_secret: 'amzn1.oa2-cs.v1.s3cr3tCLIENTSECRET+/=',
  refresh_token: 'Atzr|IwEBREFRESHTOKEN+/=xyz',
};
const ACCESS_TOKEN = 'Atza|IwEBACCESSTOKEN0001';

/** The distinctive part of each secret value, after Amazon's fixed prefixes. */
const CORES = ['c1d2e3f4CLIENTID', 's3cr3tCLIENTSECRET+/=', 'IwEBREFRESHTOKEN+/=xyz', 'IwEBACCESSTOKEN0001'];
/** Every 5 characters in a row of every core: none may appear in what an error says. */
const FRAGMENTS = CORES.flatMap((core) =>
  Array.from({ length: core.length - 4 }, (_, i) => core.slice(i, i + 5)),
);

let n = 0;
/** A fresh secret per test: secrets are cached per container by ARN. */
function settings(): LwaSettings {
  n += 1;
  return {
    secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:spapi-lwa-${n}-AbCdEf`,
    endpoint: 'https://api.amazon.com',
    timeoutMs: 2000,
    source: 'spapi.orders',
  };
}

function holds(lwa: LwaSettings, value: Record<string, string> = CREDENTIALS) {
  secrets
    .on(GetSecretValueCommand, { SecretId: lwa.secretArn })
    .resolves({ SecretString: JSON.stringify(value) });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8' },
  });
const grant = (token = ACCESS_TOKEN, expiresIn = 3600) =>
  json(200, {
    access_token: token,
    refresh_token: CREDENTIALS.refresh_token,
    token_type: 'bearer',
    expires_in: expiresIn,
  });

let fetchMock: MockInstance<typeof fetch>;
beforeEach(() => {
  secrets.reset();
  fetchMock = vi.spyOn(globalThis, 'fetch');
});
afterEach(() => fetchMock.mockRestore());

/** What a caught error shows anywhere it can go: name, message, stack, cause. */
const shown = (error: unknown) => {
  const e = error as Error;
  return `${e.name} ${e.message} ${e.stack ?? ''} ${String(e.cause ?? '')}`;
};

describe('the refresh-token exchange', () => {
  it('posts the form-encoded refresh_token grant with the secret’s three fields to /auth/o2/token', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockResolvedValueOnce(grant());

    expect(await createLwaSession(lwa).accessToken()).toBe(ACCESS_TOKEN);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(String(url)).toBe('https://api.amazon.com/auth/o2/token');
    expect(init).toMatchObject({
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    });
    expect(Object.fromEntries(new URLSearchParams(String(init?.body)))).toEqual({
      grant_type: 'refresh_token',
      ...CREDENTIALS,
    });
  });

  it('keeps the access token until shortly before expires_in, then exchanges again', async () => {
    const lwa = settings();
    holds(lwa);
    let now = 1_000_000;
    const session = createLwaSession(lwa, () => now);
    fetchMock.mockResolvedValueOnce(grant('Atza|first')).mockResolvedValueOnce(grant('Atza|second'));

    expect(await session.accessToken()).toBe('Atza|first');
    now += 3540_000 - 1; // a minute before the hour is up
    expect(await session.accessToken()).toBe('Atza|first');
    now += 1;
    expect(await session.accessToken()).toBe('Atza|second');
    expect(fetchMock).toHaveBeenCalledTimes(2);
    // The secret is read once per container.
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('keeps one exchange in flight: concurrent calls share it', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockImplementation(async () => grant());
    const session = createLwaSession(lwa);

    const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    expect(tokens).toEqual([ACCESS_TOKEN, ACCESS_TOKEN, ACCESS_TOKEN]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});

describe('when the API refuses an access token', () => {
  it('exchanges once for every call that saw the same token refused', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockResolvedValueOnce(grant('Atza|old')).mockResolvedValueOnce(grant('Atza|new'));
    const session = createLwaSession(lwa);
    const old = await session.accessToken();

    const renewed = await Promise.all([session.renew(old), session.renew(old)]);
    expect(renewed).toEqual(['Atza|new', 'Atza|new']);
    // A late refusal of the old token does not exchange again.
    expect(await session.renew(old)).toBe('Atza|new');
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});

describe('when Login with Amazon refuses the credentials', () => {
  it.each([
    [
      'invalid_grant',
      400,
      'The request has an invalid grant parameter : refresh_token',
      'refresh_token is invalid',
    ],
    ['invalid_client', 401, 'Client authentication failed', 'client_id or client_secret is wrong'],
  ])(
    'fails with AuthenticationFailed naming the secret and %s, and no byte of any secret',
    async (code, status, description, remedy) => {
      const lwa = settings();
      holds(lwa);
      // An LWA that quotes what it was sent: nothing of it may reach the error.
      fetchMock.mockResolvedValue(
        json(status, { error_description: `${description} ${JSON.stringify(CREDENTIALS)}`, error: code }),
      );

      const error = await createLwaSession(lwa)
        .accessToken()
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'AuthenticationFailed' });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Login with Amazon refused the credentials in secret ${lwa.secretArn.replaceAll('.', '\\.')}: ${code} \\(the .*${remedy}`,
        ),
      );

      for (const piece of FRAGMENTS) expect(shown(error)).not.toContain(piece);
    },
  );

  it('reads the secret again on the next exchange, so fixed credentials are picked up', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock
      .mockResolvedValueOnce(json(400, { error_description: 'bad', error: 'invalid_grant' }))
      .mockResolvedValueOnce(grant());
    const session = createLwaSession(lwa);

    await expect(session.accessToken()).rejects.toMatchObject({ name: 'AuthenticationFailed' });
    expect(await session.accessToken()).toBe(ACCESS_TOKEN);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

describe('when Login with Amazon cannot answer', () => {
  it.each([
    [500, { error: 'server_error', error_description: 'unexpected condition' }],
    [503, 'Service Unavailable'],
    [429, { error: 'slow_down' }],
  ])(
    'answers HTTP %s: SourceUnavailable, retried by the state machine, and the next call exchanges again',
    async (status, body) => {
      const lwa = settings();
      holds(lwa);
      fetchMock
        .mockResolvedValueOnce(typeof body === 'string' ? new Response(body, { status }) : json(status, body))
        .mockResolvedValueOnce(grant());
      const session = createLwaSession(lwa);

      const error = await session.accessToken().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'SourceUnavailable' });
      expect((error as Error).message).toMatch(
        `Login with Amazon at https://api.amazon.com answered HTTP ${status}`,
      );
      expect(await session.accessToken()).toBe(ACCESS_TOKEN);
    },
  );

  it('cannot be reached: SourceUnavailable naming the host, not the request', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockRejectedValueOnce(new TypeError('fetch failed'));

    const error = await createLwaSession(lwa)
      .accessToken()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'SourceUnavailable',
      message:
        'Login with Amazon at https://api.amazon.com could not be reached for spapi.orders: fetch failed',
    });
  });

  it('answers 200 without a token (here quoting the request): AuthenticationFailed, quoting nothing', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockResolvedValueOnce(json(200, { echo: CREDENTIALS, access_token: `${ACCESS_TOKEN}\r\n` }));

    const error = await createLwaSession(lwa)
      .accessToken()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AuthenticationFailed' });
    for (const piece of FRAGMENTS) expect(shown(error)).not.toContain(piece);
  });

  it('answers a redirect: refused, never followed, since the request carries the client secret', async () => {
    const lwa = settings();
    holds(lwa);
    fetchMock.mockResolvedValueOnce(
      new Response(null, { status: 307, headers: { location: 'https://evil.example/' } }),
    );

    await expect(createLwaSession(lwa).accessToken()).rejects.toMatchObject({
      name: 'AuthenticationFailed',
      message: expect.stringContaining('HTTP 307, a redirect; it is never followed'),
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});

describe('a secret that is not an LWA secret', () => {
  it('fails naming the ARN and the missing field, before any exchange', async () => {
    const lwa = settings();
    holds(lwa, {
      client_id: CREDENTIALS.client_id,
      client_secret: CREDENTIALS.client_secret,
      refresh_token: '',
    });

    const error = await createLwaSession(lwa)
      .accessToken()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'SecretUnusable',
      message: `secret ${lwa.secretArn} is not usable: its SecretString must be a JSON object with the string fields client_id, client_secret, refresh_token; refresh_token is missing, empty or not a string`,
    });
    expect(fetchMock).not.toHaveBeenCalled();
    for (const piece of FRAGMENTS) expect(shown(error)).not.toContain(piece);
  });
});
