/**
 * A local Login with Amazon token endpoint: `POST /auth/o2/token` with a form-encoded
 * `grant_type=refresh_token`, `refresh_token`, `client_id` and `client_secret` answers
 * `{access_token, refresh_token, token_type: "bearer", expires_in}`; bad client credentials
 * answer 401 `invalid_client`, a bad refresh token 400 `invalid_grant`, in LWA's own body
 * (`{"error_description", "error"}`). The access tokens it issues are the ones the local
 * SP-API accepts (both share an {@link LwaAuthority}), and they expire.
 *
 * Run standalone: `npx tsx local/sandbox/lwa.ts --port 4611` (prints where its credentials are).
 */
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { CustomReply, fromThisMachine, ProtocolError, parseJsonBody, readBody } from '../aws-json';
import { Countdown, type RequestStats, recordRequest } from './common';
import { createLwaAuthority, type LwaAuthority } from './lwa-authority';
import { sandboxLwaCredentials } from './lwa-credentials';
import {
  emptyRequestStats,
  runSandboxIfMain,
  type SandboxServer,
  type SandboxServerOptions,
  serverArgOptions,
  serverOptionsFrom,
  startSandboxServer,
} from './server';

/** The token endpoint's path, on `api.amazon.com` (NA), `api.amazon.co.uk` (EU), `api.amazon.co.jp` (FE). */
export const LWA_TOKEN_PATH = '/auth/o2/token';

export interface LwaSandboxOptions extends SandboxServerOptions {
  /** What it accepts and how it signs; share it with the SP-API sandbox. Default: a fresh one. */
  readonly authority?: LwaAuthority;
  /** How many recent requests `stats.requests` keeps. @default 1000 */
  readonly requestLogLimit?: number;
}

/** One exchange as the endpoint saw it: which fields came, never their values. */
export interface LwaRequestLog {
  path: string;
  contentType: string;
  grantType: string | undefined;
  fields: string[];
  /** The OAuth error answered, or `ok`. */
  outcome: string;
}

/** Counters: `byOperation` counts `token`; `throttled` stays 0 (the sandbox never throttles LWA). */
export type LwaSandboxStats = RequestStats<LwaRequestLog>;

/** A running LWA endpoint; its `url` is what `PAGEWALK_ENDPOINT_URL_LWA` points at (the endpoint is `${url}/auth/o2/token`). */
export interface LwaSandbox extends SandboxServer<LwaSandboxStats> {
  readonly authority: LwaAuthority;
  /** The next `n` exchanges answer 500 `server_error`. */
  failNext(n: number): void;
}

const FIELDS = ['grant_type', 'refresh_token', 'client_id', 'client_secret'] as const;

/** LWA's error answer. */
const oauthError = (status: number, error: string, description: string) =>
  new CustomReply({ status, payload: { error_description: description, error } });

/** The body's fields: form-encoded as LWA documents, or JSON, which it accepts too. */
function fieldsOf(raw: string, contentType: string): Record<string, string> {
  if (contentType.startsWith('application/json')) {
    const { body } = parseJsonBody(raw);
    if (typeof body !== 'object' || body === null) return {};
    return Object.fromEntries(
      Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** Starts a local LWA token endpoint; resolves once it is listening. */
export async function startLwaSandbox(options: LwaSandboxOptions = {}): Promise<LwaSandbox> {
  const authority = options.authority ?? createLwaAuthority();
  const failures = new Countdown('failNext');
  const stats: LwaSandboxStats = emptyRequestStats();
  const requestLogLimit = options.requestLogLimit ?? 1000;

  const handle = async (req: IncomingMessage): Promise<CustomReply> => {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    const raw = await readBody(
      req,
      () => new ProtocolError('invalid_request', 'The request is too large', 413),
    );
    const fields = path === LWA_TOKEN_PATH ? fieldsOf(raw, contentType) : {};
    const entry: LwaRequestLog = {
      path,
      contentType,
      grantType: fields.grant_type,
      fields: FIELDS.filter((name) => fields[name] !== undefined),
      outcome: 'ok',
    };
    recordRequest(stats, path === LWA_TOKEN_PATH ? 'token' : path, entry, requestLogLimit);
    const fail = (status: number, error: string, description: string) => {
      stats.errors++;
      entry.outcome = error;
      return oauthError(status, error, description);
    };
    if (!fromThisMachine(req, options.host))
      return fail(403, 'access_denied', 'Requests must come from this machine');
    if (path !== LWA_TOKEN_PATH || req.method !== 'POST')
      return fail(404, 'not_found', `No such endpoint: ${req.method} ${path}`);
    if (failures.take()) {
      return fail(
        500,
        'server_error',
        'The authorization server encountered an unexpected condition which prevented it from fulfilling the request',
      );
    }
    if (fields.grant_type === undefined) {
      return fail(400, 'invalid_request', 'The request is missing a required parameter : grant_type');
    }
    if (fields.grant_type !== 'refresh_token') {
      return fail(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server',
      );
    }
    const missing = FIELDS.find((name) => fields[name] === undefined);
    if (missing === 'client_id' || missing === 'client_secret') {
      return fail(401, 'invalid_client', 'Client authentication failed');
    }
    if (missing)
      return fail(400, 'invalid_request', `The request is missing a required parameter : ${missing}`);
    const result = authority.exchange(
      fields.client_id ?? '',
      fields.client_secret ?? '',
      fields.refresh_token ?? '',
    );
    if ('error' in result) return fail(result.status, result.error, result.error_description);
    return new CustomReply({ status: 200, payload: result });
  };

  const server = await startSandboxServer(options, stats, {
    contentType: 'application/json;charset=UTF-8',
    handle,
    onError: (error) => ({
      status: error instanceof ProtocolError ? error.status : 500,
      payload: {
        error_description: error instanceof Error ? error.message : String(error),
        error: 'server_error',
      },
    }),
  });
  return { ...server, authority, failNext: (n) => failures.arm(n) };
}

runSandboxIfMain(import.meta.url, async () => {
  const { values } = parseArgs({
    options: { ...serverArgOptions('4611'), 'data-dir': { type: 'string', default: '.pagewalk' } },
  });
  const dataDir = values['data-dir'];
  const sandbox = await startLwaSandbox({
    ...serverOptionsFrom(values),
    authority: createLwaAuthority({ credentials: sandboxLwaCredentials(dataDir) }),
  });
  console.log(`LWA sandbox: POST ${sandbox.url}${LWA_TOKEN_PATH}`);
  console.log(`  it accepts the credentials in ${dataDir}/sandbox-lwa-credentials.json`);
  return sandbox;
});
