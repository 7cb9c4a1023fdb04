/**
 * The small API behind `test.paced`, `test.unpaced` and `test.logStream` (see
 * paced-definitions.ts): `GET /items?stream=&limit=` then `GET /items?stream=&token=`, pages of
 * `id`s, tokens `p<n>` for page n. As a function (for a mocked `fetch` on a fake clock) or on a
 * loopback port (for the state machine on the local engine, on the real clock), with a server
 * side token bucket that answers 429 `QuotaExceeded` as SP-API does when it is empty, and the
 * `x-amzn-RateLimit-Limit` header on every 200.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PacedApiOptions {
  /** Pages of `perPage` items; a log stream has this many, then answers with the token it got. */
  readonly pages: number;
  readonly perPage: number;
  /** The server's own bucket: it answers 429 when it is empty. Unset: it never does. */
  readonly quota?: { readonly rate: number; readonly burst: number };
  /** The rate the header reports; unset: no header. */
  readonly reportedRate?: number;
  /** A log stream: past the last page it answers with the same token and no items. */
  readonly repeatAtEnd?: boolean;
  readonly now?: () => number;
}

/** One request as the API saw it. */
export interface PacedCall {
  readonly at: number;
  readonly token: string | null;
  readonly status: number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export class PacedApi {
  readonly calls: PacedCall[] = [];
  /** Answers the next `n` calls with 429, whatever the bucket says. */
  throttleNext = 0;
  reportedRate: number | undefined;
  pages: number;
  private tokens: number;
  private tokensAt: number;
  private readonly now: () => number;

  constructor(private readonly options: PacedApiOptions) {
    this.now = options.now ?? Date.now;
    this.reportedRate = options.reportedRate;
    this.pages = options.pages;
    this.tokens = options.quota?.burst ?? 0;
    this.tokensAt = this.now();
  }

  /** Every item id the API holds, in page order. */
  ids(): string[] {
    return Array.from({ length: this.pages * this.options.perPage }, (_, i) => itemId(i));
  }

  /** Calls answered 429. */
  get throttled(): number {
    return this.calls.filter((c) => c.status === 429).length;
  }

  /** Answers one request, given its URL. */
  answer(url: URL): { status: number; headers: Record<string, string>; body: string } {
    const token = url.searchParams.get('token');
    const done = (status: number) => this.calls.push({ at: this.now(), token, status });
    if (this.throttleNext > 0 || !this.takeQuota()) {
      this.throttleNext = Math.max(0, this.throttleNext - 1);
      done(429);
      return json(429, {
        errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }],
      });
    }
    const page = token === null ? 1 : Number(/^p(\d+)$/.exec(token)?.[1] ?? Number.NaN);
    if (!Number.isInteger(page) || page < 1) {
      done(400);
      return json(400, {
        errors: [{ code: 'InvalidInput', message: 'We could not decode your NextToken.' }],
      });
    }
    const header: Record<string, string> =
      this.reportedRate === undefined ? {} : { 'x-amzn-RateLimit-Limit': String(this.reportedRate) };
    done(200);
    if (page > this.pages) {
      // Only a log stream hands out a token past its last page: the same one, until items come.
      return json(200, { items: [], next: token }, header);
    }
    const { perPage } = this.options;
    const items = Array.from({ length: perPage }, (_, i) => ({ id: itemId((page - 1) * perPage + i) }));
    const more = page < this.pages || this.options.repeatAtEnd;
    return json(200, { items, next: more ? `p${page + 1}` : null }, header);
  }

  /** A `fetch` that answers from this API, for handler tests. */
  readonly fetch = async (input: string | URL | Request): Promise<Response> => {
    const { status, headers, body } = this.answer(new URL(input instanceof Request ? input.url : input));
    return new Response(body, { status, headers });
  };

  /** Serves the API on a loopback port. */
  async listen(): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      const { status, headers, body } = this.answer(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(status, headers).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => {
        server.closeAllConnections();
        return new Promise((done) => server.close(() => done()));
      },
    };
  }

  private takeQuota(): boolean {
    const quota = this.options.quota;
    if (!quota) return true;
    const now = this.now();
    this.tokens = Math.min(quota.burst, this.tokens + ((now - this.tokensAt) / 1000) * quota.rate);
    this.tokensAt = now;
    // A client that paces itself exactly may arrive a little early by the server's clock (its
    // requests' own latency varies, the more so on a loaded machine): 100 ms of slack.
    if (this.tokens < 1 - 0.1 * quota.rate) return false;
    this.tokens -= 1;
    return true;
  }
}

function itemId(i: number): string {
  return `item-${String(i).padStart(5, '0')}`;
}
