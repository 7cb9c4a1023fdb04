import { Duration } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { LOG_LEVELS } from './constructs/page-functions';
import type { PagewalkStackProps } from './pagewalk-stack';
import { requireOneOf } from './validate';

/**
 * The stack props a deployer may set as CDK context, e.g. `cdk deploy -c memorySize=512`
 * or in cdk.json: tableName, memorySize (MB), fetchPageTimeoutSeconds, logLevel,
 * glueJobNames (comma-separated), tracing (true/false). Values from `-c` arrive as
 * strings and from cdk.json as JSON, so both are accepted; anything else throws naming
 * the key and the value.
 */
export function stackPropsFromContext(node: Node): PagewalkStackProps {
  const read = (key: string): unknown => node.tryGetContext(key);

  const number = (key: string): number | undefined => {
    const value = read(key);
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed !== 'number' || Number.isNaN(parsed)) {
      throw new Error(`Context ${key} must be a number; got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
  const string = (key: string): string | undefined => {
    const value = read(key);
    return value === undefined ? undefined : String(value);
  };
  const list = (key: string): string[] | undefined => {
    const value = read(key);
    if (value === undefined) return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter((item) => item !== '');
  };
  const boolean = (key: string): boolean | undefined => {
    const value = string(key);
    return value === undefined
      ? undefined
      : requireOneOf(`Context ${key}`, value, ['true', 'false']) === 'true';
  };

  const logLevel = string('logLevel');
  const fetchPageTimeoutSeconds = number('fetchPageTimeoutSeconds');
  return {
    tableName: string('tableName'),
    memorySize: number('memorySize'),
    fetchPageTimeout:
      fetchPageTimeoutSeconds === undefined ? undefined : Duration.seconds(fetchPageTimeoutSeconds),
    logLevel: logLevel === undefined ? undefined : requireOneOf('Context logLevel', logLevel, LOG_LEVELS),
    glueJobNames: list('glueJobNames'),
    tracingEnabled: boolean('tracing'),
  };
}
