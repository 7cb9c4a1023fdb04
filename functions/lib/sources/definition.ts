/**
 * Source definitions: the types (generated from schema/source-definition.schema.json by
 * `npm run generate`) and the rules across fields that a JSON Schema cannot say. Synth and the
 * local runtime check a definition with the schema first (schema/definition-schema.ts), then
 * with `checkDefinition`; the handlers run what was checked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertIsError, PagewalkError } from '../errors';
import type {
  AwsSourceDefinition,
  HttpRequestTemplate,
  HttpSourceDefinition,
  ParamRule,
  ParamSpec,
  SourceDefinition,
} from './definition-types';
import { describeEndpoint, endpointProblem } from './http-endpoint';
import { parseParamValue } from './params';

export type * from './definition-types';

/** A definition file that is not valid; the message names the file and the field. */
export class DefinitionError extends PagewalkError {
  constructor(where: string, message: string) {
    super('InvalidSourceDefinition', `source definition ${where}: ${message}`);
  }
}

/** Whether a definition is an AWS SDK command (kind "aws"); anything else is HTTP. */
export function isAwsDefinition(definition: SourceDefinition): definition is AwsSourceDefinition {
  return definition.kind === 'aws';
}

/** Whether a definition deploys without being named in the stack's `sources` setting. */
export function deployedByDefault(definition: SourceDefinition): boolean {
  return definition.deployedByDefault ?? !isAwsDefinition(definition);
}

/** `{params.X}` and the other placeholders a template may hold. */
export const PLACEHOLDER = /(?<!\$)\{([A-Za-z0-9_.]+)\}/g;

/** The placeholders in a JSON value (every string in it, however deep). */
export function placeholdersIn(value: unknown): string[] {
  return [...JSON.stringify(value ?? null).matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** One definition file, parsed but not validated. */
export interface DefinitionFile {
  readonly file: string;
  /** The path shown in messages. */
  readonly where: string;
  readonly raw: unknown;
}

/** The `*.json` files of `dir`, sorted, each parsed; a file that is not JSON fails naming it. */
export function readDefinitionFiles(dir: string): DefinitionFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const where = join(dir, file);
      try {
        return { file, where, raw: JSON.parse(readFileSync(where, 'utf8')) as unknown };
      } catch (error) {
        assertIsError(error);
        throw new DefinitionError(where, `not valid JSON (${error.message})`);
      }
    });
}

/**
 * The rules across fields, each failing with `InvalidSourceDefinition` naming the file and the
 * field: page-size bounds in order, params whose pattern compiles and whose default and example
 * they accept themselves, rules and placeholders that name existing params, and per kind what
 * its calls need (an HTTP continuation carries the token; an AWS input leaves the token and page
 * size to pagination).
 */
export function checkDefinition(definition: SourceDefinition, where: string): void {
  const fail = (message: string): never => {
    throw new DefinitionError(where, message);
  };
  const { min, max } = definition.pageSize;
  if (!(min <= definition.pageSize.default && definition.pageSize.default <= max)) {
    fail(`/pageSize needs min <= default <= max; got ${JSON.stringify(definition.pageSize)}`);
  }
  const params = definition.params ?? {};
  for (const [name, spec] of Object.entries(params)) {
    if (spec) checkParamSpec(name, spec, fail);
  }
  for (const [i, rule] of (definition.paramRules ?? []).entries()) {
    for (const name of ruleParams(rule)) {
      if (!(name in params)) fail(`/paramRules/${i} names ${name}, which is not in /params`);
    }
  }
  if (isAwsDefinition(definition)) checkAws(definition, Object.keys(params), fail);
  else checkHttp(definition, Object.keys(params), fail);
}

/** Every param a rule names. */
export function ruleParams(rule: ParamRule): string[] {
  return [
    ...(rule.exactlyOne ?? []),
    ...(rule.atMostOne ?? []),
    ...Object.entries(rule.requires ?? {}).flatMap(([a, b]) => (b === undefined ? [a] : [a, b])),
  ];
}

function checkParamSpec(name: string, spec: ParamSpec, fail: (message: string) => never): void {
  const at = `/params/${name}`;
  if (spec.pattern !== undefined) {
    try {
      new RegExp(spec.pattern);
    } catch (error) {
      assertIsError(error);
      fail(`${at}/pattern is not a regular expression (${error.message})`);
    }
  }
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    fail(`${at} needs min <= max; got ${spec.min} and ${spec.max}`);
  }
  for (const field of ['default', 'example'] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    try {
      parseParamValue(name, spec, value);
    } catch (error) {
      assertIsError(error);
      fail(`${at}/${field} is not a value the param accepts: ${error.message}`);
    }
  }
}

function checkPlaceholders(
  at: string,
  value: unknown,
  allowed: readonly string[],
  fail: (message: string) => never,
): string[] {
  const used = placeholdersIn(value);
  for (const placeholder of used) {
    if (!allowed.includes(placeholder)) {
      fail(`${at} uses {${placeholder}}; allowed: ${allowed.map((a) => `{${a}}`).join(', ') || 'none'}`);
    }
  }
  return used;
}

function checkHttp(
  definition: HttpSourceDefinition,
  paramNames: string[],
  fail: (message: string) => never,
): void {
  const problem = endpointProblem(definition.endpoint.baseUrl);
  if (problem) fail(`/endpoint/baseUrl ${problem}; got ${describeEndpoint(definition.endpoint.baseUrl)}`);
  const allowed = ['pageSize', 'nextToken', ...paramNames.map((p) => `params.${p}`)];
  const request = (field: 'origin' | 'continuation', template: HttpRequestTemplate) =>
    checkPlaceholders(`/${field}`, template, allowed, fail);
  if (request('origin', definition.origin).includes('nextToken')) {
    fail('/origin cannot use {nextToken}: the origin call has no token');
  }
  if (!request('continuation', definition.continuation).includes('nextToken')) {
    fail('/continuation must carry the token as {nextToken}');
  }
  const { auth, response, errors } = definition;
  if (auth?.type === 'lwa' && auth.tokenEndpoint) {
    const lwaProblem = endpointProblem(auth.tokenEndpoint.baseUrl);
    if (lwaProblem) {
      fail(`/auth/tokenEndpoint/baseUrl ${lwaProblem}; got ${describeEndpoint(auth.tokenEndpoint.baseUrl)}`);
    }
  }
  if (response.itemsMemberField !== undefined && !response.items.endsWith('.*')) {
    fail('/response/itemsMemberField needs /response/items ending in .* (every list of an object)');
  }
  for (const [i, rule] of (errors?.rules ?? []).entries()) {
    if (rule.matches === undefined) continue;
    try {
      new RegExp(rule.matches);
    } catch (error) {
      assertIsError(error);
      fail(`/errors/rules/${i}/matches is not a regular expression (${error.message})`);
    }
  }
}

function checkAws(
  definition: AwsSourceDefinition,
  paramNames: string[],
  fail: (message: string) => never,
): void {
  const params = paramNames.map((p) => `params.${p}`);
  checkPlaceholders('/input', definition.input, params, fail);
  const { inputToken, limitKey } = definition.pagination;
  for (const member of [inputToken, limitKey]) {
    if (member in definition.input) {
      fail(`/input/${member} is set by pagination (the token and the page size are the loop's)`);
    }
  }
  if (definition.usagePlan?.rateLimitHeader !== undefined) {
    fail('/usagePlan/rateLimitHeader is for kind http: an AWS SDK call shows no response headers');
  }
  for (const [i, resource] of definition.iam.resources.entries()) {
    const patterns = typeof resource === 'string' ? [resource] : [resource.pattern, resource.unscoped];
    for (const pattern of patterns) {
      checkPlaceholders(`/iam/resources/${i}`, pattern, params, fail);
      for (const [, variable] of pattern.matchAll(/\$\{([^}]*)\}/g)) {
        if (!['Partition', 'Region', 'Account'].includes(variable as string)) {
          fail(`/iam/resources/${i} uses \${${variable}}; allowed: \${Partition}, \${Region}, \${Account}`);
        }
      }
    }
    if (typeof resource !== 'string' && placeholdersIn(resource.unscoped).length > 0) {
      fail(`/iam/resources/${i}/unscoped is what is granted while params are open: it cannot name one`);
    }
  }
}
