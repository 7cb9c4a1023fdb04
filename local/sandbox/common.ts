/**
 * Plumbing shared by the sandbox HTTP servers (`glue.ts`, `marketplace.ts`):
 * hashing, argument checks, fault countdowns, body reading, the request log,
 * signed NextTokens, the JSON server loop and the standalone entry point.
 *
 * Only protocol-neutral code lives here. Error shapes, status codes, routing
 * and pagination stay in each server, so every error a caller sees is still
 * built by the server that owns its wire format.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Largest request body a sandbox accepts, in bytes; larger ones are rejected before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;
// 16 bytes of HMAC is plenty to make forged or garbled tokens fail; it keeps tokens short.
const TOKEN_MAC_BYTES = 16;

/** SHA-256 digest of a UTF-8 string. */
export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Returns `n` if it is a non-negative integer; otherwise throws a RangeError naming `what`. */
export function checkCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

/** A fresh random token secret, so tokens minted by one sandbox are rejected by another. */
export function randomSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Resolves after `ms` milliseconds; used to add configured latency to responses. */
export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * A "the next `n` calls fail" switch. `arm` validates and sets the count; each
 * `take` uses one up, so a fault fires exactly `n` times and then stops.
 */
export class Countdown {
  #left = 0;

  /** @param label Names the switch in the RangeError `arm` throws for a bad count (e.g. `failNext`). */
  constructor(private readonly label: string) {}

  /** Makes the next `n` calls to `take` return true. */
  arm(n: number): void {
    this.#left = checkCount(n, this.label);
  }

  /** True while the countdown has calls left, using one up; false once it has run out. */
  take(): boolean {
    if (this.#left <= 0) return false;
    this.#left--;
    return true;
  }
}

/**
 * Reads a request body as UTF-8. Past `maxBytes` it rejects with `tooLarge()`
 * and destroys the request, so an oversized upload is never buffered in full.
 */
export function readBody(
  req: IncomingMessage,
  tooLarge: () => Error,
  maxBytes = MAX_BODY_BYTES,
): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Parses a request body as JSON, an empty body counting as `{}`. A body that is
 * not JSON comes back raw with `parsed: false` instead of throwing: it still
 * belongs in the request log, and each server decides how (and after which
 * checks) to reject it.
 */
export function parseJsonBody(raw: string): { body: unknown; parsed: boolean } {
  try {
    return { body: raw === '' ? {} : JSON.parse(raw), parsed: true };
  } catch {
    return { body: raw, parsed: false };
  }
}

/** The counters and request log every sandbox's `stats` carries (each adds its own fields). */
export interface RequestStats<Entry> {
  calls: number;
  byOperation: Record<string, number>;
  throttled: number;
  errors: number;
  requests: Entry[];
}

/** Counts one request under `operation` and logs `entry`, keeping only the newest `limit` entries. */
export function recordRequest<Entry>(
  stats: RequestStats<Entry>,
  operation: string,
  entry: Entry,
  limit: number,
): void {
  stats.calls++;
  stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
  stats.requests.push(entry);
  if (stats.requests.length > limit) stats.requests.splice(0, stats.requests.length - limit);
}

/**
 * Zeroes the shared counters and starts a new log. Fresh objects rather than
 * clearing in place, so snapshots a test took earlier keep their values.
 */
export function resetRequestStats<Entry>(stats: RequestStats<Entry>): void {
  stats.calls = 0;
  stats.byOperation = {};
  stats.throttled = 0;
  stats.errors = 0;
  stats.requests = [];
}

/** Signs NextToken state into opaque strings and verifies them on the way back. */
export interface TokenCodec {
  /** `base64url(mac || JSON)` of `state`; the caller chooses the fields. */
  encode(state: object): string;
  /**
   * The JSON state inside a token this codec signed (with the current secret);
   * throws `invalid()` for anything forged, edited, truncated or re-signed.
   * The caller still validates the fields against its own data.
   */
  decode(token: string, invalid: () => Error): unknown;
}

/**
 * HMAC-signed tokens. `secret` is read on every call, so a server that rotates
 * its secret (to expire tokens) invalidates every token issued before.
 */
export function createTokenCodec(secret: () => string): TokenCodec {
  const mac = (payload: Buffer): Buffer =>
    createHmac('sha256', secret()).update(payload).digest().subarray(0, TOKEN_MAC_BYTES);
  return {
    encode: (state) => {
      const payload = Buffer.from(JSON.stringify(state));
      return Buffer.concat([mac(payload), payload]).toString('base64url');
    },
    decode: (token, invalid) => {
      const raw = Buffer.from(token, 'base64url');
      // Decoding ignores stray characters and trailing bits; insisting on the
      // canonical encoding means any edit to the string is caught, not just most.
      if (raw.length <= TOKEN_MAC_BYTES || raw.toString('base64url') !== token) throw invalid();
      const payload = raw.subarray(TOKEN_MAC_BYTES);
      if (!timingSafeEqual(raw.subarray(0, TOKEN_MAC_BYTES), mac(payload))) throw invalid();
      try {
        return JSON.parse(payload.toString('utf8'));
      } catch {
        throw invalid();
      }
    },
  };
}

/** A response a sandbox sends: status, JSON payload and any headers beyond the standard ones. */
export interface JsonReply {
  status: number;
  payload: unknown;
  headers?: Record<string, string>;
  /** Sent instead of the JSON payload: what a proxy or load balancer in front of an API answers. */
  raw?: { contentType: string; text: string };
}

/** How {@link createJsonServer} turns requests into JSON responses. */
export interface JsonServerConfig {
  /** Value of the `content-type` header on every response. */
  contentType: string;
  /** Answers a request; its result is sent with status 200. */
  handle(req: IncomingMessage): Promise<unknown>;
  /** Turns whatever `handle` threw into the protocol's error response (and counts it). */
  onError(error: unknown): JsonReply;
  /** Current added latency in milliseconds, read once per response so it can change at run time. */
  latencyMs(): number;
}

/**
 * An HTTP server that answers every request with JSON: `handle`'s result, or
 * `onError`'s reply when it throws, delayed by the configured latency. Each
 * response carries a fresh `x-amzn-RequestId`, as AWS-style APIs do.
 */
export function createJsonServer(config: JsonServerConfig): Server {
  return createServer((req, res) => {
    void (async () => {
      let reply: JsonReply;
      try {
        reply = { status: 200, payload: await config.handle(req) };
      } catch (error) {
        reply = config.onError(error);
      }
      const latencyMs = config.latencyMs();
      if (latencyMs > 0) await sleep(latencyMs);
      // Nothing to answer if the connection is already gone (client hung up, body too large).
      if (!res.destroyed) sendJson(res, config.contentType, reply);
    })();
  });
}

function sendJson(res: ServerResponse, contentType: string, reply: JsonReply): void {
  const text = reply.raw ? reply.raw.text : JSON.stringify(reply.payload);
  res.writeHead(reply.status, {
    'content-type': reply.raw ? reply.raw.contentType : contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...reply.headers,
  });
  res.end(text);
}

/**
 * Starts `server` listening on `host` (default 127.0.0.1, never exposed beyond
 * the machine) and `port` (default 0, an ephemeral port); resolves with the
 * bound port and the base URL, bracketing IPv6 hosts.
 */
export async function listen(
  server: Server,
  host: string | undefined,
  port: number | undefined,
): Promise<{ port: number; url: string }> {
  const bindHost = host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return { port: bound, url: `http://${urlHost}:${bound}` };
}

/** Stops `server`, dropping open connections rather than waiting for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolveClose, reject) => {
    server.close((error) => (error ? reject(error) : resolveClose()));
    // Clients (the AWS SDK included) keep connections alive; without this,
    // close() waits for them to idle out.
    server.closeAllConnections();
  });
}

/**
 * `parseArgs` options every standalone sandbox accepts. Each sandbox has its
 * own default port so both can run side by side.
 */
export function serverArgOptions(defaultPort: string) {
  return {
    port: { type: 'string', default: defaultPort },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
    seed: { type: 'string' },
  } as const;
}

/** Sandbox options from the values of {@link serverArgOptions}. */
export function serverOptionsFrom(values: {
  port: string;
  host: string;
  'latency-ms': string;
  seed?: string | undefined;
}): { host: string; port: number; latencyMs: number; seed: string | undefined } {
  return {
    host: values.host,
    port: Number(values.port),
    latencyMs: Number(values['latency-ms']),
    seed: values.seed,
  };
}

/**
 * Runs `main` when the module at `moduleUrl` (pass `import.meta.url`) is the
 * process entry point, as with `npx tsx local/sandbox/glue.ts`, and not when
 * it is imported by tests; exits 1 if `main` fails.
 */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!isMainModule(moduleUrl)) return;
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // argv[1] may be relative or a symlink, while import.meta.url is the resolved real path.
    return moduleUrl === pathToFileURL(realpathSync(resolve(entry))).href;
  } catch {
    return false;
  }
}

/** Closes `sandbox` and exits 0 on SIGINT or SIGTERM, for standalone runs. */
export function closeOnSignals(sandbox: { close(): Promise<void> }): void {
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
