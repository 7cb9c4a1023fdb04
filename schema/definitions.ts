/**
 * A folder of source definitions, checked the way synth and the local runtime check it: each
 * file against the JSON Schema (ajv), then the rules across its fields, then an AWS definition
 * against the SDK it names; two definitions with one name are refused.
 */
import {
  checkDefinition,
  DefinitionError,
  isAwsDefinition,
  readDefinitionFiles,
  type SourceDefinition,
} from '../functions/lib/sources/definition';
import { checkAgainstSdk } from './aws-sdk-check';
import { validateDefinitionSchema } from './definition-schema';

/** A definition and the file it came from. */
export interface CheckedDefinition {
  readonly file: string;
  readonly where: string;
  readonly definition: SourceDefinition;
}

/**
 * One parsed definition checked in full; `where` names it in messages. `sdk: false` leaves out
 * the check against the SDK (which loads the client package): synth checks only the AWS
 * definitions it deploys that way.
 */
export function checkDefinitionFully(raw: unknown, where: string, sdk = true): SourceDefinition {
  const definition = validateDefinitionSchema(raw, where);
  checkDefinition(definition, where);
  if (sdk && isAwsDefinition(definition)) checkAgainstSdk(definition, where);
  return definition;
}

/** Every `*.json` definition in `dir`, checked (in full unless `sdk` is false), sorted by file name. */
export function checkDefinitionsDir(dir: string, sdk = true): CheckedDefinition[] {
  const names = new Map<string, string>();
  return readDefinitionFiles(dir).map(({ file, where, raw }) => {
    const definition = checkDefinitionFully(raw, where, sdk);
    const taken = names.get(definition.name);
    if (taken) throw new DefinitionError(where, `/name ${definition.name} is already taken by ${taken}`);
    names.set(definition.name, where);
    return { file, where, definition };
  });
}
