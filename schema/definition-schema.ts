/**
 * The JSON Schema of source definitions (`schema/source-definition.schema.json`), compiled with
 * ajv, and its errors as one line each naming the file and the JSON pointer. Synth and the local
 * runtime validate with this; the handlers never load ajv (they run the definitions synth
 * validated, see functions/lib/sources/catalog.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020';
import { DefinitionError, type SourceDefinition } from '../functions/lib/sources/definition';
import { describe } from '../functions/lib/validate';
import { validatedOnce } from './validated';

const require = createRequire(import.meta.url);

export const DEFINITION_SCHEMA_PATH = new URL('./source-definition.schema.json', import.meta.url);

/** The schema as a parsed object (for the type generator and the README). */
export function definitionSchema(): Record<string, unknown> {
  const schema: unknown = JSON.parse(readFileSync(DEFINITION_SCHEMA_PATH, 'utf8'));
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`${DEFINITION_SCHEMA_PATH.pathname} is not a JSON object`);
  }
  return { ...schema };
}

// strictTypes and strictRequired would ask every if/then fragment to repeat `type` and the
// properties of the branch it refines; the rest of strict mode stays on.
const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
};

let key: string[] | undefined;

/** Everything a pass depends on besides the definition: ajv's version, its options, the schema. */
function validatorKey(): string[] {
  key ??= [
    (require('ajv/package.json') as { version: string }).version,
    JSON.stringify(AJV_OPTIONS),
    readFileSync(DEFINITION_SCHEMA_PATH, 'utf8'),
  ];
  return key;
}

let compiled: ValidateFunction<SourceDefinition> | undefined;

/**
 * The compiled schema. ajv is loaded on the first definition that needs it: one Ajv per
 * process, since building one compiles its meta-schemas, which costs more than validating.
 */
function validator(): ValidateFunction<SourceDefinition> {
  if (compiled) return compiled;
  const { default: Ajv2020 } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  compiled = new Ajv2020(AJV_OPTIONS).compile<SourceDefinition>(definitionSchema());
  return compiled;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/** What a schema fragment allows, in words, for an anyOf error. */
function shapeOf(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a value';
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const defs = definitionSchema().$defs as Record<string, unknown>;
    return shapeOf(defs[s.$ref.replace('#/$defs/', '')]);
  }
  if (s.type === 'array') return `a list of ${shapeOf(s.items).replace(/^an? /, '')}s`;
  if (s.type === 'object' && s.title === 'AwsIamResource') return 'an object with pattern and unscoped';
  return typeof s.type === 'string' ? (TYPE_WORDS[s.type] ?? s.type) : 'a value';
}

/** The value at a JSON pointer of `root`. */
function at(root: unknown, pointer: string): unknown {
  let value = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/** What a field is not allowed with: its object's `type` or `method` ("with type integer"). */
function notAllowedWith(root: unknown, pointer: string): string {
  const parent = at(root, pointer.slice(0, pointer.lastIndexOf('/')));
  if (typeof parent !== 'object' || parent === null) return 'here';
  const p = parent as Record<string, unknown>;
  if (typeof p.type === 'string') return `with type ${p.type}`;
  if (typeof p.method === 'string') return `with method ${p.method}`;
  return 'here';
}

/** One ajv error as `pointer message`; `root` is the definition, for context. */
function sentence(error: ErrorObject, root: unknown): string {
  const where = error.instancePath || '/';
  const got = `; got ${describe(error.data)}`;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${error.instancePath}/${String(p.missingProperty)} is required`;
    case 'additionalProperties': {
      const properties = (error.parentSchema as { properties?: object } | undefined)?.properties;
      const allowed = properties ? `; allowed: ${Object.keys(properties).join(', ')}` : '';
      return `${error.instancePath}/${String(p.additionalProperty)} is not a known field${allowed}`;
    }
    case 'enum':
      return `${where} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}${got}`;
    case 'const':
      return `${where} must be ${JSON.stringify(p.allowedValue)}${got}`;
    case 'type':
      return `${where} must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}${got}`;
    case 'pattern': {
      const description = (error.parentSchema as { description?: unknown } | undefined)?.description;
      const what = typeof description === 'string' ? ` (${description.replace(/\.$/, '')})` : '';
      return `${where} must match ${String(p.pattern)}${what}${got}`;
    }
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum, type } = (error.parentSchema ?? {}) as Record<string, unknown>;
      const what = TYPE_WORDS[String(type)] ?? 'a number';
      if (minimum !== undefined && maximum !== undefined)
        return `${where} must be ${what} from ${minimum} to ${maximum}${got}`;
      return `${where} must be ${what} ${error.keyword === 'minimum' ? `of at least ${minimum}` : `of at most ${maximum}`}${got}`;
    }
    case 'false schema':
      return `${where} is not allowed ${notAllowedWith(root, where)}`;
    case 'anyOf': {
      const options = (error.schema as unknown[]).map(shapeOf);
      return `${where} must be ${options.join(' or ')}${got}`;
    }
    default:
      return `${where} ${error.message ?? 'is invalid'}${got}`;
  }
}

/**
 * The errors worth reading: the branch an `if` chose says what is wrong, so the `if` itself is
 * dropped; an `anyOf` reports once for its value, not once per alternative.
 */
function readable(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOf = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  return errors.filter(
    (e) =>
      e.keyword !== 'if' &&
      (e.keyword === 'anyOf' ||
        !anyOf.some((path) => e.instancePath === path || e.instancePath.startsWith(`${path}/`))),
  );
}

/**
 * `raw` as a source definition when the schema accepts it; otherwise `InvalidSourceDefinition`
 * naming `where` (the file) and each JSON pointer with what is allowed there. A definition that
 * passed once on this machine (the same text, schema and ajv) is not validated again in later
 * processes (validated.ts): every `npm start` and test file loads the same few definitions.
 */
export function validateDefinitionSchema(raw: unknown, where: string): SourceDefinition {
  // A remembered pass is this very text: the schema accepted it.
  return validatedOnce('definition', [...validatorKey(), JSON.stringify(raw)], (validate) =>
    validate ? checked(raw, where) : (raw as SourceDefinition),
  );
}

/** `raw` validated against the schema, or the error naming each field. */
function checked(raw: unknown, where: string): SourceDefinition {
  const validate = validator();
  if (validate(raw)) return raw;
  const lines = [...new Set(readable(validate.errors ?? []).map((e) => sentence(e, raw)))];
  const shown = lines.slice(0, 5).join('; ');
  throw new DefinitionError(where, lines.length > 5 ? `${shown}; and ${lines.length - 5} more` : shown);
}
