import { InvalidInput } from '../errors';
import { describe, integerInRange, isRecord, rejectUnknownKeys } from '../validate';
import type { HttpSourceDefinition, ParamSpec } from './http-definition';
import type { SourceDescription } from './source';

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
 * What an execution may ask of a definition (its params, page sizes, collection), without the
 * code that calls the API: start-run and the HTTP API validate input with this alone, so
 * their bundles carry no HTTP or Secrets Manager client.
 */
export function describeHttpSource(
  definition: HttpSourceDefinition,
): SourceDescription<Record<string, unknown>> {
  return {
    name: definition.name,
    signal: definition.signal,
    pageSize: definition.pageSize,
    ...(definition.usagePlan
      ? { usagePlan: { rate: definition.usagePlan.rate, burst: definition.usagePlan.burst } }
      : {}),
    ...(definition.tokenLifetimeSeconds ? { tokenLifetimeSeconds: definition.tokenLifetimeSeconds } : {}),
    ...(definition.repeatedTokenMeansCaughtUp ? { repeatedTokenMeansCaughtUp: true } : {}),

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
  };
}
