import { readFileSync } from 'node:fs';
import {
  type AwsSourceDefinition,
  type HttpSourceDefinition,
  isAwsDefinition,
} from '../../functions/lib/sources/definition';
import { checkDefinitionFully } from '../../schema/definitions';

/** An HTTP definition checked as synth checks it (schema, then the rules across fields). */
export function checkedHttp(raw: unknown, where = 'test'): HttpSourceDefinition {
  const definition = checkDefinitionFully(raw, where);
  if (isAwsDefinition(definition)) throw new Error(`${where} is an AWS definition`);
  return definition;
}

/** An AWS definition checked as synth checks it (schema, rules across fields, the SDK's model). */
export function checkedAws(raw: unknown, where = 'test'): AwsSourceDefinition {
  const definition = checkDefinitionFully(raw, where);
  if (!isAwsDefinition(definition)) throw new Error(`${where} is not an AWS definition`);
  return definition;
}

/** A shipped definition file, parsed (not checked), to change in a test. */
export function shipped(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../sources/${file}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}
