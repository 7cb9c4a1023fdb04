/**
 * The local servers (the Step Functions endpoint with its console, the sandboxes, DynamoDB)
 * listen on loopback only and answer only requests addressed to them: a `Host` naming a
 * loopback address on the port the request came in on, and no `Origin` but their own. That
 * keeps a web page the developer happens to open from reaching them, through DNS rebinding
 * (a foreign name that resolves to 127.0.0.1 still sends its own `Host`) or through a
 * cross-site form or fetch (which carries the page's `Origin`). The AWS SDKs and the AWS CLI
 * send no `Origin`; a browser on the console sends the console's own.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Whether `host` (a bind address or a URL's hostname, IPv6 with or without brackets) is loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** `host:port` as a Host header carries it: a hostname and an optional port. */
function parseHostHeader(value: string): { hostname: string; port?: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  return { hostname: (match[1] as string).toLowerCase(), port: match[2] ? Number(match[2]) : undefined };
}

/** Whether a Host header names a loopback address on `port`. */
function addressedHere(value: string, port: number): boolean {
  const parsed = parseHostHeader(value);
  if (!parsed || !isLoopbackHost(parsed.hostname)) return false;
  return (parsed.port ?? 80) === port;
}

/** Whether an Origin header names this server: `http://` and a loopback host on `port`. */
function sameSite(origin: string, port: number): boolean {
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'http:' && addressedHere(parsed.host, port);
  } catch {
    return false; // `null` (a sandboxed frame, a file) or anything unparsable
  }
}

/**
 * Why this request must not be answered, or undefined when it may be: its `Host` is not a
 * loopback address on the port it came in on, or it carries an `Origin` that is not this
 * server (`http://` and a loopback `Host` on this port).
 */
export function foreignRequest(req: IncomingMessage): string | undefined {
  const port = req.socket.localPort ?? 0;
  const host = req.headers.host;
  if (!host || !addressedHere(host, port)) {
    return `this local server answers only requests to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}; the Host header was ${JSON.stringify(host ?? null)}`;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (!sameSite(origin, port)) {
    return `this local server answers no request from another site; the Origin header was ${JSON.stringify(origin)}`;
  }
  return undefined;
}

/** The bind address, checked: a local server never listens beyond this machine. */
export function loopbackBindAddress(host: string | undefined): string {
  const address = host ?? '127.0.0.1';
  if (!isLoopbackHost(address)) {
    throw new Error(
      `local servers listen on loopback only (127.0.0.1, ::1 or localhost); got ${JSON.stringify(address)}`,
    );
  }
  return address;
}
