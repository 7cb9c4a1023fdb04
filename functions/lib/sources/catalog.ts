import { join } from 'node:path';
import { InvalidInput } from '../errors';
import { DefinitionError, readDefinitionFiles, type SourceDefinition } from './definition';
import { describeDefinition } from './description';
import type { SourceDescription } from './source';

/**
 * Where the deployed source definitions live: `SOURCE_DEFINITIONS_DIR`, else `sources/` beside
 * the bundle on Lambda (the CDK stack copies there the definitions it deploys), else `sources/`
 * in the working directory (the repo, for local runs).
 */
export function definitionsDir(): string {
  return process.env.SOURCE_DEFINITIONS_DIR ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'sources');
}

/**
 * The definitions in `dir`, refusing two with one name. They are not checked against the schema
 * here: synth checked every file it copies into a bundle (infra/source-definitions.ts), and the
 * local runtime checks the folder before it starts (local/runtime.ts), so the handlers carry no
 * schema validator and take each file as the definition it was checked to be.
 */
export function loadDefinitions(dir: string): SourceDefinition[] {
  const names = new Set<string>();
  return readDefinitionFiles(dir).map(({ where, raw }) => {
    const definition = raw as SourceDefinition;
    if (names.has(definition.name))
      throw new DefinitionError(where, `name ${definition.name} is already taken`);
    names.add(definition.name);
    return definition;
  });
}

let definitions: readonly SourceDefinition[] | undefined;

/** The deployed source definitions, read once per container. */
export function sourceDefinitions(): readonly SourceDefinition[] {
  definitions ??= loadDefinitions(definitionsDir());
  return definitions;
}

let descriptions: Map<string, SourceDescription> | undefined;

function allDescriptions(): Map<string, SourceDescription> {
  descriptions ??= new Map(
    sourceDefinitions().map((d) => [d.name, describeDefinition(d) as SourceDescription]),
  );
  return descriptions;
}

/** Names an execution may give as `source`. */
export function sourceNames(): string[] {
  return [...allDescriptions().keys()];
}

/**
 * The source described under `name`, without its client: start-run, the HTTP API and the synth
 * read this; only fetch-page reads `registry.ts`, which adds the calls, so only its bundle
 * carries the SDK clients. `InvalidInput` naming the allowed values otherwise.
 */
export function describeSource(name: unknown): SourceDescription {
  const source = typeof name === 'string' ? allDescriptions().get(name) : undefined;
  if (!source) {
    throw new InvalidInput(
      `source must be one of: ${sourceNames().join(', ')}; got ${name === undefined ? 'nothing' : JSON.stringify(name)}`,
    );
  }
  return source;
}
