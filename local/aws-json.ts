/**
 * The HTTP plumbing of the local AWS-style APIs: the Step Functions endpoint (AWS JSON 1.0),
 * the Glue and Secrets Manager sandboxes (AWS JSON 1.1), the marketplace and SP-API sandboxes
 * (REST-JSON) and the Login with Amazon token endpoint. Reading a body with a size cap, the
 * JSON answer with its request id, the error every server throws (`ProtocolError`) and its
 * AWS JSON reply, the `X-Amz-Target` operation, refusing requests a browser page elsewhere
 * sent, listening on loopback and closing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PagewalkError } from '../functions/lib/errors';
import { foreignRequest, loopbackBindAddress } from './loopback';

/** Largest request body a sandbox accepts, in bytes; larger ones are rejected before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An error answer of a local API: `name` is the wire's error type (`__type`, or an SP-API
 * `code`), which the SDK turns into its exception class; `status` the HTTP status.
 */
export class ProtocolError extends PagewalkError {
  constructor(
    name: string,
    message: string,
    readonly status = 400,
  ) {
    super(name, message);
  }
}

/** The AWS JSON error reply: `{"__type", "<messageField>"}` and the `x-amzn-ErrorType` header. */
export function awsJsonError(error: ProtocolError, messageField: 'message' | 'Message'): JsonReply {
  return {
    status: error.status,
    payload: { __type: error.name, [messageField]: error.message },
    // AWS JSON clients take the error code from this header before `__type`.
    headers: { 'x-amzn-ErrorType': error.name },
  };
}

/** The operation an AWS JSON request names in `X-Amz-Target: <prefix><Operation>`, if it has that prefix. */
export function targetOperation(req: IncomingMessage, prefix: string): string | undefined {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.startsWith(prefix) && target.length > prefix.length ? target.slice(prefix.length) : undefined;
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

/** A response a sandbox sends: status, JSON payload and any headers beyond the standard ones. */
export interface JsonReply {
  status: number;
  payload: unknown;
  headers?: Record<string, string>;
  /** Sent instead of the JSON payload: what a proxy or load balancer in front of an API answers. */
  raw?: { contentType: string; text: string | Buffer };
}

/**
 * What `handle` returns to answer with a status or headers of its own (SP-API's
 * `x-amzn-RateLimit-Limit` on a 200, say) instead of a plain 200 with its payload.
 */
export class CustomReply {
  constructor(readonly reply: JsonReply) {}
}

/**
 * A route a local server answers beside its API (the console, the run API): the reply for a
 * request it knows, undefined for any other. `url` is the request's path and query.
 */
export type Route = (req: IncomingMessage, url: URL) => Promise<JsonReply | undefined>;

/** How {@link createJsonServer} turns requests into JSON responses. */
export interface JsonServerConfig {
  /** Value of the `content-type` header on every response. */
  contentType: string;
  /** Routes tried, in order, before `handle`; read per request, so they can be mounted late. */
  routes?(): readonly Route[];
  /** Answers a request; its result is sent with status 200, or as it says when it is a {@link CustomReply}. */
  handle(req: IncomingMessage): Promise<unknown>;
  /** Turns whatever `handle` threw into the protocol's error response (and counts it). */
  onError(error: unknown): JsonReply;
  /** Current added latency in milliseconds, read once per response so it can change at run time. */
  latencyMs(): number;
}

/**
 * An HTTP server that answers every request with JSON: a route's reply, `handle`'s result, or
 * `onError`'s reply when either throws, delayed by the configured latency. A request not
 * addressed to this loopback server (see ./loopback.ts) is refused with 403 before anything
 * reads it. Each response carries a fresh `x-amzn-RequestId`, as AWS-style APIs do.
 */
export function createJsonServer(config: JsonServerConfig): Server {
  return createServer((req, res) => {
    // Refused before anything reads the request, and in one shape whatever the protocol.
    const foreign = foreignRequest(req);
    if (foreign) {
      sendJson(
        res,
        'application/json',
        awsJsonError(new ProtocolError('AccessDeniedException', foreign, 403), 'message'),
      );
      return;
    }
    void (async () => {
      let reply: JsonReply;
      try {
        const result = (await routed(config, req)) ?? (await config.handle(req));
        reply = result instanceof CustomReply ? result.reply : { status: 200, payload: result };
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

async function routed(config: JsonServerConfig, req: IncomingMessage): Promise<CustomReply | undefined> {
  const routes = config.routes?.() ?? [];
  if (routes.length === 0) return undefined;
  const url = new URL(req.url ?? '/', 'http://localhost');
  for (const route of routes) {
    const reply = await route(req, url);
    if (reply) return new CustomReply(reply);
  }
  return undefined;
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

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The host part of a `Host` header or an origin's authority (`[::1]:8080` → `[::1]`). */
function hostName(authority: string): string {
  return authority.startsWith('[')
    ? authority.slice(0, authority.indexOf(']') + 1)
    : authority.split(':')[0]!;
}

/**
 * True when a request names this machine (or `boundHost`) in `Host`, and in `Origin` when a
 * browser sent one: a web page elsewhere cannot reach a local server that holds credentials by
 * DNS rebinding, nor read its answers from another origin.
 */
export function fromThisMachine(req: IncomingMessage, boundHost: string | undefined): boolean {
  // listen() takes IPv6 hosts bare (`::1`); Host headers bracket them.
  const bound = boundHost?.includes(':') ? `[${boundHost.toLowerCase()}]` : boundHost?.toLowerCase();
  const allowed = (name: string) => LOOPBACK_NAMES.has(name) || name === bound;
  const host = req.headers.host;
  if (typeof host !== 'string' || !allowed(hostName(host.toLowerCase()))) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const { protocol, host: originHost } = new URL(origin);
    return protocol === 'http:' && allowed(hostName(originHost.toLowerCase()));
  } catch {
    return false;
  }
}

/**
 * Starts `server` listening on `host` (default 127.0.0.1; a host that is not loopback is
 * refused, so nothing is ever exposed beyond the machine) and `port` (default 0, an ephemeral port); resolves with the
 * bound port and the base URL, bracketing IPv6 hosts.
 */
export async function listen(
  server: Server,
  host: string | undefined,
  port: number | undefined,
): Promise<{ port: number; url: string }> {
  const bindHost = loopbackBindAddress(host);
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
