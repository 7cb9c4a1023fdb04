/**
 * What the sandboxes share besides their servers (`./server.ts`, `../aws-json.ts`): hashing,
 * argument checks, fault countdowns, the request log and signed NextTokens.
 *
 * Error shapes, status codes, routing and pagination stay in each server, so every error a
 * caller sees is still built by the server that owns its wire format.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
