/**
 * SP-API continuation tokens: opaque, signed, and standard base64 that always holds `+`, `/`
 * and `=`, as Amazon's do. So a client that does not URL-encode a token exactly once (a raw
 * `+` arrives as a space, a doubly encoded one as `%2B`) gets what Amazon answers: 400
 * InvalidInput "We could not decode your NextToken ...". What a token means (position,
 * filters, when it was issued) is each operation's business; this only seals it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { undecodableToken } from './spapi-errors';

// Encodes as "+/+/": every token starts with both characters a client must escape.
const PREFIX = Buffer.from([0xfb, 0xff, 0xbf]);
const MAC_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={1,2}$/;

/** Seals token state into SP-API-like strings and opens them again. */
export interface SpApiTokenCodec {
  encode(state: object): string;
  /** The state inside a token this codec sealed; 400 InvalidInput (undecodable) for anything else. */
  decode(token: string): Record<string, unknown>;
}

/** A codec signing with `secret` under `purpose`, so tokens of one kind never open as another. */
export function createSpApiTokenCodec(secret: string, purpose: string): SpApiTokenCodec {
  const mac = (payload: Buffer): Buffer =>
    createHmac('sha256', `${secret}#${purpose}`).update(payload).digest().subarray(0, MAC_BYTES);
  return {
    encode: (state) => {
      let json = JSON.stringify(state);
      // A length that is not a multiple of 3 makes base64 end in `=` (JSON ignores the space).
      if ((PREFIX.length + MAC_BYTES + Buffer.byteLength(json)) % 3 === 0) json += ' ';
      const payload = Buffer.from(json);
      return Buffer.concat([PREFIX, mac(payload), payload]).toString('base64');
    },
    decode: (token) => {
      if (!BASE64.test(token)) throw undecodableToken();
      const raw = Buffer.from(token, 'base64');
      // Only the canonical encoding opens: any edit to the string is caught, not just most.
      if (raw.toString('base64') !== token || raw.length <= PREFIX.length + MAC_BYTES)
        throw undecodableToken();
      if (!raw.subarray(0, PREFIX.length).equals(PREFIX)) throw undecodableToken();
      const payload = raw.subarray(PREFIX.length + MAC_BYTES);
      if (!timingSafeEqual(raw.subarray(PREFIX.length, PREFIX.length + MAC_BYTES), mac(payload))) {
        throw undecodableToken();
      }
      try {
        const state: unknown = JSON.parse(payload.toString('utf8'));
        if (typeof state === 'object' && state !== null && !Array.isArray(state)) {
          return state as Record<string, unknown>;
        }
      } catch {
        // falls through to the same answer as any other garbage
      }
      throw undecodableToken();
    },
  };
}
