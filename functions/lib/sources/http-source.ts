import {
  AuthenticationFailed,
  assertIsError,
  InconsistentPage,
  NextTokenCorrupted,
  PagewalkError,
  SourceUnavailable,
  THROTTLE_ERROR_NAMES,
} from '../errors';
import { isRecord } from '../validate';
import type { HttpErrorRule, HttpRequestTemplate, HttpSourceDefinition } from './definition';
import { describeDefinition } from './description';
import { type Credential, requestAuth, resolveEndpoint } from './http-auth';
import { readBodyUpTo } from './http-body';
import { DEFAULT_MAX_RESPONSE_BYTES } from './http-endpoint';
import { itemKeyOf, readPath, toPage } from './http-response';
import type { ParamValues } from './params';
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

/** The body as text, within `maxBytes` (the Content-Length first, then the bytes as they come). */
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
  const text = await readBodyUpTo(response, maxBytes);
  if (text === undefined) throw tooLarge(`more than ${maxBytes} bytes`);
  return text;
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

/** What an error answer says: the API's code, message and details, if its body had them. */
interface ErrorAnswer {
  readonly code: string | undefined;
  readonly message: string;
  readonly details: string | undefined;
}

/** A query value as the API reads it: a list comma-separated (the models' `collectionFormat: csv`). */
const queryValue = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

/**
 * A source built from a definition. Only the definition decides the host: the endpoint
 * comes from `endpoint.baseUrl` or the deploy-time variable it names, and params are only
 * ever filled into the path (URL-encoded), query (URL-encoded once, by URLSearchParams) or body.
 */
export function createHttpSource(definition: HttpSourceDefinition): Source<ParamValues> {
  const rules = definition.errors?.rules ?? [];
  const maxResponseBytes = definition.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeoutMs = definition.timeoutMs ?? 20_000;
  const auth = requestAuth(definition.auth, definition.name, timeoutMs);
  const baseUrl = () => resolveEndpoint(`the endpoint of ${definition.name}`, definition.endpoint);

  const classify = (status: number, answer: ErrorAnswer, call: CallKind): ErrorMeaning => {
    for (const rule of rules) {
      const statuses = Array.isArray(rule.status) ? rule.status : [rule.status];
      if (!statuses.includes(status)) continue;
      if (rule.code !== undefined && rule.code !== answer.code) continue;
      if (rule.on !== undefined && rule.on !== call) continue;
      if (rule.matches !== undefined) {
        const pattern = new RegExp(rule.matches);
        if (!pattern.test(answer.message) && !pattern.test(answer.details ?? '')) continue;
      }
      return rule.means;
    }
    if (status === 429) return 'throttled';
    return status >= 500 ? 'transient' : 'permanent';
  };

  /** The code, message and details of an error body, none of them holding the credential. */
  const readAnswer = (status: number, body: unknown, secret: string | undefined): ErrorAnswer => {
    const text = (path: string | undefined): string | undefined => {
      const value = path ? readPath(body, path) : undefined;
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const codeValue = text(definition.errors?.codePath);
    const message = text(definition.errors?.messagePath);
    const details = text(definition.errors?.detailsPath);
    return {
      code: codeValue && !(secret && codeValue.includes(secret)) ? codeValue : undefined,
      message: clip(
        scrub(
          message ??
            `${definition.name} answered HTTP ${status}${body === NOT_JSON ? ' with a body that is not JSON' : ''}`,
          secret,
        ),
      ),
      details: details === undefined ? undefined : clip(scrub(details, secret)),
    };
  };

  const toError = (status: number, answer: ErrorAnswer, meaning: ErrorMeaning): Error => {
    const { code } = answer;
    const message = answer.details ? `${answer.message} (${answer.details})` : answer.message;
    switch (meaning) {
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
      case 'unauthorized':
        return new AuthenticationFailed(
          `${definition.name} refused ${auth?.describe() ?? 'the call'}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`,
        );
      default:
        return new HttpSourceError(
          code && /^[A-Za-z][A-Za-z0-9.]*$/.test(code) ? code : `Http${status}`,
          message,
          status,
        );
    }
  };

  /** One request; the response and its body (read within the cap), or SourceUnavailable. */
  const send = async (
    url: URL,
    template: HttpRequestTemplate,
    vars: Vars,
    credential: Credential | undefined,
  ): Promise<{ response: Response; text: string }> => {
    const headers: Record<string, string> = { accept: 'application/json', ...credential?.headers };
    let body: string | undefined;
    if (template.method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(fill(template.body ?? {}, vars));
    }
    try {
      const response = await fetch(url, {
        method: template.method,
        headers,
        body,
        // Never follow: fetch would resend every header but Authorization (X-Api-Key included)
        // to wherever the Location points. Read the 3xx here and refuse it.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        throw new RedirectRefused(
          `${definition.name} answered HTTP ${response.status} redirecting to ${redirectTarget(response.headers.get('location'), url)}; ` +
            'redirects are never followed (the request carries the credential): point endpoint.baseUrl at the final origin',
          response.status,
        );
      }
      return { response, text: await readCapped(response, maxResponseBytes, definition.name) };
    } catch (error) {
      if (error instanceof HttpSourceError) throw error;
      assertIsError(error);
      // Only the error's own text: undici's messages name the host, never a header value.
      throw new SourceUnavailable(`${definition.name} could not be reached: ${error.message}`);
    }
  };

  const call = async (template: HttpRequestTemplate, kind: CallKind, vars: Vars): Promise<SourcePage> => {
    const url = new URL(`${baseUrl()}${fill(template.path, vars, encodeURIComponent) as string}`);
    for (const [key, value] of Object.entries(
      (fill(template.query ?? {}, vars) as Record<string, unknown>) ?? {},
    )) {
      if (value !== undefined && value !== null) url.searchParams.set(key, queryValue(value));
    }
    let credential = await auth?.credential();
    for (let renewed = false; ; renewed = true) {
      const { response, text } = await send(url, template, vars, credential);
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        // A load balancer's HTML 502 is still a 5xx (retried) and a proxy's 403 still a 4xx (permanent).
        parsed = NOT_JSON;
      }
      if (response.ok) {
        if (parsed === NOT_JSON) {
          throw new InconsistentPage(
            `${definition.name} answered HTTP ${response.status} with a body that is not JSON`,
          );
        }
        return { ...toPage(definition.name, definition.response, parsed), ...rateLimitOf(response) };
      }
      const answer = readAnswer(response.status, parsed, credential?.secret);
      const meaning = classify(response.status, answer, kind);
      // An access token the API refuses (expired early, revoked): one fresh one, one retry.
      if (meaning === 'unauthorized' && !renewed && credential && auth) {
        const fresh = await auth.renew(credential);
        if (fresh) {
          credential = fresh;
          continue;
        }
      }
      throw toError(response.status, answer, meaning);
    }
  };

  /** The rate the API says it allows now, from the usage plan's header, when it sent a number. */
  const rateLimitOf = (response: Response): { rateLimit?: number } => {
    const header = definition.usagePlan?.rateLimitHeader;
    const value = header ? Number(response.headers.get(header) ?? Number.NaN) : Number.NaN;
    return Number.isFinite(value) && value > 0 ? { rateLimit: value } : {};
  };

  return {
    ...describeDefinition(definition),
    fetch: ({ kind, params, pageSize, nextToken }) =>
      kind === 'origin'
        ? call(definition.origin, 'origin', { params, pageSize })
        : call(definition.continuation, 'continuation', { params, pageSize, nextToken }),

    itemKey: (item) => itemKeyOf(definition.name, definition.response, item),

    // Errors are already mapped where the response is read, where status and body are known.
    mapError: (error) => error,
  };
}
