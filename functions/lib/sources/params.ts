/**
 * The execution's `params` as a definition declares them (both kinds): typed values from what
 * an input or the CLI gives (the CLI sends strings), the rules across params, and the
 * collection they scope. Every refusal is `InvalidInput` naming the param and what is allowed,
 * at Start run, before any call.
 */
import { InvalidInput } from '../errors';
import { describe, isRecord, rejectUnknownKeys } from '../validate';
import type { ParamRule, ParamSpec } from './definition-types';

/** A param's value once parsed: what the API member takes. */
export type ParamValue = string | number | boolean | readonly string[];

/** Parsed params by name; a param neither given nor defaulted is absent. */
export type ParamValues = Readonly<Record<string, ParamValue>>;

/** The params and rules of a definition. */
export interface ParamDeclarations {
  readonly params?: Readonly<Record<string, ParamSpec | undefined>>;
  readonly paramRules?: readonly ParamRule[];
}

/** ISO-8601 with a time zone, as the run options' deadline takes it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function checkString(field: string, spec: ParamSpec, value: string, original: unknown): string {
  const got = `; got ${describe(original)}`;
  if (spec.enum !== undefined && !spec.enum.includes(value)) {
    throw new InvalidInput(`${field} must be one of: ${spec.enum.join(', ')}${got}`);
  }
  if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) {
    throw new InvalidInput(
      `${field} must be ${spec.description ?? `a string matching ${spec.pattern}`}${got}`,
    );
  }
  if (spec.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
    throw new InvalidInput(`${field} must be an ISO-8601 time with a zone, like 2030-01-01T00:00:00Z${got}`);
  }
  return value;
}

/**
 * One param's typed value: a string (pattern, enum, date-time), an integer (also from a string
 * of digits, within min..max), a boolean (also "true"/"false"), or a list of strings (also
 * comma-separated, at most maxItems). `name` is the param's name, as messages show it.
 */
export function parseParamValue(name: string, spec: ParamSpec, value: unknown): ParamValue {
  const field = `params.${name}`;
  const got = `; got ${describe(value)}`;
  switch (spec.type) {
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim()) ? Number(value) : value;
      const min = spec.min ?? Number.MIN_SAFE_INTEGER;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
        const range = spec.min === undefined && spec.max === undefined ? '' : ` from ${min} to ${max}`;
        throw new InvalidInput(`${field} must be an integer${range}${got}`);
      }
      return n;
    }
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw new InvalidInput(`${field} must be true or false${got}`);
    case 'stringList': {
      const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((s) => typeof s === 'string' && s !== '')
      ) {
        throw new InvalidInput(
          `${field} must be a list of strings: a JSON array or comma-separated (A,B)${got}`,
        );
      }
      if (spec.maxItems !== undefined && list.length > spec.maxItems) {
        throw new InvalidInput(`${field} must hold at most ${spec.maxItems} strings${got}`);
      }
      return list.map((s: string) => checkString(field, spec, s, value));
    }
    default:
      if (typeof value !== 'string') {
        throw new InvalidInput(`${field} must be ${spec.description ?? 'a string'}${got}`);
      }
      return checkString(field, spec, value, value);
  }
}

/** `{"JobName": "nightly-etl"}` from the examples of the params a run needs, for messages. */
function exampleOf(declared: ParamDeclarations): string {
  const entries = Object.entries(declared.params ?? {});
  const needed = entries.filter(([, spec]) => spec?.required && spec.default === undefined);
  const shown = (needed.length > 0 ? needed : entries).filter(([, spec]) => spec?.example !== undefined);
  if (shown.length === 0) return '';
  return ` like {${shown.map(([name, spec]) => `${JSON.stringify(name)}: ${JSON.stringify(spec?.example)}`).join(', ')}}`;
}

function checkRule(rule: ParamRule, values: ParamValues): void {
  const given = (names: readonly string[]) => names.filter((name) => values[name] !== undefined);
  const list = (names: readonly string[]) => names.map((n) => `params.${n}`).join(', ');
  if (rule.exactlyOne) {
    const present = given(rule.exactlyOne);
    if (present.length !== 1) {
      throw new InvalidInput(
        `give exactly one of ${list(rule.exactlyOne)}; got ${present.length === 0 ? 'none' : list(present)}`,
      );
    }
  }
  if (rule.atMostOne) {
    const present = given(rule.atMostOne);
    if (present.length > 1) {
      throw new InvalidInput(`give at most one of ${list(rule.atMostOne)}; got ${list(present)}`);
    }
  }
  for (const [param, needs] of Object.entries(rule.requires ?? {})) {
    if (needs !== undefined && values[param] !== undefined && values[needs] === undefined) {
      throw new InvalidInput(`params.${param} needs params.${needs}`);
    }
  }
}

/**
 * The execution's `params` parsed against the declarations: each typed, defaults filled in,
 * unknown or missing ones and broken rules refused with `InvalidInput` naming them.
 */
export function parseParams(declared: ParamDeclarations, params: unknown): ParamValues {
  const specs = declared.params ?? {};
  const needsSome = Object.values(specs).some((spec) => spec?.required && spec.default === undefined);
  const raw = params === undefined && !needsSome ? {} : params;
  if (!isRecord(raw)) {
    throw new InvalidInput(`params must be an object${exampleOf(declared)}; got ${describe(params)}`);
  }
  const names = Object.keys(specs);
  rejectUnknownKeys(raw, names, 'params.');
  const values: Record<string, ParamValue> = {};
  for (const name of names) {
    const spec = specs[name];
    if (!spec) continue;
    const value = raw[name] ?? spec.default;
    if (value === undefined || value === null) {
      if (!spec.required) continue;
      throw new InvalidInput(
        spec.description
          ? `params.${name} must be ${spec.description}; got nothing`
          : `params.${name} is required`,
      );
    }
    values[name] = parseParamValue(name, spec, value);
  }
  for (const rule of declared.paramRules ?? []) checkRule(rule, values);
  return values;
}

/**
 * The collection a run's items belong to: the source, then the value of each param it was given
 * (sorted by name, lists comma-joined), so the same params always fill the same collection.
 */
export function collectionOf(sourceName: string, values: ParamValues): string {
  const scope = Object.keys(values)
    .sort()
    .map((name) => {
      const value = values[name];
      return Array.isArray(value) ? value.join(',') : String(value);
    })
    .join('#');
  return scope ? `${sourceName}#${scope}` : sourceName;
}
