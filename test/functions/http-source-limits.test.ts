import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpSource } from '../../functions/lib/sources/http-source';
import { checkedHttp } from '../support/definitions';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:vendor-key-AbCdEf';
const CREDENTIAL = 'sk_live_TOPSECRET42';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

interface LoopbackApi {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterAll(async () => {
  // Keep-alive sockets and the never-ending answer would otherwise hold close() open.
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

/** A real HTTP server on 127.0.0.1 that records what reached it and answers with `answer`. */
async function loopbackApi(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackApi> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function definition(baseUrl: string, overrides: Record<string, unknown> = {}) {
  return checkedHttp(
    {
      name: 'vendor.orders',
      signal: 'tokenPresence',
      endpoint: { baseUrl },
      params: {},
      pageSize: { min: 1, max: 100, default: 100 },
      origin: { method: 'POST', path: '/list', body: { MaxResults: '{pageSize}' } },
      continuation: { method: 'GET', path: '/list', query: { token: '{nextToken}' } },
      response: { items: 'Items', itemKey: 'Id', nextToken: 'NextToken' },
      auth: { secretArn: SECRET_ARN, header: 'X-Api-Key' },
      ...overrides,
    },
    'test/vendor.json',
  );
}

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: CREDENTIAL });
});

describe('when the API answers with a redirect to another origin', () => {
  it.each([
    ['the origin call (POST)', 307, 'origin'],
    ['the continuation call (GET)', 302, 'continuation'],
  ] as const)(
    'refuses it on %s: the credential never reaches the other origin and the error names the status and the target origin',
    async (_name, status, call) => {
      const other = await loopbackApi((_req, res) => res.end(JSON.stringify({ Items: [] })));
      const api = await loopbackApi((_req, res) => {
        res.writeHead(status, { location: `${other.url}/steal?token=abc` });
        res.end();
      });
      const source = createHttpSource(definition(api.url));

      const fetching =
        call === 'origin'
          ? source.fetch({ kind: 'origin', params: {}, pageSize: 10 })
          : source.fetch({ kind: 'continuation', params: {}, pageSize: 10, nextToken: 'next-1' });
      const error = await fetching.catch((caught: unknown) => caught as Error);

      expect(error).toMatchObject({
        name: 'RedirectRefused',
        status,
        message: `vendor.orders answered HTTP ${status} redirecting to ${other.url}; redirects are never followed (the request carries the credential): point endpoint.baseUrl at the final origin`,
      });
      expect(api.received).toHaveLength(1);
      expect(api.received[0]?.headers['x-api-key']).toBe(CREDENTIAL);
      expect(other.received).toEqual([]);
    },
  );
});

describe('the response size cap', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fails a 50 MB streamed body with the size error, closes the stream early and keeps memory bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const target = 50 * 1024 * 1024;
    let sent = 0;
    const api = await loopbackApi((_req, res) => {
      // No Content-Length: the cap must hold while the body streams in.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"Items":["');
      const pump = () => {
        while (sent < target && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"]}');
      };
      pump();
    });
    const source = createHttpSource(definition(api.url, { maxResponseBytes: 1024 * 1024 }));

    const baseline = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
    }, 2);
    const error = await source
      .fetch({ kind: 'origin', params: {}, pageSize: 10 })
      .catch((caught: unknown) => caught as Error);
    clearInterval(sampler);

    expect(error).toMatchObject({
      name: 'ResponseTooLarge',
      message: expect.stringContaining(
        'vendor.orders answered HTTP 200 with a body of more than 1048576 bytes, over maxResponseBytes (1048576)',
      ),
    });
    // The client stopped reading: the server got to send only a fraction before the socket closed.
    await vi.waitFor(() => expect(api.received).toHaveLength(1));
    expect(sent).toBeLessThan(target / 2);
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });

  it('fails before reading when Content-Length already says the body is over the default 10 MiB', async () => {
    const api = await loopbackApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(11 * 1024 * 1024) });
      res.write('{"Items":[');
      // Never finishes: only the header may decide.
    });
    const source = createHttpSource(definition(api.url));

    await expect(source.fetch({ kind: 'origin', params: {}, pageSize: 10 })).rejects.toMatchObject({
      name: 'ResponseTooLarge',
      message: expect.stringContaining(
        `a body of ${11 * 1024 * 1024} bytes (Content-Length), over maxResponseBytes (10485760)`,
      ),
    });
  });

  it('reads a body at the cap in full', async () => {
    const body = JSON.stringify({ Items: [{ Id: '1', pad: 'x'.repeat(2000) }] });
    const api = await loopbackApi((_req, res) => res.end(body));
    const source = createHttpSource(definition(api.url, { maxResponseBytes: Buffer.byteLength(body) }));

    await expect(source.fetch({ kind: 'origin', params: {}, pageSize: 10 })).resolves.toMatchObject({
      items: [{ Id: '1' }],
      nextToken: null,
    });
  });
});

describe('when an error answer is not JSON', () => {
  it.each([502, 503])(
    'treats an HTML %i as transient: SourceUnavailable, retried by the state machine',
    async (status) => {
      const api = await loopbackApi((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end('<html><body>Bad Gateway</body></html>');
      });
      await expect(
        createHttpSource(definition(api.url)).fetch({ kind: 'origin', params: {}, pageSize: 10 }),
      ).rejects.toMatchObject({
        name: 'SourceUnavailable',
        message: `vendor.orders answered HTTP ${status}: vendor.orders answered HTTP ${status} with a body that is not JSON`,
      });
    },
  );

  it('treats an HTML 403 as permanent, named after its status', async () => {
    const api = await loopbackApi((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html>Forbidden by the WAF</html>');
    });
    await expect(
      createHttpSource(definition(api.url)).fetch({ kind: 'origin', params: {}, pageSize: 10 }),
    ).rejects.toMatchObject({
      name: 'Http403',
      status: 403,
      message: 'vendor.orders answered HTTP 403 with a body that is not JSON',
    });
  });
});

describe('when the API quotes the credential back in its error', () => {
  it('keeps the credential out of the error the run records', async () => {
    const api = await loopbackApi((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ code: 'Unauthorized', message: `invalid key ${req.headers['x-api-key']}` }],
        }),
      );
    });
    const source = createHttpSource(
      definition(api.url, { errors: { codePath: 'errors.0.code', messagePath: 'errors.0.message' } }),
    );

    const error = (await source
      .fetch({ kind: 'origin', params: {}, pageSize: 10 })
      .catch((caught: unknown) => caught)) as Error;

    expect(api.received[0]?.headers['x-api-key']).toBe(CREDENTIAL);
    expect(error).toMatchObject({ name: 'Unauthorized', message: 'invalid key [credential]' });
    expect(`${error.message} ${error.stack}`).not.toContain(CREDENTIAL);
  });
});

describe('the endpoint rule', () => {
  it.each(['http://api.example.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.nip.io'])(
    'rejects plain http:// to a host that is not loopback (%s), naming the field',
    (baseUrl) => {
      expect(() => definition(baseUrl)).toThrow(
        `source definition test/vendor.json: /endpoint/baseUrl must be an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1]): plain http:// would send params and credentials in the clear; got "${baseUrl}"`,
      );
    },
  );

  it('rejects a user and password in the URL without repeating them: credentials come from Secrets Manager only', () => {
    expect(() => definition('https://svc:hunter2@api.example.com')).toThrow(
      '/endpoint/baseUrl must be an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1]), without user or password: credentials come from auth.secretArn; got "https://***@api.example.com"',
    );
  });

  it.each(['https://api.example.com', 'http://127.0.0.1:8080', 'http://localhost:3000', 'http://[::1]:3000'])(
    'accepts %s',
    (baseUrl) => {
      expect(definition(baseUrl).endpoint.baseUrl).toBe(baseUrl);
    },
  );

  it('refuses a deploy-time override to plain http:// on another host, without calling it', async () => {
    const api = await loopbackApi((_req, res) => res.end('{}'));
    vi.stubEnv('PAGEWALK_ENDPOINT_URL_VENDOR', 'http://api.example.com');
    try {
      const source = createHttpSource(
        definition(api.url, { endpoint: { baseUrl: api.url, variable: 'PAGEWALK_ENDPOINT_URL_VENDOR' } }),
      );
      await expect(source.fetch({ kind: 'origin', params: {}, pageSize: 10 })).rejects.toThrow(
        /^PAGEWALK_ENDPOINT_URL_VENDOR \(the endpoint of vendor\.orders\) must be an https:\/\/ origin/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
    expect(api.received).toEqual([]);
  });

  it.each([
    [{ maxResponseBytes: 100 }, '/maxResponseBytes must be an integer from 1024 to 104857600; got 100'],
    [
      { auth: { secretArn: SECRET_ARN, header: 'X-Api-Key', kmsKeyArn: 'alias/vendor' } },
      '/auth/kmsKeyArn must match ^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$ (The customer managed key the secret is encrypted with (a key ARN, not an alias)); got "alias/vendor"',
    ],
  ])('rejects %j naming the field', (overrides, message) => {
    expect(() => definition('https://api.example.com', overrides)).toThrow(
      `source definition test/vendor.json: ${message}`,
    );
  });
});
