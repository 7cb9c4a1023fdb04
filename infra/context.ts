import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { LOG_LEVELS } from './constructs/page-functions';
import { STATE_MACHINE_LOG_LEVELS } from './constructs/state-machine';
import type { PagewalkStackProps } from './pagewalk-stack';
import { requireOneOf } from './validate';

/** Every context key the app reads; anything else in context is CDK's own business. */
export const CONTEXT_KEYS = [
  'tableName',
  'removalPolicy',
  'customerManagedKey',
  'encryptionKeyArn',
  'itemTtlDays',
  'memorySize',
  'fetchPageTimeoutSeconds',
  'logLevel',
  'logRetentionDays',
  'stateMachineLogLevel',
  'includeExecutionData',
  'glueJobNames',
  'sources',
  'sourceScopes',
  'tracing',
  'sourceMaps',
  'sourceDefinitionsDir',
  'sourceEndpoints',
  'alarmEmail',
  'alarmTopicArn',
  'lambdaErrorThreshold',
  'dashboard',
  'api',
  'allJobs',
  'syncSchedule',
  'spapiRegion',
  'spapiSecretArn',
  'spapiSecretKmsKeyArn',
] as const;

/**
 * The stack props a deployer may set as CDK context, e.g. `cdk deploy -c memorySize=512` or
 * in cdk.json; the only place that maps context to props. Values from `-c` arrive as strings
 * and from cdk.json as JSON, so both are accepted. This function only parses types (a value
 * of the wrong type throws naming the key and the value); the stack and its constructs check
 * ranges, so props and context fail the same way.
 *
 * | key | prop |
 * | --- | --- |
 * | tableName, memorySize, logLevel, stateMachineLogLevel, includeExecutionData, tracing, sourceMaps, customerManagedKey, encryptionKeyArn, itemTtlDays, glueJobNames, sourceDefinitionsDir, alarmEmail, alarmTopicArn, lambdaErrorThreshold, dashboard, api, allJobs, syncSchedule, spapiRegion, spapiSecretArn, spapiSecretKmsKeyArn | same name |
 * | removalPolicy | `retain` or `destroy` |
 * | fetchPageTimeoutSeconds | fetchPageTimeout |
 * | logRetentionDays | logRetention |
 * | sources | names, comma-separated, or a JSON list |
 * | sourceEndpoints | `VAR=url,VAR2=url` or a JSON object |
 * | sourceScopes | `source.Param=value,...` (repeat a key for more values) or a JSON object of lists |
 */
export function stackPropsFromContext(node: Node): PagewalkStackProps {
  const read = (key: (typeof CONTEXT_KEYS)[number]): unknown => node.tryGetContext(key);

  const number = (key: (typeof CONTEXT_KEYS)[number]): number | undefined => {
    const value = read(key);
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed !== 'number' || Number.isNaN(parsed)) {
      throw new Error(`Context ${key} must be a number; got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
  const string = (key: (typeof CONTEXT_KEYS)[number]): string | undefined => {
    const value = read(key);
    return value === undefined ? undefined : String(value);
  };
  const list = (key: (typeof CONTEXT_KEYS)[number]): string[] | undefined => {
    const value = read(key);
    if (value === undefined) return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter((item) => item !== '');
  };
  const boolean = (key: (typeof CONTEXT_KEYS)[number]): boolean | undefined => {
    const value = string(key);
    return value === undefined
      ? undefined
      : requireOneOf(`Context ${key}`, value, ['true', 'false']) === 'true';
  };
  const oneOf = <T extends string>(key: (typeof CONTEXT_KEYS)[number], allowed: readonly T[]) => {
    const value = string(key);
    return value === undefined ? undefined : requireOneOf(`Context ${key}`, value, allowed);
  };

  const fetchPageTimeoutSeconds = number('fetchPageTimeoutSeconds');
  const removalPolicy = oneOf('removalPolicy', ['retain', 'destroy']);
  return {
    tableName: string('tableName'),
    removalPolicy:
      removalPolicy === undefined
        ? undefined
        : removalPolicy === 'destroy'
          ? RemovalPolicy.DESTROY
          : RemovalPolicy.RETAIN,
    customerManagedKey: boolean('customerManagedKey'),
    encryptionKeyArn: string('encryptionKeyArn'),
    itemTtlDays: number('itemTtlDays'),
    memorySize: number('memorySize'),
    fetchPageTimeout:
      fetchPageTimeoutSeconds === undefined ? undefined : Duration.seconds(fetchPageTimeoutSeconds),
    logLevel: oneOf('logLevel', LOG_LEVELS),
    logRetention: number('logRetentionDays') as RetentionDays | undefined,
    stateMachineLogLevel: oneOf('stateMachineLogLevel', STATE_MACHINE_LOG_LEVELS),
    includeExecutionData: boolean('includeExecutionData'),
    glueJobNames: list('glueJobNames'),
    sources: list('sources'),
    sourceScopes: scopes(read('sourceScopes')),
    tracing: boolean('tracing'),
    sourceMaps: boolean('sourceMaps'),
    sourceDefinitionsDir: string('sourceDefinitionsDir'),
    sourceEndpoints: endpoints(read('sourceEndpoints')),
    alarmEmail: string('alarmEmail'),
    alarmTopicArn: string('alarmTopicArn'),
    lambdaErrorThreshold: number('lambdaErrorThreshold'),
    dashboard: boolean('dashboard'),
    api: boolean('api'),
    allJobs: boolean('allJobs'),
    syncSchedule: string('syncSchedule'),
    spapiRegion: string('spapiRegion'),
    spapiSecretArn: string('spapiSecretArn'),
    spapiSecretKmsKeyArn: string('spapiSecretKmsKeyArn'),
  };
}

/**
 * A context value given either as comma-separated pairs (a string from -c) or as an object (from
 * cdk.json, or -c with JSON): the trimmed, non-empty pairs, or the object's entries. Anything
 * else, a JSON text that does not parse included, is `fail()`.
 */
function pairsOrEntries(
  value: unknown,
  fail: () => never,
): { pairs: string[] } | { entries: Array<[string, unknown]> } {
  let parsed = value;
  if (typeof parsed === 'string' && parsed.trim().startsWith('{')) {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      fail();
    }
  }
  if (typeof parsed === 'string') {
    return {
      pairs: parsed
        .split(',')
        .map((pair) => pair.trim())
        .filter((pair) => pair !== ''),
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail();
  return { entries: Object.entries(parsed) };
}

/** `VAR=url,VAR2=url` (from -c) or an object of strings (from cdk.json, or -c with JSON). */
function endpoints(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const fail = (): never => {
    throw new Error(
      `Context sourceEndpoints must be VARIABLE=URL pairs separated by commas, or a JSON object of strings; got ${JSON.stringify(value)}`,
    );
  };
  const given = pairsOrEntries(value, fail);
  if ('pairs' in given) {
    return Object.fromEntries(
      given.pairs.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) fail();
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      }),
    );
  }
  const out: Record<string, string> = {};
  for (const [variable, url] of given.entries) {
    if (typeof url !== 'string') return fail();
    out[variable] = url;
  }
  return out;
}

/**
 * `aws.s3.listObjectsV2.Bucket=a,aws.s3.listObjectsV2.Bucket=b` (from -c: the last dotted word
 * before `=` is the param, the rest the source) or `{"source": {"Param": ["value"]}}`.
 */
function scopes(value: unknown): Record<string, Record<string, string[]>> | undefined {
  if (value === undefined) return undefined;
  const fail = (): never => {
    throw new Error(
      `Context sourceScopes must be source.Param=value pairs separated by commas, or a JSON object like {"aws.s3.listObjectsV2": {"Bucket": ["my-bucket"]}}; got ${JSON.stringify(value)}`,
    );
  };
  const given = pairsOrEntries(value, fail);
  const out: Record<string, Record<string, string[]>> = {};
  if ('pairs' in given) {
    for (const pair of given.pairs) {
      const match = /^(?<source>[a-z][a-zA-Z0-9.]*)\.(?<param>[A-Za-z][A-Za-z0-9_]*)=(?<scoped>.+)$/.exec(
        pair,
      );
      const { source, param, scoped } = match?.groups ?? {};
      if (source === undefined || param === undefined || scoped === undefined) return fail();
      out[source] = { ...out[source], [param]: [...(out[source]?.[param] ?? []), scoped.trim()] };
    }
    return out;
  }
  for (const [source, params] of given.entries) {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return fail();
    for (const [param, values] of Object.entries(params)) {
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return fail();
      out[source] = { ...out[source], [param]: values };
    }
  }
  return out;
}
