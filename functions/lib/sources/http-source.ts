import {
  InconsistentPage,
  InvalidInput,
  NextTokenCorrupted,
  SourceUnavailable,
  THROTTLE_ERROR_NAMES,
} from '../errors';
import { describe, integerInRange, isRecord, rejectUnknownKeys } from '../validate';
import type { ErrorMeaning, HttpRequestTemplate, HttpSourceDefinition, ParamSpec } from './http-definition';
import { readSecret } from './secrets';
import type { CallKind, Source, SourcePage } from './source';

/** An error answer from an HTTP source, named after the API's own code so the execution shows it. */
export class HttpSourceError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
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

type Vars = { params: Record<string, unknown>; pageSize: number; nextToken?: string };

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

function parseParam(name: string, spec: ParamSpec, value: unknown): unknown {
  const field = `params.${name}`;
  if (value === undefined) {
    if (spec.default !== undefined) return spec.default;
    if (spec.required) throw new InvalidInput(`${field} is required`);
    return undefined;
  }
  if (spec.type === 'integer') {
    return integerInRange(
      value,
      field,
      spec.min ?? Number.MIN_SAFE_INTEGER,
      spec.max ?? Number.MAX_SAFE_INTEGER,
    );
  }
  if (typeof value !== 'string' || (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value))) {
    throw new InvalidInput(
      `${field} must be a string${spec.pattern ? ` matching ${spec.pattern}` : ''}; got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * A source built from a definition. Only the definition decides the host: the endpoint
 * comes from `endpoint.baseUrl` or the deploy-time variable it names, and params are only
 * ever filled into the path (URL-encoded), query or body.
 */
export function createHttpSource(definition: HttpSourceDefinition): Source<Record<string, unknown>> {
  const rules = definition.errors?.rules ?? [];

  const baseUrl = (): string => {
    const fromEnv = definition.endpoint.variable ? process.env[definition.endpoint.variable] : undefined;
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

  const toError = (status: number, body: unknown, call: CallKind): Error => {
    const codeValue = definition.errors?.codePath ? readPath(body, definition.errors.codePath) : undefined;
    const messageValue = definition.errors?.messagePath
      ? readPath(body, definition.errors.messagePath)
      : undefined;
    const code = typeof codeValue === 'string' ? codeValue : undefined;
    const message = typeof messageValue === 'string' ? messageValue : `HTTP ${status}`;
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
        return new SourceUnavailable(`${definition.name} answered HTTP ${status} ${code ?? ''}: ${message}`);
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
    if (definition.auth)
      headers[definition.auth.header] = await readSecret(definition.auth.secretArn, definition.auth.field);
    let body: string | undefined;
    if (template.method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(fill(template.body ?? {}, vars));
    }

    let response: Response;
    try {
      response = await fetch(url, {
        method: template.method,
        headers,
        body,
        signal: AbortSignal.timeout(definition.timeoutMs ?? 20_000),
      });
    } catch (error) {
      throw new SourceUnavailable(`${definition.name} could not be reached: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      if (response.status >= 500 || !response.ok) parsed = {};
      else
        throw new InconsistentPage(
          `${definition.name} answered HTTP ${response.status} with a body that is not JSON`,
        );
    }
    if (!response.ok) throw toError(response.status, parsed, kind);
    return toPage(parsed);
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
    name: definition.name,
    signal: definition.signal,
    pageSize: definition.pageSize,

    parseParams(params: unknown) {
      const raw = params ?? {};
      if (!isRecord(raw)) throw new InvalidInput(`params must be an object; got ${describe(params)}`);
      const names = Object.keys(definition.params);
      rejectUnknownKeys(raw, names, 'params.');
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const value = parseParam(name, definition.params[name] as ParamSpec, raw[name]);
        if (value !== undefined) out[name] = value;
      }
      return out;
    },

    collection(params) {
      const scope = Object.keys(definition.params)
        .sort()
        .map((name) => params[name])
        .filter((value) => value !== undefined)
        .join('#');
      return scope ? `${definition.name}#${scope}` : definition.name;
    },

    fetchOrigin: (params, pageSize) => call(definition.origin, 'origin', { params, pageSize }),
    fetchContinuation: (params, pageSize, nextToken) =>
      call(definition.continuation, 'continuation', { params, pageSize, nextToken }),

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
