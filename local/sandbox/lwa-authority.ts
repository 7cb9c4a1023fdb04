/**
 * What Login with Amazon knows, shared by the local LWA token endpoint (which issues access
 * tokens) and the local SP-API (which checks them): the app's client id and secret, the
 * seller's refresh token, and signed access tokens that expire. Comparisons of secrets take
 * the same time whatever the guess; nothing here logs or returns a secret it was given.
 */
import { timingSafeEqual } from 'node:crypto';
import { createSandboxClock, type SandboxClock } from './clock';
import { createTokenCodec, randomSecret, sha256 } from './common';
import { generateLwaCredentials, type LwaCredentials } from './lwa-credentials';

/** LWA's access tokens live an hour. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

/** An LWA error answer: `error` is the OAuth code, `status` the HTTP status. */
export interface LwaFailure {
  readonly status: 400 | 401;
  readonly error: 'invalid_client' | 'invalid_grant';
  readonly error_description: string;
}

/** A successful refresh: LWA's answer body. */
export interface LwaGrant {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
}

/** What an access token is worth to SP-API. */
export type AccessTokenCheck = 'valid' | 'missing' | 'expired' | 'invalid';

export interface LwaAuthorityOptions {
  /** The credentials it accepts. Default: fresh ones. */
  readonly credentials?: LwaCredentials;
  /** Signs access tokens. Default: random, so another authority's tokens are refused. */
  readonly tokenSecret?: string;
  readonly clock?: SandboxClock;
  /** `expires_in` of the access tokens it issues. @default 3600 */
  readonly accessTokenLifetimeSeconds?: number;
}

export interface LwaAuthority {
  readonly credentials: LwaCredentials;
  readonly clock: SandboxClock;
  /** The refresh-token exchange: a grant, or why not (client first, then the refresh token, as OAuth says). */
  exchange(clientId: string, clientSecret: string, refreshToken: string): LwaGrant | LwaFailure;
  /** An access token as the exchange issues one, for tests that skip the HTTP round trip. */
  issueAccessToken(): string;
  /** What SP-API makes of an `x-amz-access-token` header. */
  check(token: string | undefined): AccessTokenCheck;
  /** Every access token issued so far is expired from now on (issued ones only: new ones are fine). */
  expireAccessTokens(): void;
  /** The refresh token is refused from now on (the seller revoked the app's authorization). */
  revokeRefreshToken(): void;
  /** Changes `expires_in` for tokens issued from now on. */
  setAccessTokenLifetime(seconds: number): void;
}

const ACCESS_TOKEN_PREFIX = 'Atza|';

function checkLifetime(seconds: number): number {
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new RangeError(`accessTokenLifetimeSeconds must be a number > 0, got ${seconds}`);
  }
  return seconds;
}

/** An LWA that accepts `credentials` and signs with `tokenSecret`. */
export function createLwaAuthority(options: LwaAuthorityOptions = {}): LwaAuthority {
  const credentials = options.credentials ?? generateLwaCredentials();
  const clock = options.clock ?? createSandboxClock();
  const secret = `${options.tokenSecret ?? randomSecret()}#lwa-access-token`;
  const codec = createTokenCodec(() => secret);
  let lifetimeSeconds = checkLifetime(
    options.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  );
  // Tokens are numbered as issued; those numbered below this one are expired.
  let expiredBelow = 0;
  let revoked = false;
  let issued = 0;
  const same = (given: string, expected: string) => timingSafeEqual(sha256(given), sha256(expected));

  const issueAccessToken = (): string => {
    const now = clock.now();
    return `${ACCESS_TOKEN_PREFIX}${codec.encode({ i: now, x: now + lifetimeSeconds * 1000, n: issued++ })}`;
  };

  return {
    credentials,
    clock,
    exchange: (clientId, clientSecret, refreshToken) => {
      if (!same(clientId, credentials.client_id) || !same(clientSecret, credentials.client_secret)) {
        return { status: 401, error: 'invalid_client', error_description: 'Client authentication failed' };
      }
      if (revoked || !same(refreshToken, credentials.refresh_token)) {
        return {
          status: 400,
          error: 'invalid_grant',
          error_description: 'The request has an invalid grant parameter : refresh_token',
        };
      }
      return {
        access_token: issueAccessToken(),
        refresh_token: credentials.refresh_token,
        token_type: 'bearer',
        expires_in: lifetimeSeconds,
      };
    },
    issueAccessToken,
    check: (token) => {
      if (token === undefined || token === '') return 'missing';
      if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return 'invalid';
      let state: unknown;
      try {
        state = codec.decode(token.slice(ACCESS_TOKEN_PREFIX.length), () => new Error('invalid'));
      } catch {
        return 'invalid';
      }
      const { n, x } = (state ?? {}) as { n?: unknown; x?: unknown };
      if (typeof n !== 'number' || typeof x !== 'number') return 'invalid';
      return x <= clock.now() || n < expiredBelow ? 'expired' : 'valid';
    },
    expireAccessTokens: () => {
      expiredBelow = issued;
    },
    revokeRefreshToken: () => {
      revoked = true;
    },
    setAccessTokenLifetime: (seconds) => {
      lifetimeSeconds = checkLifetime(seconds);
    },
  };
}
