import {
  assertIsError,
  InconsistentPage,
  NextTokenCorrupted,
  PagewalkError,
  SourceUnavailable,
  THROTTLE_ERROR_NAMES,
} from '../errors';
import { describe, isRecord } from '../validate';
import type { HttpErrorRule, HttpRequestTemplate, HttpSourceDefinition } from './definition';
import { describeDefinition } from './description';
import { DEFAULT_MAX_RESPONSE_BYTES, describeEndpoint, endpointProblem } from './http-endpoint';
import type { ParamValues } from './params';
import { readSecret } from './secrets';
import type { CallKind, Source, SourcePage } from './source';

/** An error answer from an HTTP source, named after the API's own code so the execution shows it. */
export class HttpSourceError extends PagewalkError {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(name, message);
  }
}

/** The API answered with a redirect. Never followed: the request carries the credential. */
export class RedirectRefused extends HttpSourceError {
  constructor(message: string, status: number) {
    super('RedirectRefused', message, status);
  }
}

/** The response body is larger than the definition's `maxResponseBytes`. */
export class ResponseTooLarge extends HttpSourceError {
  constructor(message: string, status: number) {
    super('ResponseTooLarge', message, status);
  }
}

/** An API's own error message, cut short: it lands in the execution history and the run record. */
const MAX_MESSAGE_LENGTH = 500;
const clip = (text: string) =>
  text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : text;

/**
 * `text` with every occurrence of the credential replaced: some APIs quote the key they refused
 * ("invalid API key sk_live_..."), and the message goes to the history and the run record.
 */
function scrub(text: string, credential: string | undefined): string {
  return credential ? text.split(credential).join('[credential]') : text;
}

/** Where a redirect points, as an origin only: its path and query may carry tokens. */
function redirectTarget(location: string | null, requestUrl: URL): string {
  if (location === null) return 'no Location';
  try {
    return new URL(location, requestUrl).origin;
  } catch {
    return 'an unparsable Location';
  }
}

/**
 * Reads the body as text, counting bytes as they arrive, and stops (cancelling the stream,
 * so the connection closes) as soon as it passes `maxBytes`: memory stays bounded by the cap
 * whatever the server sends, even an endless body.
 */
async function readCapped(response: Response, maxBytes: number, sourceName: string): Promise<string> {
  const tooLarge = (what: string) =>
    new ResponseTooLarge(
      `${sourceName} answered HTTP ${response.status} with a body of ${what}, over maxResponseBytes (${maxBytes}); ` +
        'ask for smaller pages (options.pageSize) or raise maxResponseBytes in the definition',
      response.status,
    );
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(`${declared} bytes (Content-Length)`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Reads `a.b.0.c` from a parsed JSON body. */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Stands for an error body that was not JSON, so no code or message is read from it. */
const NOT_JSON: unique symbol = Symbol('not JSON');

type Vars = { params: ParamValues; pageSize: number; nextToken?: string };

/** What an error answer means to the state machine. */
type ErrorMeaning = HttpErrorRule['means'];

/** Fills `{params.X}`, `{pageSize}`, `{nextToken}`; a string that is only a placeholder keeps the value's type. */
function fill(template: unknown, vars: Vars, encode: (s: string) => string = (s) => s): unknown {
  if (typeof template === 'string') {
    const lookup = (name: string): unknown =>
      name === 'pageSize'
        ? vars.pageSize
        : name === 'nextToken'
          ? vars.nextToken
          : vars.params[name.slice(7)];
    const whole = /^\{(params\.[A-Za-z0-9_]+|pageSize|nextToken)\}$/.exec(template);
    if (whole) return lookup(whole[1] as string);
    return template.replace(/\{(params\.[A-Za-z0-9_]+|pageSize|nextToken)\}/g, (_, name: string) =>
      encode(String(lookup(name) ?? '')),
    );
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, vars, encode));
  if (isRecord(template)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const filled = fill(value, vars, encode);
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  return template;
}

/**
 * A source built from a definition. Only the definition decides the host: the endpoint
 * comes from `endpoint.baseUrl` or the deploy-time variable it names, and params are only
 * ever filled into the path (URL-encoded), query or body.
 */
export function createHttpSource(definition: HttpSourceDefinition): Source<ParamValues> {
  const rules = definition.errors?.rules ?? [];
  const maxResponseBytes = definition.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const baseUrl = (): string => {
    const variable = definition.endpoint.variable;
    const fromEnv = variable ? process.env[variable] : undefined;
    if (variable && fromEnv) {
      // The same rule as baseUrl: a deploy-time override cannot downgrade to plain http.
      const problem = endpointProblem(fromEnv);
      if (problem) {
        throw new Error(
          `${variable} (the endpoint of ${definition.name}) ${problem}; got ${describeEndpoint(fromEnv)}`,
        );
      }
    }
    return (fromEnv || definition.endpoint.baseUrl).replace(/\/$/, '');
  };

  const classify = (status: number, code: string | undefined, call: CallKind): ErrorMeaning => {
    for (const rule of rules) {
      const statuses = Array.isArray(rule.status) ? rule.status : [rule.status];
      if (!statuses.includes(status)) continue;
      if (rule.code !== undefined && rule.code !== code) continue;
      if (rule.on !== undefined && rule.on !== call) continue;
      return rule.means;
    }
    if (status === 429) return 'throttled';
    return status >= 500 ? 'transient' : 'permanent';
  };

  const toError = (status: number, body: unknown, call: CallKind, credential?: string): Error => {
    const codeValue = definition.errors?.codePath ? readPath(body, definition.errors.codePath) : undefined;
    const messageValue = definition.errors?.messagePath
      ? readPath(body, definition.errors.messagePath)
      : undefined;
    const code =
      typeof codeValue === 'string' && !(credential && codeValue.includes(credential))
        ? codeValue
        : undefined;
    const message = clip(
      scrub(
        typeof messageValue === 'string'
          ? messageValue
          : `${definition.name} answered HTTP ${status}${body === NOT_JSON ? ' with a body that is not JSON' : ''}`,
        credential,
      ),
    );
    switch (classify(status, code, call)) {
      case 'corruptedToken':
        return new NextTokenCorrupted(
          `${definition.name} rejected the continuation token (${code ?? status}: ${message})`,
        );
      case 'throttled':
        return new HttpSourceError(
          code && THROTTLE_ERROR_NAMES.has(code) ? code : 'TooManyRequestsException',
          message,
          status,
        );
      case 'transient':
        return new SourceUnavailable(
          `${definition.name} answered HTTP ${status}${code ? ` ${code}` : ''}: ${message}`,
        );
      default:
        return new HttpSourceError(
          code && /^[A-Za-z][A-Za-z0-9.]*$/.test(code) ? code : `Http${status}`,
          message,
          status,
        );
    }
  };

  const call = async (template: HttpRequestTemplate, kind: CallKind, vars: Vars): Promise<SourcePage> => {
    const url = new URL(`${baseUrl()}${fill(template.path, vars, encodeURIComponent) as string}`);
    for (const [key, value] of Object.entries(
      (fill(template.query ?? {}, vars) as Record<string, unknown>) ?? {},
    )) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = definition.auth
      ? await readSecret(definition.auth.secretArn, definition.auth.field)
      : undefined;
    if (definition.auth && credential) headers[definition.auth.header] = credential;
    let body: string | undefined;
    if (template.method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(fill(template.body ?? {}, vars));
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: template.method,
        headers,
        body,
        // Never follow: fetch would resend every header but Authorization (X-Api-Key included)
        // to wherever the Location points. Read the 3xx here and refuse it.
        redirect: 'manual',
        signal: AbortSignal.timeout(definition.timeoutMs ?? 20_000),
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        throw new RedirectRefused(
          `${definition.name} answered HTTP ${response.status} redirecting to ${redirectTarget(response.headers.get('location'), url)}; ` +
            'redirects are never followed (the request carries the credential): point endpoint.baseUrl at the final origin',
          response.status,
        );
      }
      text = await readCapped(response, maxResponseBytes, definition.name);
    } catch (error) {
      if (error instanceof HttpSourceError) throw error;
      assertIsError(error);
      // Only the error's own text: undici's messages name the host, never a header value.
      throw new SourceUnavailable(`${definition.name} could not be reached: ${error.message}`);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      // A load balancer's HTML 502 is still a 5xx (retried) and a proxy's 403 still a 4xx (permanent).
      if (!response.ok) throw toError(response.status, NOT_JSON, kind, credential);
      throw new InconsistentPage(
        `${definition.name} answered HTTP ${response.status} with a body that is not JSON`,
      );
    }
    if (!response.ok) throw toError(response.status, parsed, kind, credential);
    return { ...toPage(parsed), ...rateLimitOf(response) };
  };

  /** The rate the API says it allows now, from the usage plan's header, when it sent a number. */
  const rateLimitOf = (response: Response): { rateLimit?: number } => {
    const header = definition.usagePlan?.rateLimitHeader;
    const value = header ? Number(response.headers.get(header) ?? Number.NaN) : Number.NaN;
    return Number.isFinite(value) && value > 0 ? { rateLimit: value } : {};
  };

  const toPage = (body: unknown): SourcePage => {
    const { response } = definition;
    const items = readPath(body, response.items);
    if (!Array.isArray(items) || !items.every(isRecord)) {
      throw new InconsistentPage(
        `${definition.name} answered without an array of objects at ${response.items}`,
      );
    }
    const token = readPath(body, response.nextToken);
    const flag = (path: string | undefined, field: string): boolean | null => {
      if (path === undefined) return null;
      const value = readPath(body, path);
      if (typeof value !== 'boolean') {
        throw new InconsistentPage(
          `${definition.name} answered without a boolean ${field} at ${path}; got ${describe(value)}`,
        );
      }
      return value;
    };
    return {
      items,
      nextToken: typeof token === 'string' && token !== '' ? token : null,
      hasNext: flag(response.hasNext, 'HasNext'),
      moreResultsAvailable: flag(response.moreResultsAvailable, 'MoreResultsAvailable'),
    };
  };

  return {
    ...describeDefinition(definition),
    fetch: ({ kind, params, pageSize, nextToken }) =>
      kind === 'origin'
        ? call(definition.origin, 'origin', { params, pageSize })
        : call(definition.continuation, 'continuation', { params, pageSize, nextToken }),

    itemKey(item) {
      const key = readPath(item, definition.response.itemKey);
      if ((typeof key !== 'string' || key === '') && typeof key !== 'number') {
        throw new InconsistentPage(
          `${definition.name} returned an item without ${definition.response.itemKey}`,
        );
      }
      return String(key);
    },

    // Errors are already mapped where the response is read, where status and body are known.
    mapError: (error) => error,
  };
}
