/**
 * Login with Amazon (LWA): the access tokens the Selling Partner API wants in
 * `x-amz-access-token`. A Secrets Manager secret holds the application's `client_id` and
 * `client_secret` and the seller's `refresh_token`; a form-encoded `grant_type=refresh_token`
 * POST to `/auth/o2/token` exchanges them for an access token that lives `expires_in` seconds
 * (an hour). No SigV4: SP-API dropped it on 2023-10-02.
 *
 * The three secrets go to the LWA endpoint only, the access token to the API only, and none
 * of the four ever enters an error, a log line, the execution history, a run record or a
 * metric: every message here is built from the secret's ARN, the endpoint's origin, the HTTP
 * status and LWA's error code, never from a body that could quote a credential.
 */
import { AuthenticationFailed, assertIsError, PagewalkError, SourceUnavailable } from '../errors';
import { readBodyUpTo } from './http-body';
import { forgetSecret, readSecretFields } from './secrets';

/** The token endpoint's path on every LWA host (`api.amazon.com`, `api.amazon.co.uk`, `api.amazon.co.jp`). */
export const LWA_TOKEN_PATH = '/auth/o2/token';
/** The LWA origin SP-API's documentation names for every region. */
export const DEFAULT_LWA_ENDPOINT = 'https://api.amazon.com';
/** The variable that moves the LWA endpoint at deploy time (locally: the LWA sandbox). */
export const LWA_ENDPOINT_VARIABLE = 'PAGEWALK_ENDPOINT_URL_LWA';
/** The fields of an LWA secret, under the names LWA's own form uses. */
export const LWA_SECRET_FIELDS = ['client_id', 'client_secret', 'refresh_token'] as const;

/** A token answer is a few hundred bytes; anything far larger is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** What an `x-amz-access-token` header value may hold: fetch would quote anything else in its error. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;
/** LWA's error codes (RFC 6749 §5.2 and its extensions): anything else is not quoted. */
const OAUTH_CODE = /^[a-z_]{1,64}$/;

/** What to do about each code that means the credentials themselves are wrong. */
const REMEDY: Readonly<Record<string, string>> = {
  invalid_grant:
    'the refresh_token is invalid, expired or revoked: authorize the application again and store its new refresh token in the secret',
  invalid_client:
    'the client_id or client_secret is wrong, or the secret was rotated: store the application’s current LWA credentials in the secret',
  unauthorized_client: 'the application may not use the refresh_token grant',
};

/** Where a session gets its tokens. */
export interface LwaSettings {
  /** The secret holding `client_id`, `client_secret` and `refresh_token` (JSON). */
  readonly secretArn: string;
  /** The LWA origin, already checked (https://, or http:// to a loopback host); the path is appended. */
  readonly endpoint: string;
  /** Per-request timeout of the exchange, in milliseconds. */
  readonly timeoutMs: number;
  /** The source the tokens are for, named in messages. */
  readonly source: string;
}

/** The access tokens of one secret in this container. */
export interface LwaSession {
  /** A current access token: the cached one until shortly before it expires, else a fresh one. */
  accessToken(): Promise<string>;
  /**
   * The API refused `rejected` (403 Unauthorized): an access token issued after it, exchanging a
   * new one unless a concurrent call already did.
   */
  renew(rejected: string): Promise<string>;
}

/**
 * How long before `expires_in` runs out a token is no longer used: a minute, or a tenth of a
 * short lifetime, so a call never carries a token that expires on its way.
 */
export function expiryMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs / 10);
}

function parseObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    // Never the parser's message: the body may hold a token.
    return {};
  }
}

/** One refresh-token exchange: the access token and when to stop using it. */
async function exchange(
  settings: LwaSettings,
  now: () => number,
): Promise<{ token: string; refreshAt: number }> {
  const { secretArn, source } = settings;
  const origin = new URL(settings.endpoint).origin;
  const credentials = await readSecretFields(secretArn, LWA_SECRET_FIELDS);
  const startedAt = now();
  let response: Response;
  let text: string | undefined;
  try {
    response = await fetch(`${origin}${LWA_TOKEN_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', ...credentials }).toString(),
      // Never follow: the body carries the client secret and the refresh token.
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    text = await readBodyUpTo(response, MAX_ANSWER_BYTES);
  } catch (error) {
    if (error instanceof PagewalkError) throw error;
    assertIsError(error);
    // Only the error's own text: undici's messages name the host, never the request body.
    throw new SourceUnavailable(
      `Login with Amazon at ${origin} could not be reached for ${source}: ${error.message}`,
    );
  }
  const { status } = response;
  const body = parseObject(text);
  if (status === 200) {
    const token = body.access_token;
    const expiresIn = body.expires_in;
    if (
      typeof token !== 'string' ||
      !HEADER_VALUE.test(token) ||
      typeof expiresIn !== 'number' ||
      !(expiresIn > 0)
    ) {
      throw new AuthenticationFailed(
        `Login with Amazon at ${origin} answered HTTP 200 without a usable access_token and expires_in for the credentials in secret ${secretArn}`,
      );
    }
    const lifetimeMs = expiresIn * 1000;
    return { token, refreshAt: startedAt + lifetimeMs - expiryMarginMs(lifetimeMs) };
  }
  const code = typeof body.error === 'string' && OAUTH_CODE.test(body.error) ? body.error : undefined;
  if (status === 429 || status >= 500) {
    throw new SourceUnavailable(
      `Login with Amazon at ${origin} answered HTTP ${status}${code ? ` ${code}` : ''} for ${source}`,
    );
  }
  if (status >= 300 && status < 400) {
    throw new AuthenticationFailed(
      `Login with Amazon at ${origin} answered HTTP ${status}, a redirect; it is never followed (the request carries the client secret): point ${LWA_ENDPOINT_VARIABLE} at the token endpoint's own origin`,
    );
  }
  // The secret may have been fixed since it was read: the next run reads it again.
  forgetSecret(secretArn);
  const remedy = code ? REMEDY[code] : undefined;
  throw new AuthenticationFailed(
    `Login with Amazon refused the credentials in secret ${secretArn}: ${code ?? `HTTP ${status}`}${remedy ? ` (${remedy})` : ''}`,
  );
}

/**
 * A session that caches the access token until shortly before it expires and keeps one
 * exchange in flight at a time: calls that need a token meanwhile wait for that exchange.
 * `now` is the clock the expiry is measured on.
 */
export function createLwaSession(settings: LwaSettings, now: () => number = Date.now): LwaSession {
  let current: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const refresh = (): Promise<string> => {
    inFlight ??= exchange(settings, now)
      .then((fresh) => {
        current = fresh;
        return fresh.token;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  return {
    accessToken: async () => (current && now() < current.refreshAt ? current.token : refresh()),
    renew: async (rejected) => {
      if (inFlight) return inFlight;
      if (current && current.token !== rejected && now() < current.refreshAt) return current.token;
      current = undefined;
      return refresh();
    },
  };
}

const sessions = new Map<string, LwaSession>();

/** The container's session for a secret and an LWA endpoint: one cached token per pair. */
export function lwaSession(settings: LwaSettings): LwaSession {
  const key = `${settings.secretArn}|${settings.endpoint}`;
  let session = sessions.get(key);
  if (!session) {
    session = createLwaSession(settings);
    sessions.set(key, session);
  }
  return session;
}
