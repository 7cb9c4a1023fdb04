import type { PaginationSignal } from '../cursor';
import { assertIsError, PagewalkError } from '../errors';
import { describe, isRecord, rejectUnknownKeys } from '../validate';

/**
 * A declarative HTTP JSON source: deployed configuration (a JSON file in `sources/`), not
 * code. An execution only names a definition; the URL, the credentials and the mapping are
 * fixed here, so nobody can point the Lambda at another host from the console.
 */
export interface HttpSourceDefinition {
  /** The name executions use as `source`, e.g. `marketplace.orders`. */
  readonly name: string;
  readonly description?: string;
  readonly signal: PaginationSignal;
  /** Where the API lives; the variable (set at deploy time, never from input) may override it. */
  readonly endpoint: { readonly baseUrl: string; readonly variable?: string };
  /** The execution's `params`: each a string or an integer, with optional constraints. */
  readonly params: Record<string, ParamSpec>;
  readonly pageSize: { readonly min: number; readonly max: number; readonly default: number };
  /** The first call of a pass. Strings `{params.X}`, `{pageSize}` are filled in. */
  readonly origin: HttpRequestTemplate;
  /** Every later call; `{nextToken}` carries the token. */
  readonly continuation: HttpRequestTemplate;
  readonly response: {
    /** Dot path to the array of items, e.g. `payload.Orders`. */
    readonly items: string;
    /** Field of an item holding its natural key. */
    readonly itemKey: string;
    readonly nextToken: string;
    readonly hasNext?: string;
    readonly moreResultsAvailable?: string;
  };
  readonly errors?: {
    /** Dot paths to the API's error code and message in an error body. */
    readonly codePath?: string;
    readonly messagePath?: string;
    readonly rules?: readonly ErrorRule[];
  };
  /** Credentials from Secrets Manager, sent as a header. Never from execution input. */
  readonly auth?: {
    readonly secretArn: string;
    readonly header: string;
    /** The secret is a JSON object and the credential is this field of it. @default - the whole SecretString */
    readonly field?: string;
    /**
     * The customer managed KMS key the secret is encrypted with: fetch-page may then use it
     * to decrypt, only through Secrets Manager. @default - the secret uses aws/secretsmanager
     */
    readonly kmsKeyArn?: string;
  };
  /**
   * The API's quota, which the state machine paces the run to ("Wait for quota"); a response
   * header naming the allowed rate (SP-API's `x-amzn-RateLimit-Limit`) replaces `rate`.
   * @default - not paced: a throttle is retried by the Task's Retry
   */
  readonly usagePlan?: { readonly rate: number; readonly burst: number; readonly rateLimitHeader?: string };
  /** Seconds a continuation token stays valid. @default - no known lifetime */
  readonly tokenLifetimeSeconds?: number;
  /** A continuation answered with the token it sent means "nothing more for now". @default false */
  readonly repeatedTokenMeansCaughtUp?: boolean;
  /** Per-request timeout. @default 20000 */
  readonly timeoutMs?: number;
  /**
   * Largest response body read, in bytes (1 KiB to 100 MiB), counted while it streams in:
   * a larger or endless body fails the call instead of exhausting the function's memory.
   * @default 10485760 (10 MiB)
   */
  readonly maxResponseBytes?: number;
}

/** The response size cap when a definition sets none: far above any sane page, far below 256 MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const MAX_RESPONSE_BYTES_RANGE = { min: 1024, max: 100 * 1024 * 1024 } as const;

/** Hosts plain http:// may name: nothing leaves the machine, so nothing is sent in the clear. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** Describes an endpoint for an error message, with any user and password in it masked. */
export function describeEndpoint(url: unknown): string {
  return typeof url === 'string' ? describe(url.replace(/\/\/[^/?#@]*@/, '//***@')) : describe(url);
}

/**
 * Why `url` may not be an HTTP source's endpoint, or undefined when it may: an origin
 * (no path, query or fragment), `https://`, or `http://` to a loopback host only (tests,
 * sandboxes), so a credential never travels in the clear.
 */
export function endpointProblem(url: unknown): string | undefined {
  const shape =
    'an https:// origin like "https://api.example.com" (http:// only for localhost, 127.0.0.1 or [::1])';
  if (typeof url !== 'string' || !/^https?:\/\/[^/?#\s]+\/?$/.test(url)) return `must be ${shape}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be ${shape}`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return `must be ${shape}, without user or password: credentials come from auth.secretArn`;
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return `must be ${shape}: plain http:// would send params and credentials in the clear`;
  }
  return undefined;
}

export interface ParamSpec {
  readonly type: 'string' | 'integer';
  readonly required?: boolean;
  readonly pattern?: string;
  readonly min?: number;
  readonly max?: number;
  readonly default?: string | number;
}

export interface HttpRequestTemplate {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: Record<string, unknown>;
}

/** What an error response means to the state machine. */
export type ErrorMeaning = 'corruptedToken' | 'throttled' | 'transient' | 'permanent';

export interface ErrorRule {
  /** HTTP status (or statuses) the rule matches. */
  readonly status: number | readonly number[];
  /** The API's error code the rule matches; any code when omitted. */
  readonly code?: string;
  /** Which call the rule applies to; both when omitted. */
  readonly on?: 'origin' | 'continuation';
  readonly means: ErrorMeaning;
}

const SIGNALS = ['tokenPresence', 'hasNext', 'moreResultsAvailable'] as const;
const MEANINGS = ['corruptedToken', 'throttled', 'transient', 'permanent'] as const;
const NAME_PATTERN = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;
/** Only these variables may move an endpoint, so a definition cannot read other settings as a URL. */
const ENDPOINT_VARIABLE_PATTERN = /^PAGEWALK_ENDPOINT_URL_[A-Z0-9_]+$/;
const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** A KMS key ARN (not an alias: an IAM grant on an alias does not cover the key). */
export const KMS_KEY_ARN_PATTERN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$/;
const PLACEHOLDER = /\{(params\.[A-Za-z0-9_]+|pageSize|nextToken)\}/g;

class DefinitionError extends PagewalkError {
  constructor(where: string, message: string) {
    super('InvalidSourceDefinition', `source definition ${where}: ${message}`);
  }
}

/**
 * Validates a parsed definition file, naming the file, the field and what is allowed.
 * Used at cold start by the Lambda and at synth by the CDK stack, so a malformed
 * definition never deploys.
 */
export function parseHttpSourceDefinition(raw: unknown, where: string): HttpSourceDefinition {
  const fail = (message: string): never => {
    throw new DefinitionError(where, message);
  };
  const check = (condition: boolean, message: string) => {
    if (!condition) fail(message);
  };
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      assertIsError(error);
      fail(error.message);
    }
  };
  if (!isRecord(raw)) return fail('must be a JSON object');
  guard(() =>
    rejectUnknownKeys(
      raw,
      [
        '$comment',
        'name',
        'description',
        'signal',
        'endpoint',
        'params',
        'pageSize',
        'origin',
        'continuation',
        'response',
        'errors',
        'auth',
        'timeoutMs',
        'maxResponseBytes',
        'usagePlan',
        'tokenLifetimeSeconds',
        'repeatedTokenMeansCaughtUp',
      ],
      '',
    ),
  );

  check(
    typeof raw.name === 'string' && NAME_PATTERN.test(raw.name),
    `name must look like "family.operation"; got ${describe(raw.name)}`,
  );
  check(
    SIGNALS.includes(raw.signal as never),
    `signal must be one of: ${SIGNALS.join(', ')}; got ${describe(raw.signal)}`,
  );

  const endpoint = raw.endpoint;
  check(isRecord(endpoint), 'endpoint must be an object with baseUrl');
  const ep = endpoint as Record<string, unknown>;
  guard(() => rejectUnknownKeys(ep, ['baseUrl', 'variable'], 'endpoint.'));
  const endpointError = endpointProblem(ep.baseUrl);
  check(
    endpointError === undefined,
    `endpoint.baseUrl ${endpointError}; got ${describeEndpoint(ep.baseUrl)}`,
  );
  check(
    ep.variable === undefined ||
      (typeof ep.variable === 'string' && ENDPOINT_VARIABLE_PATTERN.test(ep.variable)),
    `endpoint.variable must match ${ENDPOINT_VARIABLE_PATTERN.source}; got ${describe(ep.variable)}`,
  );

  const params = raw.params ?? {};
  check(isRecord(params), 'params must be an object of parameter specs');
  for (const [key, spec] of Object.entries(params as Record<string, unknown>)) {
    check(/^[A-Za-z][A-Za-z0-9_]*$/.test(key), `params.${key} is not a valid parameter name`);
    check(isRecord(spec), `params.${key} must be an object`);
    const s = spec as Record<string, unknown>;
    guard(() =>
      rejectUnknownKeys(s, ['type', 'required', 'pattern', 'min', 'max', 'default'], `params.${key}.`),
    );
    check(
      s.type === 'string' || s.type === 'integer',
      `params.${key}.type must be one of: string, integer; got ${describe(s.type)}`,
    );
    if (s.pattern !== undefined) {
      guard(() => new RegExp(String(s.pattern)));
    }
  }

  const pageSize = raw.pageSize;
  check(isRecord(pageSize), 'pageSize must be an object with min, max and default');
  const ps = pageSize as Record<string, unknown>;
  const ints = [ps.min, ps.max, ps.default].every((n) => Number.isInteger(n) && (n as number) >= 1);
  check(
    ints && (ps.min as number) <= (ps.default as number) && (ps.default as number) <= (ps.max as number),
    `pageSize needs integers 1 <= min <= default <= max; got ${describe(pageSize)}`,
  );

  const origin = parseRequest(raw.origin, 'origin', Object.keys(params as object), false, fail);
  const continuation = parseRequest(
    raw.continuation,
    'continuation',
    Object.keys(params as object),
    true,
    fail,
  );

  const response = raw.response;
  check(isRecord(response), 'response must be an object with items, itemKey and nextToken paths');
  const r = response as Record<string, unknown>;
  guard(() =>
    rejectUnknownKeys(r, ['items', 'itemKey', 'nextToken', 'hasNext', 'moreResultsAvailable'], 'response.'),
  );
  for (const field of ['items', 'itemKey', 'nextToken'] as const) {
    check(typeof r[field] === 'string' && r[field] !== '', `response.${field} must be a dot path string`);
  }
  if (raw.signal === 'hasNext')
    check(typeof r.hasNext === 'string', 'response.hasNext is required when signal is hasNext');
  if (raw.signal === 'moreResultsAvailable') {
    check(
      typeof r.moreResultsAvailable === 'string',
      'response.moreResultsAvailable is required when signal is moreResultsAvailable',
    );
  }

  if (raw.errors !== undefined) {
    check(isRecord(raw.errors), 'errors must be an object');
    const e = raw.errors as Record<string, unknown>;
    guard(() => rejectUnknownKeys(e, ['codePath', 'messagePath', 'rules'], 'errors.'));
    check(e.rules === undefined || Array.isArray(e.rules), 'errors.rules must be an array');
    for (const [i, rule] of ((e.rules as unknown[]) ?? []).entries()) {
      check(isRecord(rule), `errors.rules[${i}] must be an object`);
      const rr = rule as Record<string, unknown>;
      guard(() => rejectUnknownKeys(rr, ['status', 'code', 'on', 'means'], `errors.rules[${i}].`));
      const statuses = Array.isArray(rr.status) ? rr.status : [rr.status];
      check(
        statuses.every((s) => Number.isInteger(s) && s >= 400 && s <= 599),
        `errors.rules[${i}].status must be an HTTP error status (400-599) or a list of them`,
      );
      check(
        MEANINGS.includes(rr.means as never),
        `errors.rules[${i}].means must be one of: ${MEANINGS.join(', ')}; got ${describe(rr.means)}`,
      );
      check(
        rr.on === undefined || rr.on === 'origin' || rr.on === 'continuation',
        `errors.rules[${i}].on must be one of: origin, continuation`,
      );
    }
  }

  if (raw.auth !== undefined) {
    check(isRecord(raw.auth), 'auth must be an object with secretArn and header');
    const a = raw.auth as Record<string, unknown>;
    guard(() => rejectUnknownKeys(a, ['secretArn', 'header', 'field', 'kmsKeyArn'], 'auth.'));
    check(
      typeof a.secretArn === 'string' && SECRET_ARN_PATTERN.test(a.secretArn),
      `auth.secretArn must be a Secrets Manager secret ARN; got ${describe(a.secretArn)}`,
    );
    check(
      typeof a.header === 'string' && /^[A-Za-z0-9-]+$/.test(a.header),
      `auth.header must be an HTTP header name; got ${describe(a.header)}`,
    );
    check(
      a.field === undefined || (typeof a.field === 'string' && a.field !== ''),
      `auth.field must be a non-empty string naming a field of the secret's JSON; got ${describe(a.field)}`,
    );
    check(
      a.kmsKeyArn === undefined || (typeof a.kmsKeyArn === 'string' && KMS_KEY_ARN_PATTERN.test(a.kmsKeyArn)),
      `auth.kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>, not an alias); got ${describe(a.kmsKeyArn)}`,
    );
  }
  check(
    raw.timeoutMs === undefined ||
      (Number.isInteger(raw.timeoutMs) &&
        (raw.timeoutMs as number) >= 100 &&
        (raw.timeoutMs as number) <= 600_000),
    'timeoutMs must be an integer from 100 to 600000',
  );
  if (raw.usagePlan !== undefined) {
    check(isRecord(raw.usagePlan), 'usagePlan must be an object with rate and burst');
    const u = raw.usagePlan as Record<string, unknown>;
    guard(() => rejectUnknownKeys(u, ['rate', 'burst', 'rateLimitHeader'], 'usagePlan.'));
    check(
      typeof u.rate === 'number' && Number.isFinite(u.rate) && u.rate > 0,
      `usagePlan.rate must be a number of requests per second > 0; got ${describe(u.rate)}`,
    );
    check(
      Number.isInteger(u.burst) && (u.burst as number) >= 1,
      `usagePlan.burst must be an integer ≥ 1; got ${describe(u.burst)}`,
    );
    check(
      u.rateLimitHeader === undefined ||
        (typeof u.rateLimitHeader === 'string' && /^[A-Za-z0-9-]+$/.test(u.rateLimitHeader)),
      `usagePlan.rateLimitHeader must be an HTTP header name; got ${describe(u.rateLimitHeader)}`,
    );
  }
  check(
    raw.tokenLifetimeSeconds === undefined ||
      (Number.isInteger(raw.tokenLifetimeSeconds) && (raw.tokenLifetimeSeconds as number) >= 1),
    `tokenLifetimeSeconds must be an integer ≥ 1; got ${describe(raw.tokenLifetimeSeconds)}`,
  );
  check(
    raw.repeatedTokenMeansCaughtUp === undefined || typeof raw.repeatedTokenMeansCaughtUp === 'boolean',
    `repeatedTokenMeansCaughtUp must be true or false; got ${describe(raw.repeatedTokenMeansCaughtUp)}`,
  );
  const { min, max } = MAX_RESPONSE_BYTES_RANGE;
  check(
    raw.maxResponseBytes === undefined ||
      (Number.isInteger(raw.maxResponseBytes) &&
        (raw.maxResponseBytes as number) >= min &&
        (raw.maxResponseBytes as number) <= max),
    `maxResponseBytes must be an integer from ${min} to ${max}; got ${describe(raw.maxResponseBytes)}`,
  );

  return {
    ...(raw as unknown as HttpSourceDefinition),
    origin,
    continuation,
    params: params as Record<string, ParamSpec>,
  };
}

function parseRequest(
  raw: unknown,
  field: 'origin' | 'continuation',
  paramNames: string[],
  needsToken: boolean,
  fail: (message: string) => never,
): HttpRequestTemplate {
  if (!isRecord(raw)) return fail(`${field} must be an object with method and path`);
  try {
    rejectUnknownKeys(raw, ['method', 'path', 'query', 'body'], `${field}.`);
  } catch (error) {
    assertIsError(error);
    fail(error.message);
  }
  if (raw.method !== 'GET' && raw.method !== 'POST')
    fail(`${field}.method must be one of: GET, POST; got ${describe(raw.method)}`);
  if (typeof raw.path !== 'string' || !raw.path.startsWith('/'))
    fail(`${field}.path must start with "/"; got ${describe(raw.path)}`);
  if (raw.query !== undefined && !isRecord(raw.query)) fail(`${field}.query must be an object`);
  if (raw.body !== undefined && !isRecord(raw.body)) fail(`${field}.body must be an object`);
  if (raw.method === 'GET' && raw.body !== undefined) fail(`${field}.body is not allowed with GET`);

  const text = JSON.stringify(raw);
  const used = [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
  for (const placeholder of [...text.matchAll(/\{([A-Za-z0-9_.]+)\}/g)].map((m) => m[1] as string)) {
    const ok =
      placeholder === 'pageSize' ||
      placeholder === 'nextToken' ||
      (placeholder.startsWith('params.') && paramNames.includes(placeholder.slice(7)));
    if (!ok)
      fail(
        `${field} uses {${placeholder}}; allowed: {pageSize}, {nextToken}, ${paramNames.map((p) => `{params.${p}}`).join(', ')}`,
      );
  }
  if (needsToken && !used.includes('nextToken')) fail(`${field} must carry the token as {nextToken}`);
  if (!needsToken && used.includes('nextToken'))
    fail(`${field} cannot use {nextToken}: the origin call has no token`);
  return raw as unknown as HttpRequestTemplate;
}
